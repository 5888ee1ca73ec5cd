// Debian's pocketsphinx (package `pocketsphinx`, CLI `pocketsphinx_continuous`) with its US English
// model (package `pocketsphinx-en-us`): where they are, how they are called, and what they print.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveExecutable } from '../../util/executable.js';
import type { TimedWord } from './transcript.js';

export interface PocketsphinxInstall {
  /** The executable, resolved to a path. */
  readonly command: string;
  readonly modelDir: string;
}

export const POCKETSPHINX_DEFAULTS = {
  command: 'pocketsphinx_continuous',
  modelDir: '/usr/share/pocketsphinx/model/en-us',
} as const;

/** The model's parts inside its directory, as pocketsphinx-en-us lays them out. */
const model = (dir: string) => ({
  acoustic: join(dir, 'en-us'),
  languageModel: join(dir, 'en-us.lm.bin'),
  dictionary: join(dir, 'cmudict-en-us.dict'),
});

/** The install, or why there is none (for the log line that says transcription is off). */
export function findPocketsphinx(options: { command?: string; modelDir?: string } = {}): PocketsphinxInstall | { readonly missing: string } {
  const name = options.command ?? POCKETSPHINX_DEFAULTS.command;
  const modelDir = options.modelDir ?? POCKETSPHINX_DEFAULTS.modelDir;
  const command = resolveExecutable(name);
  if (command === undefined) return { missing: `${name} not found (Debian package pocketsphinx)` };
  const parts = model(modelDir);
  for (const part of [parts.languageModel, parts.dictionary, join(parts.acoustic, 'mdef')]) {
    try {
      statSync(part);
    } catch {
      return { missing: `${part} not found (Debian package pocketsphinx-en-us)` };
    }
  }
  return { command, modelDir };
}

/** Audio as the model was trained on it: 16 kHz, mono, signed 16-bit little-endian, no header. */
export const SAMPLE_RATE = 16_000;

/**
 * Decodes a raw audio file. The file name must not end in .wav: that would make the program skip
 * 44 bytes of header. `-time yes` prints each word with its start and end after each utterance.
 */
export function pocketsphinxArgs(install: PocketsphinxInstall, rawAudio: string): string[] {
  const parts = model(install.modelDir);
  return ['-infile', rawAudio, '-samprate', String(SAMPLE_RATE), '-time', 'yes', '-hmm', parts.acoustic, '-lm', parts.languageModel, '-dict', parts.dictionary];
}

/** `word start end probability`; the hypothesis line before each utterance's words never has numbers. */
const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?[\d.]+(?:e[-+]?\d+)?)$/;

export type OutputLine = { readonly kind: 'utterance' } | { readonly kind: 'word'; readonly word: TimedWord } | { readonly kind: 'other' };

/**
 * One line of standard output. `<s>` opens an utterance; `</s>`, `<sil>` and fillers (`[NOISE]`,
 * `++BREATH++`) are not words; `(2)` marks an alternative pronunciation of the same word.
 */
export function readOutputLine(line: string): OutputLine {
  const m = WORD_LINE.exec(line.trim());
  if (!m) return { kind: 'other' };
  const [, token = '', start, end] = m;
  if (token === '<s>') return { kind: 'utterance' };
  if (/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token)) return { kind: 'other' };
  return { kind: 'word', word: { word: token.replace(/\(\d+\)$/, ''), start: Number(start), end: Number(end) } };
}

/** The lines that say what went wrong, out of a log that is mostly INFO. */
export function complaintOf(stderr: string): string {
  const serious = stderr.split('\n').filter((l) => /^(FATAL|ERROR|SYSTEM_ERROR)/.test(l));
  return (serious.length > 0 ? serious.slice(-3) : stderr.split('\n').slice(-3)).join('\n').trim();
}
