// Reporting a document's status on its organization's stream: inside the transaction that changed
// it, and only when the GET /status shape actually changed (updated_at aside; ocr_pages counts, so
// each new page count is a change), so every status change is one message — never two for one
// change, never one without a change.
import { orgTopic, type EventPublisher } from '../events/index.js';
import { storedStageStatuses, type Repos } from '../storage/index.js';
import { documentStatus, type DocumentStatus } from './status.js';

export async function reportDocumentStatus(tx: Repos, publisher: EventPublisher, documentId: string, isNew = false): Promise<DocumentStatus | undefined> {
  const doc = await tx.documents.getById(documentId);
  if (!doc) return undefined;
  const run = await tx.workflows.get(doc.workflow_id);
  const status = documentStatus(doc, run, storedStageStatuses(run));
  const { updated_at: _updatedAt, ...shape } = status;
  const reported = JSON.stringify(shape);
  if (reported === doc.reported_status) return status;
  await tx.documents.update(doc.id, { reported_status: reported });
  await publisher.append(tx, {
    topic: orgTopic(doc.org_id),
    orgId: doc.org_id,
    type: 'document.status',
    scope: { document_id: doc.id, ...(isNew ? { new_resource: true } : {}) },
    data: { ...status },
  });
  return status;
}
