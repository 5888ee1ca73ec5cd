// Summarises a V8 .cpuprofile (from `npm run bench -- <scenario> --profile`): self time by function and
// by file, so a hot spot in the delivery path stands out.
// Usage: node --import tsx bench/tools/profile-summary.ts <file> [top] [--under=<text>] [--from=<s>] [--to=<s>] [--timeline]
// --under keeps only samples with a frame "<function> <file>" containing <text> on the stack, e.g.
// --under="publish src/events/bus.ts" for the fan-out path.
// --from and --to keep the samples taken that many seconds into the profile (a whole process's
// profile holds every phase of a run); --timeline prints how busy the thread was in each quarter
// second of that window, which shows where a phase begins and ends. A bad argument or a file that is
// not a readable profile is refused with one line and exit code 2.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const USAGE = 'usage: profile-summary <file.cpuprofile> [top] [--under=<text>] [--from=<s>] [--to=<s>] [--timeline]';
function refuse(message: string): never {
  process.stderr.write(`profile-summary: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const unknown = args.find((a) => a.startsWith('-') && a !== '--timeline' && !/^--(under|from|to)=/.test(a));
if (unknown !== undefined) refuse(`unknown option ${unknown}`);
const under = args.find((a) => a.startsWith('--under='))?.slice('--under='.length);
const seconds = (name: string): number | undefined => {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v < 0) refuse(`--${name} takes seconds into the profile (a number ≥ 0), not "${raw}"`);
  return v;
};
const fromUs = (seconds('from') ?? 0) * 1e6;
const toUs = (seconds('to') ?? Infinity) * 1e6;
if (toUs <= fromUs) refuse(`--to must come after --from: the window from ${fromUs / 1e6} s to ${toUs / 1e6} s holds no sample`);
const [file, topArg, ...extra] = args.filter((a) => !a.startsWith('--'));
if (!file) refuse('no profile file given');
if (extra.length) refuse(`unexpected argument ${extra.join(' ')}`);
const top = topArg === undefined ? 30 : /^\d+$/.test(topArg) && Number(topArg) > 0 ? Number(topArg) : refuse(`top is a positive whole number, not "${topArg}"`);
function readProfile(path: string): Profile {
  let parsed: Partial<Profile>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Profile>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return refuse(`cannot read ${path}: ${code === undefined ? 'not JSON' : code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (!Array.isArray(parsed.nodes) || !Array.isArray(parsed.samples) || !Array.isArray(parsed.timeDeltas)) refuse(`${path} is not a V8 .cpuprofile (no nodes, samples and timeDeltas)`);
  return parsed as Profile;
}
const profile = readProfile(file);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm:').replace(/^.*\/(src|bench)\//, '$1/');
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? shortUrl(n.callFrame.url) : '(native)'}`;

/** Whether a frame matching `under` is on the stack of node `id` (memoised per node). */
const kept = new Map<number, boolean>();
function isKept(id: number): boolean {
  if (under === undefined) return true;
  let result = kept.get(id);
  if (result === undefined) {
    const node = byId.get(id);
    const up = parent.get(id);
    result = node !== undefined && (label(node).includes(under) || (up !== undefined && isKept(up)));
    kept.set(id, result);
  }
  return result;
}

// Each sample's time into the profile (the deltas add up from its start).
const sampleAtUs: number[] = [];
let elapsedUs = 0;
for (const delta of profile.timeDeltas) sampleAtUs.push((elapsedUs += delta));

if (args.includes('--timeline')) {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const quarters: { busy: number; all: number }[] = [];
  profile.samples.forEach((id, i) => {
    const at = sampleAtUs[i] ?? 0;
    if (at < fromUs || at >= toUs) return;
    const q = Math.floor(at / 250_000);
    const slot = (quarters[q] ??= { busy: 0, all: 0 });
    const us = profile.timeDeltas[i] ?? 0;
    slot.all += us;
    if (!idle.has(id)) slot.busy += us;
  });
  process.stdout.write('busy % per quarter second (seconds into the profile: percent)\n');
  // Only the window's quarters (the array holds no entry before the first).
  const shares = Object.entries(quarters).map(([i, q]) => `${(Number(i) / 4).toFixed(2)}:${q.all > 0 ? Math.round((q.busy / q.all) * 100) : 0}`);
  process.stdout.write(`${shares.join(' ')}\n`);
}

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  const at = sampleAtUs[i] ?? 0;
  if (at >= fromUs && at < toUs && isKept(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url ? shortUrl(frame.url) : '(native)';
  const fn = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byFile.set(where, (byFile.get(where) ?? 0) + us);
}

const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  }
};
const window = fromUs > 0 || toUs < Infinity ? ` from ${fromUs / 1e6} s to ${toUs === Infinity ? 'the end' : `${toUs / 1e6} s`}` : '';
process.stdout.write(`${file}${under === undefined ? '' : ` under "${under}"`}${window}: ${(total / 1000).toFixed(0)} ms sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n`);
print('self time by function', byFunction);
print('self time by file', byFile);
