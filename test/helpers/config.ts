// Shared by the configuration tests: loading that must fail, and how it must fail.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** Asserts that loading fails with a one-line ConfigError whose message matches every pattern. */
export function rejectsConfig(sources: Parameters<typeof loadConfig>[0], ...patterns: RegExp[]): ConfigError {
  let caught: unknown;
  try {
    loadConfig(sources);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  assert.ok(!caught.message.includes('\n'), 'the error is one line');
  return caught;
}
