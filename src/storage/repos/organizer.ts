// Organizer files, jobs and the per-file state of each job. A job's files are recorded as rows so
// that progress survives a crash and every file is filed once: results land only on pending rows. Each
// row keeps the folder its file was moved from, so a job can be undone.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, OrganizerFileTable, OrganizerJobFileTable, OrganizerJobTable } from '../schema.js';

export type OrganizerFile = Selectable<OrganizerFileTable>;
export type OrganizerJob = Selectable<OrganizerJobTable>;
export type OrganizerJobFile = Selectable<OrganizerJobFileTable>;

export interface FileQuery {
  readonly folder?: string;
  /** With a folder: include its subfolders. */
  readonly recursive?: boolean;
  readonly limit: number;
  readonly offset: number;
}

/** A pending file of a job with what classification needs; `file` is undefined when it is gone. */
export interface PendingJobFile {
  readonly position: number;
  readonly fileId: string;
  readonly file: OrganizerFile | undefined;
}

/** What reading a file's content found, kept on the file (null fields: nothing found). */
export interface ContentFacts {
  readonly text: string | null;
  readonly metaDate: string | null;
  readonly camera: boolean | null;
}

export interface JobFileResult {
  readonly fileId: string;
  readonly state: 'organized' | 'failed';
  readonly folder: string | null;
  /** The file's folder when the job moved it (organized files). */
  readonly previousFolder: string | null;
  readonly errorCode: string | null;
  readonly error: string | null;
  /** Set when the job read the file's content. */
  readonly content?: ContentFacts;
  /** What the file was taken for (organized files). */
  readonly documentType?: string | null;
  readonly contentDate?: string | null;
}

export type FileChange = { readonly name?: string; readonly folder?: string };

/** The outcome of a change to a file: the row after it, or why nothing changed. */
export type FileChangeResult = { readonly file: OrganizerFile } | { readonly refused: 'missing' | 'locked' };

/** Files, directly and at any depth, per folder under a parent. */
export interface FolderCount {
  readonly folder: string;
  readonly files: number;
}

export interface JobCounts {
  readonly processed: number;
  readonly organized: number;
  readonly failed: number;
  readonly currentFile: string | null;
}

export interface OrganizerRepo {
  createFiles(rows: readonly OrganizerFile[]): Promise<void>;
  getFile(orgId: string, id: string): Promise<OrganizerFile | undefined>;
  /** Only the organization's own files among `ids`. */
  filesByIds(orgId: string, ids: readonly string[]): Promise<OrganizerFile[]>;
  listFiles(orgId: string, query: FileQuery): Promise<OrganizerFile[]>;
  setLocked(orgId: string, id: string, locked: boolean, at: string): Promise<boolean>;
  /** Renames and/or moves an unlocked file. */
  /**
   * Applies `change` to an unlocked file still named and placed as `from` says: `changed` when another
   * change came first (the caller reads the file again and retries).
   */
  changeFile(orgId: string, id: string, from: Pick<OrganizerFile, 'name' | 'folder'>, change: FileChange, at: string): Promise<FileChangeResult | { readonly refused: 'changed' }>;
  /** Deletes an unlocked file's row (its blob is the caller's to delete). */
  deleteFile(orgId: string, id: string): Promise<FileChangeResult>;
  /** How many files each folder at or below `parent` holds directly ('' is the root). */
  folderCounts(orgId: string, parent: string): Promise<FolderCount[]>;
  createJob(job: OrganizerJob, fileIds: readonly string[]): Promise<void>;
  /** Creates a job over every file in a folder (in upload order, at most `max`); returns how many. */
  createFolderJob(job: OrganizerJob, folder: string, recursive: boolean, max: number): Promise<number>;
  getJob(orgId: string, id: string): Promise<OrganizerJob | undefined>;
  getJobById(id: string): Promise<OrganizerJob | undefined>;
  activeJobs(orgId: string, limit: number): Promise<OrganizerJob[]>;
  updateJob(id: string, patch: Partial<Omit<OrganizerJob, 'id' | 'org_id'>>): Promise<void>;
  pending(jobId: string, limit: number): Promise<PendingJobFile[]>;
  /**
   * Records a batch's results on rows still pending, files the organized ones, and adds to the
   * job's counts, but only while the job is running. False (nothing written) once it was cancelled.
   */
  recordBatch(jobId: string, results: readonly JobFileResult[], currentFile: string | null, at: string): Promise<JobCounts | false>;
  failures(jobId: string, limit: number): Promise<(OrganizerJobFile & { name: string | null })[]>;
  /**
   * Moves every file the job organized back to the folder it came from, if it is still in the folder
   * the job put it in and is not locked; marks the job undone. False (nothing written) when it already was.
   */
  undoJob(jobId: string, at: string): Promise<{ restored: number; kept: number } | false>;
}

