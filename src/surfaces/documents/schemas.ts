// The documents surface's request and response shapes (seeds 000/001), as the routes validate and
// document them: what GET /status, the result, the list, credits and realtime tokens really send.
import { Type, type TSchema } from '@sinclair/typebox';
import { DOCUMENT_STAGES } from '../../documents/event-types.js';
import { schemas } from '../../http/index.js';

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});
const oneOf = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

export const DocParams = Type.Object({ document_id: schemas.Id('Document id') });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: '1-255 visible ASCII characters. The same key with the same body returns the first response; with another body, 409 idempotency_conflict.' })),
});

export const UploadBody = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'An http(s) URL the server fetches (SSRF-guarded). Exactly one of url and file_base64.' })),
  file_base64: Type.Optional(Type.String({ description: 'The file as standard base64 (whitespace ignored). Exactly one of url and file_base64.' })),
  file_name: Type.String({ minLength: 1, maxLength: 255, pattern: `^(?=.*\\S)[^${schemas.CONTROL_CHARACTERS}]+$`, description: 'The name shown for the document; the type is sniffed from the bytes, never taken from it' }),
  xn_address: Type.Optional(Type.String({ maxLength: 320, pattern: `^[^${schemas.CONTROL_CHARACTERS}]*$`, description: 'Kept with the document and returned in lists' })),
}, {
  additionalProperties: false,
  examples: [
    { url: 'https://example.com/claims/123/scope.pdf', file_name: 'claim-123-scope.pdf', xn_address: 'restoration-team@example.xn' },
    { file_base64: 'BASE64_PDF_CONTENT', file_name: 'claim-123-scope.pdf', xn_address: 'restoration-team@example.xn' },
  ],
});

const DocumentState = oneOf(['processing', 'completed', 'failed']);

export const UploadAccepted = Type.Object({
  document_id: Type.String(),
  workflow_id: Type.String(),
  status: Type.Literal('processing'),
  created_at: Timestamp('When the upload was accepted'),
  status_url: Type.String({ description: 'GET it for the status' }),
  ws_url: Type.String({ description: 'The WebSocket of status changes (token from POST /ws/token)' }),
}, {
  examples: [{ document_id: 'doc_123', workflow_id: 'wf_123', status: 'processing', created_at: '2026-04-14T14:30:00Z', status_url: '/status/doc_123', ws_url: '/ws/status' }],
});

const StageProgress = nullable(oneOf(['in_progress', 'complete', 'failed']), 'null until the stage starts');

export const DocumentStatus = Type.Object({
  document_id: Type.String(),
  status: DocumentState,
  progress: Type.Object(Object.fromEntries(DOCUMENT_STAGES.map((s) => [s, StageProgress])), { description: 'Each stage in order: ocr, structure, actions, trades, categories' }),
  ocr_pages: nullable(Type.Object({ done: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) }), 'Pages whose text is known, of all pages, counted while the ocr stage runs (and kept after); null until a page needs OCR, and for documents that need none'),
  workflow_complete: Type.Boolean({ description: 'True once the workflow completed (status completed); false while processing and for a failed document: wait for status to leave processing' }),
  completed_at: nullable(Timestamp('When processing ended')),
  updated_at: Timestamp('The last change'),
  error: Type.Optional(Type.String({ description: 'Present when status is failed: a stable reason such as pdf_encrypted, blocked_address, no_text' })),
}, {
  examples: [{
    document_id: 'doc_123', status: 'processing', progress: { ocr: 'complete', structure: 'in_progress', actions: null, trades: null, categories: null },
    ocr_pages: null, workflow_complete: false, completed_at: null, updated_at: '2026-04-14T14:31:12Z',
  }],
});

const Page = Type.Object({
  number: Type.Integer({ minimum: 1, description: '1-based' }),
  text: Type.String(),
  source: oneOf(['text_layer', 'ocr']),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'OCR pages: how sure OCR was of the page' })),
  line_confidences: Type.Optional(Type.Array(Type.Number(), { description: 'OCR pages: one confidence per line of text' })),
});

const Warning = Type.Object({
  code: oneOf(['page_unreadable', 'low_confidence', 'items_unbalanced', 'items_repaired', 'section_total_mismatch', 'document_total_mismatch', 'row_unreadable', 'row_not_listed']),
  page: nullable(Type.Integer(), 'null when it concerns the whole document'),
  items: Type.Optional(Type.Array(Type.Integer(), { description: 'Indexes into line_items' })),
  section: Type.Optional(nullable(Type.String())),
  message: Type.String(),
});

