// Event types of the documents surface: one per status change, carrying the GET /status shape.
import type { EventTypeSpec } from '../events/index.js';

export const DOCUMENT_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: 'document.status', scope: 'org', description: "A document's processing status changed (payload: the GET /status/:id shape)" },
];

export const DOCUMENT_STAGES = ['ocr', 'structure', 'actions', 'trades', 'categories'] as const;
export type DocumentStage = (typeof DOCUMENT_STAGES)[number];
