// CAPSTAN_OCR_WORKERS: the size of the node's OCR pool. Unset it follows the cores; anything but a
// positive integer stops the process at start, naming the option.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('CAPSTAN_OCR_WORKERS', () => {
  test('unset, it is null (one worker per core); a positive number is taken as given, from the environment or a flag', () => {
    assert.equal(loadConfig({ env: {} }).ocrWorkers, null);
    assert.equal(loadConfig({ env: { CAPSTAN_OCR_WORKERS: '3' } }).ocrWorkers, 3);
    assert.equal(loadConfig({ env: {}, argv: ['--ocr-workers', '6'] }).ocrWorkers, 6);
  });

  test('0, a negative number or no number is refused', () => {
    for (const bad of ['0', '-1', '-8', 'all', '1.5']) {
      assert.throws(() => loadConfig({ env: { CAPSTAN_OCR_WORKERS: bad } }), (e: unknown) => e instanceof ConfigError && /CAPSTAN_OCR_WORKERS/.test(e.message), bad);
    }
  });
});
