// Event types of the organizer surface. Registered with an `organizer.` prefix so they cannot clash
// with other surfaces on the organization topic; on the wire `type` is the seed's bare name. The first
// four are the seed's; file_updated, file_deleted and job_undone report the management calls the seed
// does not describe, in the same flat camelCase shape.
import type { EventTypeSpec } from '../events/index.js';

export const ORGANIZER_EVENT_PREFIX = 'organizer.';

export const ORGANIZER_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: 'organizer.job_progress', scope: 'org', description: 'Organize job progress {jobId, progress, processedCount, totalCount, currentFile}, coalesced to a bounded rate; the last one is 100' },
  { type: 'organizer.job_complete', scope: 'org', description: 'Organize job ended {jobId, status, organized, failed}' },
  { type: 'organizer.file_uploaded', scope: 'org', description: 'A file was uploaded {fileId, name, size}' },
  { type: 'organizer.error', scope: 'org', description: 'A file of a job could not be organized {jobId, error, code}' },
  { type: 'organizer.file_updated', scope: 'org', description: 'A file was renamed or moved by hand {fileId, name, folder, previousName, previousFolder}' },
  { type: 'organizer.file_deleted', scope: 'org', description: 'A file was deleted {fileId, name, folder}' },
  { type: 'organizer.job_undone', scope: 'org', description: "An organize job's moves were undone {jobId, restored, kept}" },
];

const TYPES = new Set(ORGANIZER_EVENT_TYPES.map((t) => t.type));

export const isOrganizerEvent = (type: string): boolean => TYPES.has(type);