const CHUNK = 100;

export function organizerRepo(db: Kysely<Database>): OrganizerRepo {
  const filesOf = (orgId: string, folder: string | undefined, recursive: boolean) => {
    let q = db.selectFrom('organizer_files').where('org_id', '=', orgId);
    if (folder !== undefined) {
      if (!recursive) q = q.where('folder', '=', folder);
      else if (folder !== '') {
        // Its subfolders by their leading characters: SQLite's LIKE ignores the case of ASCII letters,
        // and folders differing only in case are different folders. Both stores count code points.
        const prefix = `${folder}/`;
        q = q.where((eb) => eb.or([eb('folder', '=', folder), sql<boolean>`substr(folder, 1, ${[...prefix].length}) = ${prefix}`]));
      }
    }
    return q;
  };
  return {
    async createFiles(rows) {
      for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('organizer_files').values(rows.slice(i, i + CHUNK)).execute();
    },
    getFile: (orgId, id) => db.selectFrom('organizer_files').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
    async filesByIds(orgId, ids) {
      const out: OrganizerFile[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        out.push(...(await db.selectFrom('organizer_files').selectAll().where('org_id', '=', orgId).where('id', 'in', ids.slice(i, i + 500)).execute()));
      }
      return out;
    },
    async changeFile(orgId, id, from, change, at) {
      const res = await db
        .updateTable('organizer_files')
        .set({ ...(change.name === undefined ? {} : { name: change.name }), ...(change.folder === undefined ? {} : { folder: change.folder }), updated_at: at })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('locked', '=', 0)
        .where('name', '=', from.name)
        .where('folder', '=', from.folder)
        .executeTakeFirst();
      const file = await this.getFile(orgId, id);
      if (!file) return { refused: 'missing' };
      if (Number(res.numUpdatedRows) > 0) return { file };
      return file.locked ? { refused: 'locked' } : { refused: 'changed' };
    },
    async deleteFile(orgId, id) {
      const file = await this.getFile(orgId, id);
      if (!file) return { refused: 'missing' };
      const res = await db.deleteFrom('organizer_files').where('org_id', '=', orgId).where('id', '=', id).where('locked', '=', 0).executeTakeFirst();
      if (Number(res.numDeletedRows) > 0) return { file };
      return (await this.getFile(orgId, id)) ? { refused: 'locked' } : { refused: 'missing' };
    },
    async folderCounts(orgId, parent) {
      const rows = await filesOf(orgId, parent, true).select(['folder', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('folder').execute();
      return rows.map((r) => ({ folder: r.folder, files: Number(r.n) }));
    },
    listFiles: (orgId, query) =>
      filesOf(orgId, query.folder, query.recursive ?? false).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
    async setLocked(orgId, id, locked, at) {
      const res = await db.updateTable('organizer_files').set({ locked: locked ? 1 : 0, updated_at: at }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async createJob(job, fileIds) {
      await db.insertInto('organizer_jobs').values(job).execute();
      for (let i = 0; i < fileIds.length; i += CHUNK) {
        const rows = fileIds.slice(i, i + CHUNK).map((fileId, j) => ({
          job_id: job.id, file_id: fileId, position: i + j, state: 'pending' as const, folder: null, previous_folder: null, error_code: null, error: null,
        }));
        await db.insertInto('organizer_job_files').values(rows).execute();
      }
    },
    async createFolderJob(job, folder, recursive, max) {
      const ids = (await filesOf(job.org_id, folder, recursive).select('id').orderBy('created_at').orderBy('id').limit(max).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      await this.createJob({ ...job, total_count: ids.length }, ids);
      return ids.length;
    },
    getJob: (orgId, id) => db.selectFrom('organizer_jobs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
    getJobById: (id) => db.selectFrom('organizer_jobs').selectAll().where('id', '=', id).executeTakeFirst(),
    activeJobs: (orgId, limit) => db.selectFrom('organizer_jobs').selectAll().where('org_id', '=', orgId).where('status', 'in', ['queued', 'running']).orderBy('created_at').limit(limit).execute(),
    async updateJob(id, patch) {
      await db.updateTable('organizer_jobs').set(patch).where('id', '=', id).execute();
    },
    async pending(jobId, limit) {
      const rows = await db
        .selectFrom('organizer_job_files as jf')
        .leftJoin('organizer_files as f', 'f.id', 'jf.file_id')
        .select(['jf.position', 'jf.file_id'])
        .select([
          'f.id', 'f.org_id', 'f.name', 'f.size_bytes', 'f.content_type', 'f.mime', 'f.kind', 'f.content_date', 'f.content_text', 'f.meta_date', 'f.camera',
          'f.content_read_at', 'f.document_type', 'f.blob_key', 'f.folder', 'f.locked', 'f.created_at', 'f.updated_at',
        ])
        .where('jf.job_id', '=', jobId)
        .where('jf.state', '=', 'pending')
        .orderBy('jf.position')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        position: r.position,
        fileId: r.file_id,
        file: r.id === null ? undefined : ({
          id: r.id, org_id: r.org_id!, name: r.name!, size_bytes: Number(r.size_bytes), content_type: r.content_type, mime: r.mime, kind: r.kind!,
          content_date: r.content_date, content_text: r.content_text, meta_date: r.meta_date, camera: r.camera === null ? null : Number(r.camera),
          content_read_at: r.content_read_at, document_type: r.document_type, blob_key: r.blob_key!, folder: r.folder!, locked: Number(r.locked),
          created_at: r.created_at!, updated_at: r.updated_at!,
        } satisfies OrganizerFile),
      }));
    },
    async recordBatch(jobId, results, currentFile, at) {
      const job = await db.selectFrom('organizer_jobs').select('status').where('id', '=', jobId).executeTakeFirst();
      if (!job || (job.status !== 'queued' && job.status !== 'running')) return false;
      let organized = 0;
      let failed = 0;
      for (const r of results) {
        if (r.content) {
          const c = r.content;
          await db
            .updateTable('organizer_files')
            .set({ content_text: c.text, meta_date: c.metaDate, camera: c.camera === null ? null : c.camera ? 1 : 0, content_read_at: at })
            .where('id', '=', r.fileId)
            .execute();
        }
        const res = await db
          .updateTable('organizer_job_files')
          .set({ state: r.state, folder: r.folder, previous_folder: r.previousFolder, error_code: r.errorCode, error: r.error })
          .where('job_id', '=', jobId)
          .where('file_id', '=', r.fileId)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) continue;
        if (r.state === 'organized') {
          organized++;
          await db
            .updateTable('organizer_files')
            .set({ folder: r.folder ?? '', document_type: r.documentType ?? null, content_date: r.contentDate ?? null, updated_at: at })
            .where('id', '=', r.fileId)
            .execute();
        } else failed++;
      }
      const updated = await db
        .updateTable('organizer_jobs')
        .set({
          processed_count: sql`processed_count + ${organized + failed}`,
          organized: sql`organized + ${organized}`,
          failed: sql`failed + ${failed}`,
          current_file: currentFile,
          updated_at: at,
        })
        .where('id', '=', jobId)
        .where('status', 'in', ['queued', 'running'])
        .returning(['processed_count', 'organized', 'failed', 'current_file'])
        .executeTakeFirst();
      if (!updated) return false;
      return { processed: updated.processed_count, organized: updated.organized, failed: updated.failed, currentFile: updated.current_file };
    },
    async undoJob(jobId, at) {
      const marked = await db.updateTable('organizer_jobs').set({ undone_at: at, updated_at: at }).where('id', '=', jobId).where('undone_at', 'is', null).executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0) return false;
      const moved = sql<string>`(select jf.previous_folder from organizer_job_files jf where jf.job_id = ${jobId} and jf.file_id = organizer_files.id)`;
      const restored = await db
        .updateTable('organizer_files')
        .set({ folder: moved, updated_at: at })
        .where('locked', '=', 0)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('organizer_job_files as jf')
              .select('jf.file_id')
              .where('jf.job_id', '=', jobId)
              .where('jf.state', '=', 'organized')
              // Rows from before migration 0012 do not know where their file came from.
              .where('jf.previous_folder', 'is not', null)
              .whereRef('jf.file_id', '=', 'organizer_files.id')
              .whereRef('jf.folder', '=', 'organizer_files.folder'),
          ),
        )
        .executeTakeFirst();
      const organized = await db.selectFrom('organizer_job_files').select((eb) => eb.fn.countAll<number | string>().as('n')).where('job_id', '=', jobId).where('state', '=', 'organized').executeTakeFirstOrThrow();
      const n = Number(restored.numUpdatedRows);
      return { restored: n, kept: Number(organized.n) - n };
    },
    failures: (jobId, limit) =>
      db
        .selectFrom('organizer_job_files as jf')
        .leftJoin('organizer_files as f', 'f.id', 'jf.file_id')
        .selectAll('jf')
        .select('f.name')
        .where('jf.job_id', '=', jobId)
        .where('jf.state', '=', 'failed')
        .orderBy('jf.position')
        .limit(limit)
        .execute(),
  };
}
