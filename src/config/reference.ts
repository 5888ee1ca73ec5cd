// Renders the configuration reference page from the schema, so the docs cannot drift from the code.
import { OPTIONS, type OptionSpec } from './schema.js';

function shownDefault(value: unknown): string {
  if (value === null) return '(unset)';
  if (value === '') return '(empty)';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** An integer's accepted range as the row shows it. */
function bounds(min: number | undefined, max: number | undefined): string {
  return `${min ?? '…'}–${max ?? Number.MAX_SAFE_INTEGER}`;
}

export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    'Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
    '',
    'Each option is read, later sources winning, from: its default ← the environment variable ←',
    'a JSON config file (`--config file.json` or `CAPSTAN_CONFIG`, keys as in the first column) ← the',
    'command-line flag. An invalid value stops the process with exit code 2 and one line naming the option.',
    'A list is comma-separated (spaces around entries ignored); an empty value is the empty list (so',
    '`CAPSTAN_CORS_ORIGINS=` allows no origin), and an empty entry (`a,,b`, a trailing comma) is invalid.',
    'A boolean is true or false (or 1 or 0). A flag that takes a value is invalid without one',
    '(only a boolean flag stands alone: `--dev-credentials`). A duration in milliseconds (`…_MS`) is at most',
    '2147483647 (about 24.8 days, the longest a timer waits); the type column gives each integer\'s range.',
    'Any other value left blank (empty, or spaces only) is the option unset where its default is unset,',
    'empty where its default is empty, and invalid where it has another default: a variable left blank is',
    'a mistake, not a setting.',
    '`capstan config` prints the resolved configuration with secrets masked, after the checks `serve`',
    'makes before it serves (exit 2 with the line `serve` would stop with: the values, the files and',
    'programs they name, the data directory, its `blobs` folder and the SQLite file — a file in the way,',
    'a folder or file this user may not write, a file that is no SQLite database by its header — and a',
    'host that can be bound), so it checks a deployment\'s settings without starting. It makes nothing.',
    '',
    '| key | environment | flag | type | default | description |',
    '|---|---|---|---|---|---|',
  ];
  for (const o of OPTIONS as readonly OptionSpec[]) {
    const type = o.type === 'enum' ? (o.values ?? []).join(' \\| ') : o.type === 'int' || (o.type === 'list' && o.items === 'int') ? `${o.type} ${bounds(o.min, o.max)}` : o.type;
    const secret = o.secret ? ' Secret: masked in output and logs.' : '';
    lines.push(`| \`${o.key}\` | \`${o.env}\` | \`${o.flag}\` | ${type} | \`${shownDefault(o.default)}\` | ${o.doc}${secret} |`);
  }
  return lines.join('\n') + '\n';
}
