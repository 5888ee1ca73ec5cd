// A process killed mid-stage (kill -9) never runs the `finally` that removes its video work folder,
// so a copy of the upload and a half-made rendition stayed in the temp folder for good. A server
// removes, at start, the ones untouched for longer than any stage may run, and no other.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepStaleWorkDirs } from '../../src/videos/index.js';
import { startServer } from '../helpers/server.js';

const HOUR = 3_600_000;

function leftOver(ageMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-video-'));
  writeFileSync(join(dir, 'upload'), 'bytes of a video');
  const at = new Date(Date.now() - ageMs);
  utimesSync(dir, at, at);
  return dir;
}

test('a server starting removes the work folders left by a killed one, and keeps those in use', async () => {
  const stale = leftOver(30 * HOUR);
  const recent = leftOver(60_000);
  const elsewhere = mkdtempSync(join(tmpdir(), 'not-capstan-'));
  utimesSync(elsewhere, new Date(0), new Date(0));
  const ts = await startServer({ ffmpegTimeoutSeconds: 3600, transcriberTimeoutMs: HOUR });
  try {
    const deadline = Date.now() + 5_000;
    while (existsSync(stale)) {
      assert.ok(Date.now() < deadline, 'the stale folder was removed');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(existsSync(recent), 'a folder a running stage may still use is kept');
    assert.ok(existsSync(elsewhere), "another program's folder is never touched");
  } finally {
    await ts.close();
    rmSync(recent, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('the sweep goes by age alone and counts what it removed', async () => {
  // Younger than any server of the suite sweeps by default (two hours), so only this sweep takes them.
  const a = leftOver(1.5 * HOUR);
  const b = leftOver(HOUR / 2);
  try {
    const removed = await sweepStaleWorkDirs(HOUR);
    assert.ok(removed >= 1);
    assert.equal(existsSync(a), false);
    assert.equal(existsSync(b), true);
  } finally {
    rmSync(b, { recursive: true, force: true });
  }
});
