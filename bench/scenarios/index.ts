// Every scenario `npm run bench` knows, in the order a whole run takes them.
import type { Scenario } from '../lib/scenario.js';
import { cluster } from './cluster/index.js';
import { documents } from './documents/index.js';
import { documentsAccuracy } from './documents-accuracy/index.js';
import { idle } from './idle/index.js';
import { ocrPool } from './ocr-pool/index.js';
import { organize } from './organize/index.js';
import { organizerAccuracy } from './organizer-accuracy/index.js';
import { resumeStorm } from './resume-storm/index.js';
import { rest } from './rest/index.js';
import { soak } from './soak/index.js';
import { sseFanout } from './sse-fanout/index.js';
import { transcription } from './transcription/index.js';
import { videoUpload } from './video-upload/index.js';

export const SCENARIOS: readonly Scenario[] = [sseFanout, documents, ocrPool, videoUpload, transcription, organize, organizerAccuracy, documentsAccuracy, cluster, rest, resumeStorm, idle, soak];
