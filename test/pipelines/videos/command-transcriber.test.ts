// The command hook: a real program per test, written to a temp dir and run without a shell.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { commandTranscriber, type CommandTranscriberOptions } from '../../../src/pipelines/videos/index.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-transcriber-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const input = { path: join(dir, 'video.mp4'), videoId: 'vid_123' };
const never = new AbortController().signal;

/** A Node script run as `node <script> [args…] <video path>`. */
function nodeHook(name: string, source: string, options: Partial<CommandTranscriberOptions> = {}) {
  const script = join(dir, `${name}.mjs`);
  writeFileSync(script, source);
  return commandTranscriber({ command: process.execPath, ...options, args: [script, ...(options.args ?? [])] });
}

// A killed grandchild lingers as a zombie until whoever adopted it reaps it; that counts as ended.
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function assertEnds(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  assert.ok(!isAlive(pid), `process ${pid} was ended`);
}

/** Writes the process id to `file` first thing, then idles. */
const idler = (file: string, prelude = '') => `import { writeFileSync } from 'node:fs';
  ${prelude}
  writeFileSync(${JSON.stringify(file)}, String(process.pid));
  setInterval(() => {}, 1000);`;

describe('command transcriber', () => {
  test('exit 0 is COMPLETE, with standard output as the transcript', async () => {
    const hook = nodeHook(
      'ok',
      `const [, , mode, path] = process.argv;
       process.stdout.write(\`\${mode} transcript of \${path} for \${process.env.CAPSTAN_VIDEO_ID}\`);`,
      { args: ['--fast'] },
    );
    assert.deepEqual(await hook.transcribe(input, never), {
      status: 'COMPLETE',
      transcript: { text: `--fast transcript of ${input.path} for vid_123`, segments: [] },
    });
  });

  test('JSON segments on standard output become the timed transcript', async () => {
    const segments = [{ start: 1.5, end: 3, text: ' second' }, { start: 0, end: 1.5, text: 'first ' }];
    const hook = nodeHook('segments', `process.stdout.write(JSON.stringify({ segments: ${JSON.stringify(segments)} }));`);
    assert.deepEqual(await hook.transcribe(input, never), {
      status: 'COMPLETE',
      transcript: { text: 'first second', segments: [{ start: 0, end: 1.5, text: 'first' }, { start: 1.5, end: 3, text: 'second' }] },
    });
  });

  test('JSON that breaks the segment shape is ERROR, saying what is wrong', async () => {
    const hook = nodeHook('bad-json', `process.stdout.write(JSON.stringify({ segments: [{ start: 'soon', end: 1, text: 'x' }] }));`);
    const result = await hook.transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    assert.match(result.status === 'ERROR' ? result.reason : '', /unreadable transcript: segments\[0\] needs numbers/);
  });

  test('an executable script run by its path', async () => {
    const script = join(dir, 'hook.sh');
    writeFileSync(script, '#!/bin/sh\necho "heard $1"\n');
    chmodSync(script, 0o755);
    const result = await commandTranscriber({ command: script }).transcribe(input, never);
    assert.deepEqual(result, { status: 'COMPLETE', transcript: { text: `heard ${input.path}`, segments: [] } });
  });

  test('a failing exit code is ERROR, with the end of standard error as the reason', async () => {
    const hook = nodeHook('fail', `console.error('loading model…\\nmodel not found'); process.exit(3);`);
    const result = await hook.transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    const reason = result.status === 'ERROR' ? result.reason : '';
    assert.match(reason, /exited with code 3: loading model…\nmodel not found$/);
  });

  test('a program that does not exist is ERROR', async () => {
    const result = await commandTranscriber({ command: join(dir, 'missing-hook') }).transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    assert.match(result.status === 'ERROR' ? result.reason : '', /could not run .*ENOENT/);
  });

  test('a program that outlives its timeout is ERROR, and its whole process group is ended', async () => {
    // The shell starts a grandchild that would keep the output pipe open after the shell died.
    const pidFile = join(dir, 'sleeper.pid');
    const script = join(dir, 'slow.sh');
    writeFileSync(script, `#!/bin/sh\nsleep 60 &\necho $! > "${pidFile}"\nwait\n`);
    chmodSync(script, 0o755);
    const hook = commandTranscriber({ command: script, timeoutMs: 300, killGraceMs: 100 });
    const result = await hook.transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    assert.match(result.status === 'ERROR' ? result.reason : '', /timed out after 300 ms/);
    await assertEnds(Number(readFileSync(pidFile, 'utf8')));
  });

  test('a program ignoring SIGTERM is killed after the grace period', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const hook = nodeHook('stubborn', idler(pidFile, `process.on('SIGTERM', () => {});`), {
      timeoutMs: 500,
      killGraceMs: 100,
    });
    const result = await hook.transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    await assertEnds(Number(readFileSync(pidFile, 'utf8')));
  });

  test('standard output beyond the limit is ERROR: a transcript cut short is not kept', async () => {
    const hook = nodeHook('chatty', `process.stdout.write('é'.repeat(10_000));`, { maxTranscriptBytes: 101 });
    const result = await hook.transcribe(input, never);
    assert.deepEqual(result, { status: 'ERROR', reason: `${process.execPath} printed a transcript larger than 101 bytes` });
  });

  test('standard output of exactly the limit is kept whole', async () => {
    const hook = nodeHook('exact', `process.stdout.write('x'.repeat(100));`, { maxTranscriptBytes: 100 });
    assert.deepEqual(await hook.transcribe(input, never), { status: 'COMPLETE', transcript: { text: 'x'.repeat(100), segments: [] } });
  });

  test("the server's own environment is not passed on, only PATH and the configured variables", async () => {
    process.env.CAPSTAN_TEST_SECRET = 'do-not-leak';
    after(() => delete process.env.CAPSTAN_TEST_SECRET);
    const hook = nodeHook(
      'env',
      `const { CAPSTAN_TEST_SECRET, MODEL, PATH } = process.env;
       process.stdout.write(\`secret=\${CAPSTAN_TEST_SECRET ?? 'none'} model=\${MODEL} path=\${!!PATH}\`);`,
      { env: { MODEL: 'small' } },
    );
    const result = await hook.transcribe(input, never);
    assert.deepEqual(result, { status: 'COMPLETE', transcript: { text: 'secret=none model=small path=true', segments: [] } });
  });

  test('an abort rejects (it is not the video’s fault) and stops the program', async () => {
    const pidFile = join(dir, 'aborted.pid');
    const hook = nodeHook('abortable', idler(pidFile), { killGraceMs: 100 });
    const controller = new AbortController();
    const running = hook.transcribe(input, controller.signal);
    for (let i = 0; i < 200; i++) {
      try {
        readFileSync(pidFile);
        break;
      } catch {
        await sleep(25);
      }
    }
    controller.abort();
    await assert.rejects(running, { name: 'AbortError' });
    await assertEnds(Number(readFileSync(pidFile, 'utf8')));
  });
});