const lineItemFields = {
  description: Type.String(),
  quantity: Type.Number(),
  unit: nullable(Type.String(), 'Upper-case unit code: SF, LF, EA, SY, SQ, HR, …; null for a row that prints none (quantity, unit price and total only)'),
  unit_price: Type.Number(),
  total: Type.Number(),
  page: Type.Integer({ description: '1-based page the row was read from' }),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'How far the numbers can be trusted' })),
  checks: Type.Optional(Type.Array(oneOf(['line_total', 'section_total', 'document_total']))),
  repairs: Type.Optional(Type.Array(Type.Object({
    field: oneOf(['quantity', 'unit_price', 'total']),
    read: Type.Number({ description: 'The number as read' }),
    value: Type.Number({ description: 'The number used' }),
    reason: oneOf(['decimal_point', 'digit', 'currency_sign', 'section_total']),
  }))),
  flags: Type.Optional(Type.Array(oneOf(['unbalanced', 'low_confidence']))),
};

const Classification = Type.Object({
  value: nullable(Type.String()),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  matched: Type.Array(Type.String(), { description: 'The patterns that fired for the winner' }),
});

const ClassifiedLineItem = Type.Object({
  ...lineItemFields,
  section: nullable(Type.String(), 'The estimate section (room, area) it sits under'),
  action: Classification,
  // The stages run in order: while only actions (or trades) are done, the later classifications are absent.
  trade: Type.Optional(Classification),
  category: Type.Optional(Classification),
});

const Structure = Type.Union([
  Type.Object({
    kind: Type.Literal('estimate'),
    sections: Type.Array(Type.Object({ title: nullable(Type.String()), line_items: Type.Array(Type.Object(lineItemFields)) })),
    warnings: Type.Array(Warning),
  }),
  Type.Object({
    kind: Type.Literal('document'),
    sections: Type.Array(Type.Object({ title: nullable(Type.String()), paragraphs: Type.Array(Type.String()) })),
    warnings: Type.Array(Warning),
  }),
], { description: 'An estimate as sections of line items, or another document as sections of paragraphs' });

export const DocumentResult = Type.Object({
  document_id: Type.String(),
  file_name: Type.String(),
  status: DocumentState,
  mime_type: nullable(Type.String(), 'The sniffed type; null until a URL upload is fetched'),
  page_count: nullable(Type.Integer()),
  pages: nullable(Type.Array(Page), 'null until the ocr stage is complete'),
  structure: nullable(Structure, 'null until the structure stage is complete'),
  line_items: nullable(Type.Array(ClassifiedLineItem), 'Classified items, as far as classification has got; null before the actions stage'),
  warnings: nullable(Type.Array(Warning), 'The same list as structure.warnings'),
  error: Type.Optional(Type.String({ description: 'Present when status is failed' })),
});

export const DocumentList = Type.Object({
  data: Type.Array(Type.Object({
    document_id: Type.String(),
    file_name: Type.String(),
    xn_address: nullable(Type.String()),
    status: DocumentState,
    pages: nullable(Type.Integer(), 'null until counted'),
    created_at: Timestamp('When it was uploaded'),
    updated_at: Timestamp('The last change'),
    status_url: Type.String(),
  })),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const Credits = Type.Object({
  organization_id: Type.String(),
  balance_micro_credits: Type.Integer({ description: '100,000 micro-credits are one dollar' }),
  balance_dollars: Type.String({ description: 'The balance in dollars, two decimals, rounded down to the cent' }),
  price_per_page_micro_credits: Type.Integer(),
}, {
  examples: [{ organization_id: 'org_123', balance_micro_credits: 99000, balance_dollars: '0.99', price_per_page_micro_credits: 1000 }],
});

export const RealtimeToken = Type.Object({
  token: Type.String({ description: 'rt_…: the token query parameter of /ws/status and /sse/status' }),
  organization_id: Type.String(),
  expires_at: Timestamp('After this a stream ends with stream.expired'),
  ws_url: Type.String(),
  sse_url: Type.String(),
}, {
  examples: [{ token: 'rt_123', organization_id: 'org_123', expires_at: '2026-04-14T14:45:00Z', ws_url: '/ws/status', sse_url: '/sse/status' }],
});

/** What a 402 tells beside its message: the credits the upload needs and those the organization holds. */
export const PaymentRequiredFields = {
  required_micro: Type.Integer({ description: 'Micro-credits this upload needs (a URL upload: one page)' }),
  balance_micro: Type.Integer({ description: 'Micro-credits the organization holds now' }),
};

/** The scope of a documents stream, shared by /sse/status and /ws/status. */
export const streamScope = {
  token: Type.Optional(Type.String({ maxLength: 4096, description: 'A realtime token (rt_…) from POST /ws/token' })),
  document_id: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: 'Repeatable, up to 100: follow these documents (ids not the organization\'s are never delivered)' })),
  recent: Type.Optional(Type.String({ maxLength: 8, description: '1-100: follow the latest N documents; new uploads join and the oldest leave' })),
};
