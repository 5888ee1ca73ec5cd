// The public shapes of files, jobs and folders, and the payloads of the organizer's events: camelCase
// and flat, like the seed's events.
import type { OrganizerFile, OrganizerJob } from '../storage/index.js';

export interface FileView {
  readonly fileId: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly contentType: string | null;
  readonly folder: string;
  readonly locked: boolean;
  /** What the last organize job took it for: invoice, receipt, bank_statement, … */
  readonly documentType: string | null;
  /** The date its text is about (YYYY, YYYY-MM or YYYY-MM-DD), as the last organize job found it. */
  readonly contentDate: string | null;
  /** The start of its text, once read. */
  readonly excerpt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface JobView {
  readonly jobId: string;
  readonly status: OrganizerJob['status'];
  readonly progress: number;
  readonly processedCount: number;
  readonly totalCount: number;
  readonly organized: number;
  readonly failed: number;
  readonly currentFile: string | null;
  readonly folder: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly undoneAt: string | null;
}

export interface FolderView {
  readonly name: string;
  readonly path: string;
  /** Files directly in the folder. */
  readonly fileCount: number;
  /** Files in it and all its subfolders. */
  readonly totalCount: number;
}

const EXCERPT_CHARS = 200;

export const progressOf = (processed: number, total: number): number => (total === 0 ? 100 : Math.floor((processed * 100) / total));

export function presentFile(f: OrganizerFile): FileView {
  const text = f.content_text?.replace(/\s+/g, ' ').trim();
  return {
    fileId: f.id, name: f.name, size: Number(f.size_bytes), type: f.kind, contentType: f.content_type, folder: f.folder, locked: Number(f.locked) === 1,
    documentType: f.document_type, contentDate: f.content_date, excerpt: text ? text.slice(0, EXCERPT_CHARS) : null,
    createdAt: f.created_at, updatedAt: f.updated_at,
  };
}

export function presentJob(j: OrganizerJob): JobView {
  return {
    jobId: j.id, status: j.status, progress: progressOf(j.processed_count, j.total_count), processedCount: j.processed_count, totalCount: j.total_count,
    organized: j.organized, failed: j.failed, currentFile: j.current_file, folder: j.source_folder, createdAt: j.created_at, completedAt: j.completed_at,
    undoneAt: j.undone_at,
  };
}

export const fileUploadedEvent = (f: OrganizerFile) => ({ fileId: f.id, name: f.name, size: Number(f.size_bytes) });

export const fileUpdatedEvent = (before: OrganizerFile, after: OrganizerFile) => ({
  fileId: after.id, name: after.name, folder: after.folder, previousName: before.name, previousFolder: before.folder,
});

export const fileDeletedEvent = (f: OrganizerFile) => ({ fileId: f.id, name: f.name, folder: f.folder });

export const jobUndoneEvent = (jobId: string, counts: { restored: number; kept: number }) => ({ jobId, restored: counts.restored, kept: counts.kept });
