// Schemas of the operator's read and operation routes (ops-routes.ts): the credit ledger, apps with
// their keys, an organization's usage, and work in flight with its retry. Examples follow docs/api.md.
import { Type } from '@sinclair/typebox';
import { schemas } from '../../http/index.js';
import { Segment } from './hub-schemas.js';
import { Contact, Environment, Hub, Nullable, Origin, Timestamp } from './schemas.js';

const T0 = '2025-01-31T12:00:00.000Z';
const T1 = '2025-01-31T12:00:04.000Z';
const ORG = 'org_8Yq2mB4nKcR7tW1xZ3pL';
const DOC = 'doc_Tr5eW3qA1sD9fG7hJ5kL';
const RUN = 'wf_Hy6tG4fR2eD0sW8qA6zX';

export const PageQuery = Type.Object({ limit: schemas.Limit(50, 100), offset: schemas.Offset });
export const RunParams = Type.Object({ run_id: schemas.Id('Workflow run id (wf_…)') });

// ---- ledger ----

const ledgerExample = { id: 'led_Bn7mK5jH3gF1dS9aP7oI', amount_micro: -1000, balance_micro: 499000, reason: 'document', ref: DOC, created_at: T0 };

export const LedgerEntry = Type.Object({
  id: Type.String({ description: 'Ledger entry id (led_…)' }),
  amount_micro: Type.Integer({ description: 'Micro-credits added (> 0) or taken (< 0)' }),
  balance_micro: Type.Integer({ description: 'The balance right after this entry' }),
  reason: Type.String({ description: 'grant, refund, document, video… or the reason given to POST /orgs/{org_id}/credits' }),
  ref: Nullable(Type.String({ description: 'What the entry is for (a document or video id), when it is for something' })),
  created_at: Timestamp,
}, { examples: [ledgerExample] });

export const LedgerPage = Type.Object({ data: Type.Array(LedgerEntry, { description: 'Newest first' }) }, { examples: [{ data: [ledgerExample] }] });

// ---- apps ----

const appKeyExample = { id: 'key_Lp0oK9iJ8uH7yG6tF5rD', kind: 'secret', display: 'csk_Xy12…', created_at: T0, revoked_at: null };
const appExample = {
  id: 'app_Zx8cVb6nM4lK2jH0gF9d', org_id: ORG, name: 'Recorder', environment: 'production', allowed_origins: ['https://app.example.com'], created_at: T0,
  keys: [appKeyExample, { ...appKeyExample, id: 'key_Mq1pL0oK9iJ8uH7yG6tF', kind: 'public', display: 'cpk_Ab34…' }],
};

export const AppKey = Type.Object({
  id: Type.String({ description: 'Key id (key_…)' }),
  kind: Type.Union([Type.Literal('secret'), Type.Literal('public')], { description: 'secret (csk_, for servers) or public (cpk_, for browsers)' }),
  display: Type.String({ description: 'The key\'s prefix and first characters: never the key itself' }),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
});

export const AppWithKeys = Type.Object({
  id: Type.String({ description: 'App id (app_…)' }),
  org_id: Type.String({ description: 'Organization id' }),
  name: Type.String(),
  environment: Environment,
  allowed_origins: Type.Array(Type.String(), { description: 'Origins a production app\'s public key may be used from' }),
  created_at: Timestamp,
  keys: Type.Array(AppKey, { description: 'Every key pair the app ever had, oldest first; revoked ones have revoked_at' }),
}, { examples: [appExample] });

export const AppList = Type.Object({ data: Type.Array(AppWithKeys, { description: 'Oldest first' }) }, { examples: [{ data: [appExample] }] });

export const AppPatchBody = Type.Object({
  name: Type.Optional(schemas.Name),
  allowed_origins: Type.Optional(Type.Array(Origin, { maxItems: 100, description: 'Replaces the list (entries that are one origin once normalised are stored once); checked for public cpk_ keys of production apps from the next call' })),
}, { additionalProperties: false, minProperties: 1, description: 'At least one field', examples: [{ allowed_origins: ['https://app.example.com', 'https://staging.example.com'] }] });

// ---- hubs, contacts, segments ----

/** A list answer's example: the item schema's own examples as its data. */
const listExample = (item: { examples?: unknown }) => [{ data: Array.isArray(item.examples) ? item.examples : [] }];

