// The public shapes of files and jobs, camelCase like the seed's events.
import type { OrganizerFile, OrganizerJob } from '../storage/index.js';

export interface FileView {
  readonly fileId: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly contentType: string | null;
  readonly folder: string;
  readonly locked: boolean;
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
}

export const progressOf = (processed: number, total: number): number => (total === 0 ? 100 : Math.floor((processed * 100) / total));

export function presentFile(f: OrganizerFile): FileView {
  return {
    fileId: f.id, name: f.name, size: Number(f.size_bytes), type: f.kind, contentType: f.content_type, folder: f.folder, locked: Number(f.locked) === 1,
    createdAt: f.created_at, updatedAt: f.updated_at,
  };
}

export function presentJob(j: OrganizerJob): JobView {
  return {
    jobId: j.id, status: j.status, progress: progressOf(j.processed_count, j.total_count), processedCount: j.processed_count, totalCount: j.total_count,
    organized: j.organized, failed: j.failed, currentFile: j.current_file, folder: j.source_folder, createdAt: j.created_at, completedAt: j.completed_at,
  };
}
