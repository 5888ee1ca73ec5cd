// The transcription status a video goes through, and the choice of transcriber from config.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createTranscriber,
  runTranscription,
  transcriptionStatusFor,
  type Transcriber,
} from '../../../src/pipelines/videos/index.js';

const input = { path: '/tmp/video.mp4', videoId: 'vid_1' };
const never = new AbortController().signal;
const hi = { text: 'hi', segments: [] };
const complete: Transcriber = { engine: 'test', transcribe: async () => ({ status: 'COMPLETE', transcript: hi }) };

describe('transcriptionStatusFor', () => {
  test('NO_AUDIO without an audio track, whether or not a transcriber is configured', () => {
    assert.equal(transcriptionStatusFor({ hasAudio: false }), 'NO_AUDIO');
    assert.equal(transcriptionStatusFor({ hasAudio: false }, complete), 'NO_AUDIO');
  });

  test('SKIPPED with audio but no transcriber', () => {
    assert.equal(transcriptionStatusFor({ hasAudio: true }), 'SKIPPED');
    assert.equal(transcriptionStatusFor({ hasAudio: true }, null), 'SKIPPED');
  });

  test('PROCESSING with audio and a transcriber', () => {
    assert.equal(transcriptionStatusFor({ hasAudio: true }, complete), 'PROCESSING');
  });

  test('a failed probe (null) knows nothing of audio: the transcriber gets to try', () => {
    assert.equal(transcriptionStatusFor(null, complete), 'PROCESSING');
    assert.equal(transcriptionStatusFor(null), 'SKIPPED');
  });
});

describe('runTranscription', () => {
  test("passes the transcriber's result on", async () => {
    assert.deepEqual(await runTranscription(complete, input, never), { status: 'COMPLETE', transcript: hi });
  });

  test('a transcriber that throws is ERROR', async () => {
    const broken: Transcriber = {
      engine: 'test',
      transcribe: async () => {
        throw new Error('disk full');
      },
    };
    assert.deepEqual(await runTranscription(broken, input, never), { status: 'ERROR', reason: 'disk full' });
  });

  test('an abort rejects, for the workflow to retry later', async () => {
    const controller = new AbortController();
    const waiting: Transcriber = {
      engine: 'test',
      transcribe: (_input, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    };
    const running = runTranscription(waiting, input, controller.signal);
    controller.abort();
    await assert.rejects(running, { name: 'AbortError' });
  });
});

describe('createTranscriber', () => {
  test('none when not configured', () => {
    assert.equal(createTranscriber(undefined), undefined);
    assert.equal(createTranscriber({ kind: 'none' }), undefined);
  });

  test('a command or an HTTP hook, or the built-in engine', async () => {
    const args = ['-e', 'process.stdout.write("ok")'];
    const command = createTranscriber({ kind: 'command', command: process.execPath, args });
    assert.equal(command?.engine, 'command');
    assert.deepEqual(await command?.transcribe(input, never), { status: 'COMPLETE', transcript: { text: 'ok', segments: [] } });
    assert.equal(createTranscriber({ kind: 'http', url: 'http://127.0.0.1:9/' })?.engine, 'http');
    const builtin = createTranscriber({ kind: 'builtin', ffmpeg: { path: 'ffmpeg', threads: 1, timeoutMs: 1000 }, pocketsphinx: { command: 'pocketsphinx_continuous', modelDir: '/nowhere' } });
    assert.equal(builtin?.engine, 'builtin');
  });
});
