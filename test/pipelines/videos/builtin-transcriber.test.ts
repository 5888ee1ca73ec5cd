// The built-in engine on real files: Debian's pocketsphinx hearing espeak-ng speech under a still
// picture, through the bundled ffmpeg. Where it must fail, a stand-in decoder (a script) fails, hangs
// or reports its own priority, so every bound is seen from outside.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { builtinTranscriber, findPocketsphinx, type PocketsphinxInstall, type TranscriptionResult } from '../../../src/pipelines/videos/index.js';
import { cameraMp4, FFMPEG } from '../../fixtures/media.js';
import { speechVideo, wordErrorRate } from '../../fixtures/speech.js';

const SAID = 'We need to buy some bread and milk today. The meeting starts at nine in the morning. The quick brown fox jumps over the lazy dog.';

// Every temporary file of this process goes here, so the test can see that none is left behind.
const scratch = mkdtempSync(join(tmpdir(), 'capstan-builtin-test-'));
const work = join(scratch, 'tmp');
mkdirSync(work);
process.env.TMPDIR = work;
after(() => rmSync(scratch, { recursive: true, force: true }));

const ffmpeg = { path: FFMPEG, threads: 1, timeoutMs: 60_000 };
const never = new AbortController().signal;
const found = findPocketsphinx();
const installed = (): PocketsphinxInstall => {
  assert.ok(!('missing' in found), 'pocketsphinx is installed (scripts/install-system-deps.sh)');
  return found as PocketsphinxInstall;
};

/** A stand-in for the decoder: a Node script that writes its pid (and priority) first, then does `body`. */
function fakeDecoder(name: string, body: string): PocketsphinxInstall {
  const script = join(scratch, `${name}.mjs`);
  writeFileSync(script, `#!${process.execPath}\nimport { writeFileSync } from 'node:fs';\nimport { getPriority } from 'node:os';\nwriteFileSync(${JSON.stringify(join(scratch, `${name}.pid`))}, JSON.stringify({ pid: process.pid, nice: getPriority() }));\n${body}\n`);
  chmodSync(script, 0o755);
  return { command: script, modelDir: installed().modelDir };
}

const started = (name: string): { pid: number; nice: number } => JSON.parse(readFileSync(join(scratch, `${name}.pid`), 'utf8')) as { pid: number; nice: number };

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  assert.ok(check(), what);
}

const reasonOf = (r: TranscriptionResult): string => (r.status === 'ERROR' ? r.reason : `not ERROR but ${r.status}`);

describe('built-in transcriber (pocketsphinx)', () => {
  let speech: string;
  let silentVideo: string;

  before(async () => {
    speech = join(scratch, 'speech.mp4');
    writeFileSync(speech, await speechVideo(SAID));
    silentVideo = join(scratch, 'silent.mp4');
    writeFileSync(silentVideo, await cameraMp4({ seconds: 1, audio: false }));
  });

  test('hears the spoken words, with cues in order that cover the speech, and leaves no file behind', async () => {
    const engine = builtinTranscriber({ ffmpeg, pocketsphinx: installed() });
    const result = await engine.transcribe({ path: speech, videoId: 'vid_speech' }, never);
    assert.equal(result.status, 'COMPLETE', reasonOf(result));
    if (result.status !== 'COMPLETE') return;
    const { text, segments } = result.transcript;
    // Accuracy is the benchmark's business; a bound this generous only says the words came through.
    const wer = wordErrorRate(SAID, text);
    assert.ok(wer.rate <= 0.5, `word error rate ${wer.errors}/${wer.words}: heard "${text}"`);
    assert.ok(segments.length >= 2, JSON.stringify(segments));
    for (const [i, s] of segments.entries()) {
      assert.ok(s.end > s.start && s.end - s.start <= 5, JSON.stringify(s));
      if (i > 0) assert.ok(s.start >= segments[i - 1]!.end, 'cues follow each other');
    }
    assert.equal(segments.map((s) => s.text).join(' '), text.replace(/\n/g, ' '));
    assert.deepEqual(readdirSync(work), [], 'the temporary audio is removed');
  });

  test('a file without an audio track is NO_AUDIO', async () => {
    const result = await builtinTranscriber({ ffmpeg, pocketsphinx: installed() }).transcribe({ path: silentVideo, videoId: 'vid_silent' }, never);
    assert.deepEqual(result, { status: 'NO_AUDIO' });
  });

  test('a file ffmpeg cannot read is ERROR, quoting ffmpeg', async () => {
    const junk = join(scratch, 'junk.mp4');
    writeFileSync(junk, 'this is not a video at all');
    const result = await builtinTranscriber({ ffmpeg, pocketsphinx: installed() }).transcribe({ path: junk, videoId: 'vid_junk' }, never);
    assert.match(reasonOf(result), /^ffmpeg could not read the audio: .+/);
  });

  test('a model that does not load is ERROR, with the decoder’s own complaint', async () => {
    const broken = join(scratch, 'broken-model');
    mkdirSync(join(broken, 'en-us'), { recursive: true });
    writeFileSync(join(broken, 'en-us', 'mdef'), 'not a model definition');
    writeFileSync(join(broken, 'en-us.lm.bin'), 'not a language model');
    writeFileSync(join(broken, 'cmudict-en-us.dict'), 'hello HH AH L OW\n');
    const result = await builtinTranscriber({ ffmpeg, pocketsphinx: { command: installed().command, modelDir: broken } }).transcribe({ path: speech, videoId: 'vid_broken' }, never);
    assert.match(reasonOf(result), /pocketsphinx_continuous exited with code \d+: (ERROR|FATAL)/);
    assert.deepEqual(readdirSync(work), []);
  });

  test('the decoder runs at a lower priority than the server', async () => {
    const decoder = fakeDecoder('nice', '');
    const result = await builtinTranscriber({ ffmpeg, pocketsphinx: decoder }).transcribe({ path: speech, videoId: 'vid_nice' }, never);
    assert.deepEqual(result, { status: 'COMPLETE', transcript: { text: '', segments: [] } });
    assert.ok(started('nice').nice >= 10, `nice ${started('nice').nice}`);
  });

  test('a decoder that outlives the timeout is ERROR, is ended, and its audio removed', async () => {
    const decoder = fakeDecoder('hang', 'setInterval(() => {}, 1000);');
    const result = await builtinTranscriber({ ffmpeg, pocketsphinx: decoder, timeoutMs: 2_000, killGraceMs: 100 }).transcribe({ path: speech, videoId: 'vid_hang' }, never);
    assert.deepEqual(result, { status: 'ERROR', reason: 'transcription timed out after 2000 ms' });
    await waitFor(() => !isAlive(started('hang').pid), 'the decoder was ended');
    assert.deepEqual(readdirSync(work), []);
  });

  test('an abort rejects (the workflow retries later), ends the decoder and removes the audio', async () => {
    const decoder = fakeDecoder('abort', 'setInterval(() => {}, 1000);');
    const controller = new AbortController();
    const running = builtinTranscriber({ ffmpeg, pocketsphinx: decoder, killGraceMs: 100 }).transcribe({ path: speech, videoId: 'vid_abort' }, controller.signal);
    await waitFor(() => {
      try {
        return started('abort').pid > 0;
      } catch {
        return false;
      }
    }, 'the decoder started');
    controller.abort();
    await assert.rejects(running, { name: 'AbortError' });
    await waitFor(() => !isAlive(started('abort').pid), 'the decoder was ended');
    assert.deepEqual(readdirSync(work), []);
  });
});
