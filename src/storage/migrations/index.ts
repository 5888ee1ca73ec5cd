// Numbered migrations, applied in order at start and by `capstan migrate`. Append only.
import type { Migration } from 'kysely';
import * as m0001 from './0001-core.js';
import * as m0002 from './0002-events-and-access.js';
import * as m0003 from './0003-workflows.js';
import * as m0004 from './0004-documents.js';
import * as m0005 from './0005-videos.js';
import * as m0006 from './0006-organizer.js';
import * as m0007 from './0007-community.js';
import * as m0008 from './0008-outbox.js';
import * as m0009 from './0009-cleanup-indexes.js';
import * as m0010 from './0010-video-media.js';
import * as m0011 from './0011-video-transcripts.js';
import * as m0012 from './0012-organizer-content.js';
import * as m0013 from './0013-document-ocr-progress.js';
import * as m0014 from './0014-webhooks.js';
import * as m0015 from './0015-console-sessions.js';
import * as m0016 from './0016-nodes.js';
import * as m0017 from './0017-workflow-operations.js';
import * as m0018 from './0018-run-stage-statuses.js';
import * as m0019 from './0019-webhook-endpoint-starts.js';
import * as m0020 from './0020-webhook-endpoint-turns.js';
import * as m0021 from './0021-webhook-enable-generation.js';
import * as m0022 from './0022-workflow-claim-indexes.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': m0001,
  '0002-events-and-access': m0002,
  '0003-workflows': m0003,
  '0004-documents': m0004,
  '0005-videos': m0005,
  '0006-organizer': m0006,
  '0007-community': m0007,
  '0008-outbox': m0008,
  '0009-cleanup-indexes': m0009,
  '0010-video-media': m0010,
  '0011-video-transcripts': m0011,
  '0012-organizer-content': m0012,
  '0013-document-ocr-progress': m0013,
  '0014-webhooks': m0014,
  '0015-console-sessions': m0015,
  '0016-nodes': m0016,
  '0017-workflow-operations': m0017,
  '0018-run-stage-statuses': m0018,
  '0019-webhook-endpoint-starts': m0019,
  '0020-webhook-endpoint-turns': m0020,
  '0021-webhook-enable-generation': m0021,
  '0022-workflow-claim-indexes': m0022,
};
