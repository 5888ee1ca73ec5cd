// Which engine CAPSTAN_TRANSCRIBER picks: auto takes pocketsphinx where it is installed and says once
// why not where it is not; builtin refuses to start without it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { transcriberFromConfig } from '../../src/videos/index.js';

const ffmpeg = { path: 'ffmpeg', threads: 1, timeoutMs: 1000 };

function logged() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, logger: { info: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }) } };
}

const config = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides });

describe('transcriberFromConfig', () => {
  test('auto is the default, and takes the built-in engine where pocketsphinx is installed', () => {
    const c = config({});
    assert.equal(c.transcriber, 'auto');
    const { lines, logger } = logged();
    assert.equal(transcriberFromConfig(c, { ffmpeg, logger })?.engine, 'builtin');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /built-in transcription with pocketsphinx/);
  });

  test('auto without pocketsphinx is no engine, and the reason is logged once', () => {
    const { lines, logger } = logged();
    assert.equal(transcriberFromConfig(config({ pocketsphinxPath: 'no-such-pocketsphinx' }), { ffmpeg, logger }), undefined);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /built-in transcription is off, videos with audio will be SKIPPED: no-such-pocketsphinx not found \(Debian package pocketsphinx\); install them with scripts\/install-system-deps.sh/);
  });

  test('auto without the model is no engine either', () => {
    const { lines, logger } = logged();
    assert.equal(transcriberFromConfig(config({ pocketsphinxModelDir: '/nowhere/en-us' }), { ffmpeg, logger }), undefined);
    assert.match(lines[0]!.message, /\/nowhere\/en-us\/en-us\.lm\.bin not found \(Debian package pocketsphinx-en-us\)/);
  });

  test('builtin without pocketsphinx refuses to start', () => {
    const { logger } = logged();
    assert.throws(() => transcriberFromConfig(config({ transcriber: 'builtin', pocketsphinxPath: '/nowhere/pocketsphinx_continuous' }), { ffmpeg, logger }), (e: unknown) => e instanceof ConfigError && /CAPSTAN_TRANSCRIBER=builtin needs pocketsphinx/.test(e.message));
  });

  test('none, command and http as before', () => {
    const { lines, logger } = logged();
    assert.equal(transcriberFromConfig(config({ transcriber: 'none' }), { ffmpeg, logger }), undefined);
    assert.equal(transcriberFromConfig(config({ transcriber: 'command', transcriberCommand: process.execPath }), { ffmpeg, logger })?.engine, 'command');
    assert.equal(transcriberFromConfig(config({ transcriber: 'command', transcriberCommand: 'sh' }), { ffmpeg, logger })?.engine, 'command', 'a bare name is looked up on PATH');
    assert.equal(transcriberFromConfig(config({ transcriber: 'http', transcriberUrl: 'http://127.0.0.1:9/' }), { ffmpeg, logger })?.engine, 'http');
    assert.deepEqual(lines, []);
  });

  test('a command that is not there, or not a program, refuses to start', () => {
    const { logger } = logged();
    for (const [command, why] of [['whisper-not-installed', /whisper-not-installed is not an executable file on PATH/], ['/nowhere/whisper', /\/nowhere\/whisper is not an executable file$/], ['/tmp', /\/tmp is not an executable file$/]] as const) {
      assert.throws(() => transcriberFromConfig(config({ transcriber: 'command', transcriberCommand: command }), { ffmpeg, logger }), (e: unknown) => e instanceof ConfigError && /^invalid CAPSTAN_TRANSCRIBER_COMMAND: /.test(e.message) && why.test(e.message));
    }
  });
});
