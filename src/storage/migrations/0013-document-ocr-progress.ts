// A document's progress through OCR, page by page: pages whose text is known of all its pages, while
// its ocr stage runs (null until some page needs OCR), so GET /status and the stream can show it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('documents').addColumn('ocr_pages_done', 'integer').execute();
  await db.schema.alterTable('documents').addColumn('ocr_pages_total', 'integer').execute();
}
