// Event types of the organizer surface. Registered with an `organizer.` prefix so they cannot clash
// with other surfaces on the organization topic; on the wire `type` is the seed's bare name.
import type { EventTypeSpec } from '../events/index.js';

export const ORGANIZER_EVENT_PREFIX = 'organizer.';

export const ORGANIZER_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: 'organizer.job_progress', scope: 'org', description: 'Organize job progress {jobId, progress, processedCount, totalCount, currentFile}, coalesced to a bounded rate; the last one is 100' },
  { type: 'organizer.job_complete', scope: 'org', description: 'Organize job ended {jobId, status, organized, failed}' },
  { type: 'organizer.file_uploaded', scope: 'org', description: 'A file was uploaded {fileId, name, size}' },
  { type: 'organizer.error', scope: 'org', description: 'A file of a job could not be organized {jobId, error, code}' },
];

const TYPES = new Set(ORGANIZER_EVENT_TYPES.map((t) => t.type));

export const isOrganizerEvent = (type: string): boolean => TYPES.has(type);
