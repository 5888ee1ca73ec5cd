// Probing uploaded videos from their own bytes: the committed fixtures (see
// test/fixtures/videos/README.md), read from a path and from a stream, plus damaged variants.
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import {
  probeVideo,
  ProbeError,
  type ProbeErrorReason,
  type ProbeResult,
} from '../../../src/pipelines/videos/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), 'capstan-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function scratch(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// Every fixture is 320x240 H.264 at 25 fps; they differ in container, layout and audio.
const VIDEO = { width: 320, height: 240, fps: 25, videoCodec: 'avc1.42c01e' };
const AUDIO = { hasAudio: true, audioCodec: 'mp4a.40.2' };
const SILENT = { hasAudio: false };
type Expected = Omit<ProbeResult, 'durationSeconds'> & { seconds: number };

const EXPECTED: Record<string, Expected> = {
  'with-audio.mp4': { container: 'mp4', seconds: 2, ...VIDEO, ...AUDIO },
  'no-audio.mp4': { container: 'mp4', seconds: 2, ...VIDEO, ...SILENT },
  'with-audio.mov': { container: 'mov', seconds: 2, ...VIDEO, ...AUDIO },
  'moov-at-end.mp4': { container: 'mp4', seconds: 2, ...VIDEO, ...SILENT },
  // Fragmented (browser recorders write these): no duration in the moov, samples in moofs.
  // ffmpeg's fragmenter stretched the first frame, so the movie really lasts 2.023 s.
  'fragmented.mp4': { container: 'mp4', seconds: 2.023, ...VIDEO, ...AUDIO },
};

function assertProbe(result: ProbeResult, name: string): void {
  const { seconds, ...rest } = EXPECTED[name]!;
  const { durationSeconds, ...measured } = result;
  const near = Math.abs(durationSeconds - seconds) < 0.05;
  assert.ok(near, `${name}: duration ${durationSeconds}, expected about ${seconds}`);
  assert.deepEqual(measured, rest);
}

async function assertProbeError(promise: Promise<unknown>, reason: ProbeErrorReason): Promise<ProbeError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ProbeError, `expected a ProbeError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  return caught;
}

describe('probeVideo on the fixtures', () => {
  for (const name of Object.keys(EXPECTED)) {
    test(`${name} from its path`, async () => {
      assertProbe(await probeVideo(fixture(name)), name);
    });

    test(`${name} from a stream of small chunks`, async () => {
      assertProbe(await probeVideo(createReadStream(fixture(name), { highWaterMark: 1000 })), name);
    });

    test(`${name} read from its path a few bytes at a time`, async () => {
      assertProbe(await probeVideo(fixture(name), { chunkBytes: 7 }), name);
    });
  }
});

describe('probeVideo reads no more than it needs', () => {
  test('a stream is left once the moov at its front is parsed', async () => {
    const stream = createReadStream(fixture('with-audio.mp4'), { highWaterMark: 1024 });
    await probeVideo(stream);
    assert.ok(stream.destroyed);
    const size = readFileSync(fixture('with-audio.mp4')).length;
    assert.ok(stream.bytesRead < size / 2, `read ${stream.bytesRead} of ${size} bytes`);
  });

  test('media data before a trailing moov is jumped over (a sparse 1 GiB file)', async () => {
    // moov-at-end.mp4 is [ftyp][free][mdat][moov]; widen its mdat by a 1 GiB hole. Sample offsets
    // still point at the original bytes, so the file stays valid while only its ends hold data.
    const source = readFileSync(fixture('moov-at-end.mp4'));
    const mdatStart = 40;
    assert.equal(source.toString('latin1', mdatStart + 4, mdatStart + 8), 'mdat');
    const mdatSize = source.readUInt32BE(mdatStart);
    const hole = 1024 ** 3;
    const path = join(dir, 'sparse.mp4');
    const handle = await open(path, 'w');
    try {
      await handle.write(source, 0, mdatStart + mdatSize, 0);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(mdatSize + hole);
      await handle.write(header, 0, 4, mdatStart);
      const moov = source.subarray(mdatStart + mdatSize);
      await handle.write(moov, 0, moov.length, mdatStart + mdatSize + hole);
    } finally {
      await handle.close();
    }
    assertProbe(await probeVideo(path), 'moov-at-end.mp4');
  });
});

describe('probeVideo on what is not a playable video', () => {
  test('text bytes are not_a_video, from a path and from a stream', async () => {
    await assertProbeError(probeVideo(fixture('not-a-video.mp4')), 'not_a_video');
    await assertProbeError(probeVideo(createReadStream(fixture('not-a-video.mp4'))), 'not_a_video');
  });

  test('an empty file and a few stray bytes are not_a_video', async () => {
    await assertProbeError(probeVideo(scratch('empty.mp4', new Uint8Array(0))), 'not_a_video');
    await assertProbeError(probeVideo(Readable.from([Buffer.from('ftyp')])), 'not_a_video');
  });

  test('a valid ftyp followed by garbage is not_a_video', async () => {
    const ftyp = readFileSync(fixture('with-audio.mp4')).subarray(0, 32);
    const garbage = Buffer.alloc(4096, 0);
    await assertProbeError(probeVideo(scratch('garbage.mp4', Buffer.concat([ftyp, garbage]))), 'not_a_video');
  });

  test('a well-formed file without a moov (an image, say) is unsupported', async () => {
    const ftyp = readFileSync(fixture('with-audio.mp4')).subarray(0, 32);
    const free = Buffer.from([0, 0, 0, 16, ...Buffer.from('free'), 1, 2, 3, 4, 5, 6, 7, 8]);
    await assertProbeError(probeVideo(scratch('no-moov.mp4', Buffer.concat([ftyp, free]))), 'unsupported');
  });

  test('a movie header larger than the limit is unsupported', async () => {
    const probing = probeVideo(fixture('with-audio.mp4'), { maxMetadataBytes: 1024, chunkBytes: 512 });
    await assertProbeError(probing, 'unsupported');
  });

  // Decision: a file cut short is an error, never a result; its header would claim a duration
  // (the one billed) that its bytes do not hold. The workflow treats it like any other probe error.
  describe('a file truncated halfway is truncated', () => {
    const half = (name: string) => {
      const bytes = readFileSync(fixture(name));
      return scratch(`half-${name}`, bytes.subarray(0, bytes.length >> 1));
    };

    test('moov in front: its samples point past the end of the file', async () => {
      const error = await assertProbeError(probeVideo(half('with-audio.mp4')), 'truncated');
      assert.match(error.message, /samples reach byte/);
    });

    test('moov at the end: the file ends before the moov', async () => {
      await assertProbeError(probeVideo(half('moov-at-end.mp4')), 'truncated');
    });

    test('fragmented: the last fragment is cut', async () => {
      await assertProbeError(probeVideo(half('fragmented.mp4')), 'truncated');
    });

    test('from a stream, when the caller passes its size', async () => {
      // The stream is left at the moov, so only the size (a blob store's figure) shows the cut.
      const path = half('with-audio.mp4');
      const size = readFileSync(path).length;
      await assertProbeError(probeVideo(createReadStream(path), { size }), 'truncated');
    });

    test('cut inside the moov', async () => {
      const bytes = readFileSync(fixture('with-audio.mp4')).subarray(0, 1000);
      await assertProbeError(probeVideo(scratch('cut-moov.mp4', bytes)), 'truncated');
      await assertProbeError(probeVideo(Readable.from([bytes])), 'truncated');
    });
  });
});

describe('probeVideo details', () => {
  test('a quarter-turned track reports its displayed size', async () => {
    // Rewrite the video track header's matrix to a 90° rotation, as phones record portrait video.
    const bytes = Buffer.from(readFileSync(fixture('no-audio.mp4')));
    const tkhd = bytes.indexOf('tkhd', 0, 'latin1') - 4;
    assert.equal(bytes[tkhd + 8], 0, 'version 0 tkhd');
    const matrix = tkhd + 48;
    bytes.writeInt32BE(0, matrix);
    bytes.writeInt32BE(0x10000, matrix + 4);
    bytes.writeInt32BE(-0x10000, matrix + 12);
    bytes.writeInt32BE(0, matrix + 16);
    const result = await probeVideo(scratch('portrait.mp4', bytes));
    assert.equal(result.width, 240);
    assert.equal(result.height, 320);
  });

  test('a missing path rejects with the file system error, not a ProbeError', async () => {
    await assert.rejects(probeVideo(join(dir, 'nope.mp4')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  });

  test('an aborted probe rejects with the abort reason', async () => {
    const controller = new AbortController();
    controller.abort();
    const { signal } = controller;
    await assert.rejects(probeVideo(fixture('with-audio.mp4'), { signal }), { name: 'AbortError' });
    await assert.rejects(probeVideo(createReadStream(fixture('with-audio.mp4')), { signal }), { name: 'AbortError' });
  });

  test('mp4box complaints about QuickTime boxes stay out of the console', async (t) => {
    const error = t.mock.method(console, 'error', () => undefined);
    await probeVideo(fixture('with-audio.mov'));
    assert.equal(error.mock.callCount(), 0);
  });
});
