// The kinds of work an operator follows, by their public name and the workflow kind that runs them.
import { DOCUMENT_WORKFLOW } from '../documents/index.js';
import { ORGANIZER_WORKFLOW } from '../organizer/index.js';
import { VIDEO_WORKFLOW } from '../videos/index.js';

export const WORK_KINDS = { document: DOCUMENT_WORKFLOW, video: VIDEO_WORKFLOW, organize: ORGANIZER_WORKFLOW } as const;
export type WorkKind = keyof typeof WORK_KINDS;

const BY_WORKFLOW = new Map<string, WorkKind>(Object.entries(WORK_KINDS).map(([name, workflow]) => [workflow, name as WorkKind]));

export const workKindOf = (workflowKind: string): WorkKind | undefined => BY_WORKFLOW.get(workflowKind);
