// Rules are data: the defaults validate as a rules file would, and a user's file extends them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  classifyActions,
  classifyCategories,
  classifyTrades,
  DEFAULT_RULES,
  loadRulesFile,
  mergeRules,
  parseRules,
  RulesError,
  type RulesExtension,
} from '../../../src/pipelines/documents/index.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('rules files', () => {
  test('the default rules pass the same validation as a user file', () => {
    assert.doesNotThrow(() => parseRules(JSON.parse(JSON.stringify(DEFAULT_RULES)), 'DEFAULT_RULES'));
  });

  test('a user file can add a trade that changes an outcome', async () => {
    const item = { description: 'Replace gutter downspout' };
    assert.equal(classifyTrades([item], DEFAULT_RULES)[0]!.trade.value, 'general');

    const path = writeJson('gutters.json', {
      trades: [{ value: 'gutters', patterns: [{ match: 'gutter', weight: 4 }, { match: 'downspout', weight: 4 }] }],
      categories: [{ value: 'GUT', trades: { gutters: 6 } }],
    });
    const rules = mergeRules(DEFAULT_RULES, await loadRulesFile(path));
    const [classified] = classifyCategories(classifyTrades([item], rules), rules);
    assert.equal(classified!.trade.value, 'gutters');
    assert.equal(classified!.category.value, 'GUT');
    assert.equal(DEFAULT_RULES.trades.some((t) => t.value === 'gutters'), false, 'merging does not mutate the defaults');
  });

  test('extending an existing value adds patterns; a repeated pattern takes the new weight', () => {
    const item = { description: 'Mud and sand seams' };
    assert.notEqual(classifyTrades([item], DEFAULT_RULES)[0]!.trade.value, 'drywall');
    const extension: RulesExtension = { trades: [{ value: 'drywall', patterns: [{ match: 'mud', weight: 3 }, { match: 'tape', weight: 0.5 }] }] };
    const rules = mergeRules(DEFAULT_RULES, extension);
    assert.equal(classifyTrades([item], rules)[0]!.trade.value, 'drywall');
    const drywall = rules.trades.find((t) => t.value === 'drywall')!;
    assert.equal(drywall.patterns!.filter((p) => p.match === 'tape').length, 1);
    assert.equal(drywall.patterns!.find((p) => p.match === 'tape')!.weight, 0.5);
    assert.ok(drywall.patterns!.some((p) => p.match === 'sheetrock'), 'existing patterns are kept');
  });

  test('replace and disabled change or drop a default entry; fallbacks can be overridden', () => {
    const rules = mergeRules(DEFAULT_RULES, {
      actions: [
        { value: 'clean', replace: true, patterns: [{ match: 'scrub', weight: 3 }] },
        { value: 'haul', disabled: true },
      ],
      fallback: { actions: null },
    });
    const [clean, haul] = classifyActions([{ description: 'Clean walls' }, { description: 'Haul debris' }], rules);
    assert.notEqual(clean!.action.value, 'clean');
    assert.notEqual(haul!.action.value, 'haul');
    assert.equal(rules.actions.some((a) => a.value === 'haul'), false);
    const [unknown] = classifyActions([{ description: 'Gutter guard - mesh' }], rules);
    assert.deepEqual(unknown!.action, { value: null, confidence: 0, matched: [] });
  });

  test('invalid files fail with errors that point at the entry', async () => {
    const path = writeJson('bad.json', {
      actions: [{ value: 'scrub', patterns: [{ match: 'scrub', weight: 'high' }, { regex: '([', weight: 1 }, { weight: 1 }] }],
      trades: [{ value: '', patern: [] }],
      colors: [],
    });
    await assert.rejects(loadRulesFile(path), (error: unknown) => {
      assert.ok(error instanceof RulesError);
      assert.equal(error.source, path);
      const issues = error.issues.join('\n');
      assert.match(issues, /\$\.actions\[0\]\.patterns\[0\]\.weight must be a number/);
      assert.match(issues, /\$\.actions\[0\]\.patterns\[1\]\.regex is not a valid regular expression/);
      assert.match(issues, /\$\.actions\[0\]\.patterns\[2\] needs exactly one of "match" or "regex"/);
      assert.match(issues, /\$\.trades\[0\]\.value must be a non-empty string/);
      assert.match(issues, /\$\.trades\[0\]: unknown key "patern"/);
      assert.match(issues, /\$: unknown key "colors"/);
      return true;
    });
  });

  test('trade weights belong to categories only', () => {
    assert.throws(() => parseRules({ actions: [{ value: 'x', trades: { drywall: 1 } }] }), /\$\.actions\[0\]: unknown key "trades"/);
  });

  test('unreadable and non-JSON files are RulesErrors too', async () => {
    await assert.rejects(loadRulesFile(join(dir, 'missing.json')), (e: unknown) => e instanceof RulesError && /cannot read/.test(e.message));
    await assert.rejects(loadRulesFile(writeJson('broken.json', '{"actions": [')), (e: unknown) => e instanceof RulesError && /not valid JSON/.test(e.message));
    await assert.rejects(loadRulesFile(writeJson('array.json', '[]')), /top level must be a JSON object/);
  });
});