export const HubList = Type.Object({ data: Type.Array(Hub, { description: 'Oldest first' }) }, { examples: listExample(Hub) });
export const ContactList = Type.Object({ data: Type.Array(Contact, { description: 'Oldest first, every status' }) }, { examples: listExample(Contact) });
export const SegmentList = Type.Object({ data: Type.Array(Segment, { description: 'Oldest first' }) }, { examples: listExample(Segment) });

// ---- usage ----

const WorkCounts = Type.Object({
  total: Type.Integer({ minimum: 0 }),
  completed: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0, description: 'Failed or cancelled' }),
  in_flight: Type.Integer({ minimum: 0, description: 'Queued or running' }),
}, { description: 'Counted from the workflow runs of this kind' });
const counts = { total: 12, completed: 10, failed: 1, in_flight: 1 };

export const Usage = Type.Object({
  org_id: Type.String({ description: 'Organization id' }),
  documents: WorkCounts,
  videos: WorkCounts,
  organize_jobs: WorkCounts,
  credits_spent_micro: Type.Integer({ description: 'Debits (and negative corrections) net of refunds, in micro-credits' }),
  credits_granted_micro: Type.Integer({ description: 'Credit added, refunds aside, in micro-credits' }),
  api_keys_active: Type.Integer({ minimum: 0, description: 'Organization API keys not revoked' }),
}, { examples: [{ org_id: ORG, documents: counts, videos: { total: 0, completed: 0, failed: 0, in_flight: 0 }, organize_jobs: { total: 1, completed: 1, failed: 0, in_flight: 0 }, credits_spent_micro: 11000, credits_granted_micro: 500000, api_keys_active: 1 }] });

// ---- work ----

export const WorkQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('in_flight'), Type.Literal('failed'), Type.Literal('completed'), Type.Literal('all')], { default: 'in_flight', description: 'in_flight: queued or running (default); all includes cancelled runs' })),
  kind: Type.Optional(Type.Union([Type.Literal('document'), Type.Literal('video'), Type.Literal('organize')], { description: 'Only this kind of work (default: every kind)' })),
  org_id: Type.Optional(schemas.Id('Only this organization\'s work')),
  limit: schemas.Limit(50, 100),
  offset: schemas.Offset,
});

const stageExample = { name: 'intake', status: 'completed', started_at: T0, finished_at: T0, error: null };
const workExample = {
  run_id: RUN, kind: 'document', org_id: ORG, resource_id: DOC, status: 'running', attempts: 1, error: null, created_at: T0, updated_at: T1, completed_at: null,
  stages: [stageExample, { name: 'ocr', status: 'running', started_at: T1, finished_at: null, error: null }, ...['structure', 'actions', 'trades', 'categories'].map((name) => ({ name, status: 'pending', started_at: null, finished_at: null, error: null }))],
  progress: 1 / 6, retryable: false, retry_refusal: 'The run is running: only a failed run can be retried',
};

export const WorkStage = Type.Object({
  name: Type.String({ description: 'The stage, in the order the kind runs them' }),
  status: Type.Union(['pending', 'running', 'completed', 'failed', 'skipped'].map((s) => Type.Literal(s)), { description: 'skipped: never reached by a run that ended' }),
  started_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
  error: Nullable(Type.String({ description: 'Why the stage failed' })),
});

export const WorkItem = Type.Object({
  run_id: Type.String({ description: 'Workflow run id (wf_…); for a document, its workflow_id' }),
  kind: Type.Union([Type.Literal('document'), Type.Literal('video'), Type.Literal('organize')]),
  org_id: Type.String({ description: 'Organization id' }),
  resource_id: Type.String({ description: 'The document, video or organize job id' }),
  status: Type.Union(['queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  attempts: Type.Integer({ minimum: 0, description: 'Attempts at the stage now due (reset when a stage completes)' }),
  error: Nullable(Type.String({ description: 'Why the run failed: a stable reason (pdf_encrypted, attempts_exhausted…) or the last error\'s message' })),
  created_at: Timestamp,
  updated_at: Timestamp,
  completed_at: Nullable(Timestamp),
  stages: Type.Array(WorkStage),
  progress: Type.Number({ minimum: 0, maximum: 1, description: 'Completed stages of all stages; 1 when the run completed' }),
  retryable: Type.Boolean({ description: 'Whether POST /work/{run_id}/retry may requeue it' }),
  retry_refusal: Nullable(Type.String({ description: 'Why it is not retryable (the 409 message of a retry); null when it is' })),
}, { examples: [workExample] });

export const WorkPage = Type.Object({ data: Type.Array(WorkItem, { description: 'Newest first' }) }, { examples: [{ data: [workExample] }] });
