// transcription: the built-in engine (Debian pocketsphinx, its general US English model) on speech
// synthesized by espeak-ng, through the same code path as an uploaded video (bundled ffmpeg → raw
// PCM → pocketsphinx_continuous → cues). Word error rate over ten fixed Harvard sentences per voice,
// and processing time per minute of audio on a longer recording. No model, vocabulary or grammar is
// fitted to the sentences: what is measured is what an uploaded video gets.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtinTranscriber, findPocketsphinx, probeVideo, type PocketsphinxInstall, type Transcriber } from '../../../src/pipelines/videos/index.js';
import { resolveExecutable } from '../../../src/util/executable.js';
import { FFMPEG } from '../../../test/fixtures/media.js';
import { wordErrorRate } from '../../../test/fixtures/speech.js';
import { fmt, round } from '../../lib/capstan-process.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import { tempDir } from '../../lib/temp-dir.js';
import { num, readOptions, whole, type OptionSpecs } from '../../lib/options.js';

const run = promisify(execFile);

/** IEEE Harvard sentences, list 1: phonetically balanced, and read by nobody in the model's training on purpose. */
export const SENTENCES: readonly string[] = [
  'The birch canoe slid on the smooth planks.',
  'Glue the sheet to the dark blue background.',
  'It is easy to tell the depth of a well.',
  'These days a chicken leg is a rare dish.',
  'Rice is often served in round bowls.',
  'The juice of lemons makes fine punch.',
  'The box was thrown beside the parked truck.',
  'The hogs were fed chopped corn and garbage.',
  'Four hours of steady work faced us.',
  'A large size in stockings is hard to sell.',
];

interface Voice {
  /** As shown: `espeak-ng en-us`, `flite kal16`. */
  readonly label: string;
  readonly synth: 'espeak-ng' | 'flite';
  readonly name: string;
}

const ESPEAK_VOICES: readonly Voice[] = [
  { label: 'espeak-ng en-us (default voice)', synth: 'espeak-ng', name: 'en-us' },
  { label: 'espeak-ng en-us+klatt', synth: 'espeak-ng', name: 'en-us+klatt' },
];
/** CMU's own synthesizer, for contrast: shown where Debian's flite happens to be installed. */
const FLITE_VOICES: readonly Voice[] = [
  { label: 'flite kal16 (contrast)', synth: 'flite', name: 'kal16' },
  { label: 'flite slt (contrast)', synth: 'flite', name: 'slt' },
];

interface VoiceResult {
  readonly voice: string;
  readonly words: number;
  readonly errors: number;
  readonly werPct: number;
  readonly audioSec: number;
  readonly processingSec: number;
  readonly heard: string;
}

interface SpeedResult {
  readonly voice: string;
  readonly speech: string;
  readonly audioSec: number;
  readonly runsSec: readonly number[];
  readonly medianSec: number;
  readonly secPerAudioMinute: number;
  readonly realtimeFactor: number;
}

async function say(voice: Voice, text: string, wav: string): Promise<void> {
  if (voice.synth === 'flite') await run('flite', ['-voice', voice.name, '-t', text, '-o', wav], { timeout: 60_000 });
  else await run('espeak-ng', ['-v', voice.name, '-w', wav, text], { timeout: 60_000 });
}

/**
 * The sentences spoken one by one with `gapSec` of silence after each, or (`unbroken`) read as one
 * text; the whole `repeats` times, under a still picture: an MP4 as a recorder would upload it.
 */
async function recording(dir: string, voice: Voice, name: string, options: { repeats?: number; gapSec?: number; unbroken?: boolean } = {}): Promise<{ path: string; audioSec: number }> {
  const { repeats = 1, gapSec = 1, unbroken = false } = options;
  const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  // One sample format for every piece, so the concat demuxer can join them without re-reading headers.
  const pcm = ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le'];
  const pieces: string[] = [];
  for (const [i, text] of (unbroken ? [SENTENCES.join(' ')] : SENTENCES).entries()) {
    const spoken = join(dir, `${name}-${i}-spoken.wav`);
    await say(voice, text, spoken);
    const piece = join(dir, `${name}-${i}.wav`);
    await run(FFMPEG, [...quiet, '-i', spoken, ...pcm, piece]);
    pieces.push(piece);
  }
  const silence = join(dir, `${name}-silence.wav`);
  if (!unbroken) await run(FFMPEG, [...quiet, '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', String(gapSec), ...pcm, silence]);
  const list = join(dir, `${name}.txt`);
  const once = pieces.flatMap((p) => (unbroken ? [`file '${p}'`] : [`file '${p}'`, `file '${silence}'`]));
  writeFileSync(list, Array.from({ length: repeats }, () => once).flat().join('\n') + '\n');
  const path = join(dir, `${name}.mp4`);
  await run(FFMPEG, [
    ...quiet, '-f', 'lavfi', '-i', 'color=c=black:s=160x120:r=10', '-f', 'concat', '-safe', '0', '-i', list, '-shortest',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-threads', '1', path,
  ]);
  const probed = await probeVideo({ path: FFMPEG, threads: 1, timeoutMs: 120_000 }, path, new AbortController().signal);
  return { path, audioSec: probed.durationSeconds };
}

async function timed(engine: Transcriber, path: string): Promise<{ sec: number; text: string }> {
  const started = performance.now();
  const result = await engine.transcribe({ path, videoId: 'bench' }, new AbortController().signal);
  const sec = (performance.now() - started) / 1000;
  if (result.status !== 'COMPLETE') throw new Error(`transcription ${result.status}: ${result.status === 'ERROR' ? result.reason : ''}`);
  return { sec, text: result.transcript.text };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function render(install: PocketsphinxInstall, voices: readonly VoiceResult[], speed: readonly SpeedResult[], skipped: readonly string[]): string {
  const werRows = voices.map((v) => [v.voice, fmt(v.words, 0), fmt(v.errors, 0), `**${fmt(v.werPct)} %**`, fmt(v.audioSec), fmt(v.processingSec, 2)]);
  const heard = voices.filter((v) => v.voice.startsWith('espeak-ng')).map((v) => `- ${v.voice}: “${v.heard.replace(/\n/g, ' ')}”`).join('\n');
  return [
    `Engine: \`${install.command}\` with the model in \`${install.modelDir}\` (Debian \`pocketsphinx\`, \`pocketsphinx-en-us\`), called as Capstan calls it for an uploaded video: the bundled ffmpeg extracts the first audio track as 16 kHz mono PCM, pocketsphinx decodes it with its general US English acoustic model, 130k-word dictionary and trigram language model (nothing restricted to the test sentences), and its word timings become cues. Speech: the ten Harvard sentences of list 1, each spoken by the voice, joined with 1 s of silence, under a still picture as an H.264/AAC MP4. Word error rate = (substitutions + insertions + deletions) ÷ reference words, case and punctuation ignored.`,
    '',
    '### Word error rate, ten Harvard sentences',
    '',
    markdownTable(['voice', 'reference words', 'errors', 'WER', 'audio (s)', 'processing (s)'], werRows),
    '',
    ...(skipped.length ? [`Not measured here (synthesizer not installed): ${skipped.join(', ')}.`, ''] : []),
    'What the engine heard from espeak-ng (every hypothesis is in the JSON results):',
    '',
    heard,
    '',
    '### Processing time per minute of audio',
    '',
    markdownTable(['speech', 'voice', 'audio (s)', 'runs (s)', 'median (s)', 's per minute of audio', 'real-time factor'], speed.map((x) => [
      x.speech, x.voice, fmt(x.audioSec), x.runsSec.map((r) => fmt(r, 2)).join(', '), fmt(x.medianSec, 2), `**${fmt(x.secPerAudioMinute, 2)}**`, fmt(x.realtimeFactor, 3),
    ])),
    '',
    'The ten sentences repeated until the recording is a few minutes long, once spoken one by one with a second of silence after each and once read as one unbroken text (the decoder then searches one long utterance), transcribed end to end (audio extraction included) one run after another. The decoder is single-threaded and runs at nice 10, so this is one core of the machine.',
  ].join('\n');
}

const TRANSCRIPTION_OPTIONS = {
  rounds: whole(3, 1, 20),
  // Length of the recording of the speed rows; the decoder takes about as long again.
  minutes: num(3, { max: 30 }),
} satisfies OptionSpecs;

export const transcription: Scenario = {
  name: 'transcription',
  title: 'Transcription: built-in engine (pocketsphinx) word error rate and time per minute of audio',
  options: TRANSCRIPTION_OPTIONS,
  async run(ctx: ScenarioContext) {
    const { rounds, minutes } = readOptions(TRANSCRIPTION_OPTIONS, ctx.options);
    const found = findPocketsphinx();
    if ('missing' in found) throw new Error(`${found.missing}: run scripts/install-system-deps.sh as root`);
    if (!resolveExecutable('espeak-ng')) throw new Error('espeak-ng not found: run scripts/install-system-deps.sh as root');
    const engine = builtinTranscriber({ ffmpeg: { path: FFMPEG, threads: 1, timeoutMs: 30 * 60_000 }, pocketsphinx: found, timeoutMs: 30 * 60_000 });
    const hasFlite = resolveExecutable('flite') !== undefined;
    const voices = [...ESPEAK_VOICES, ...(hasFlite ? FLITE_VOICES : [])];
    const skipped = hasFlite ? [] : FLITE_VOICES.map((v) => v.label);
    const dir = tempDir('capstan-bench-transcription-');
    try {
      const reference = SENTENCES.join(' ');
      const results: VoiceResult[] = [];
      for (const [i, voice] of voices.entries()) {
        const rec = await recording(dir.path, voice, `voice${i}`);
        const { sec, text } = await timed(engine, rec.path);
        const wer = wordErrorRate(reference, text);
        results.push({ voice: voice.label, words: wer.words, errors: wer.errors, werPct: round(wer.rate * 100), audioSec: round(rec.audioSec), processingSec: round(sec, 2), heard: text });
        ctx.log(`  ${voice.label}: WER ${round(wer.rate * 100)} % (${wer.errors}/${wer.words}) in ${round(sec, 2)} s for ${round(rec.audioSec)} s of audio`);
      }
      const speedVoice = ESPEAK_VOICES[0]!;
      const oneSet = results[0]?.audioSec ?? 30;
      const repeats = Math.max(1, Math.ceil((minutes * 60) / oneSet));
      const speed: SpeedResult[] = [];
      for (const [kind, unbroken] of [['sentences with 1 s pauses', false], ['unbroken reading', true]] as const) {
        const long = await recording(dir.path, speedVoice, unbroken ? 'unbroken' : 'paused', { repeats, unbroken });
        const runsSec: number[] = [];
        for (let r = 0; r < rounds; r++) runsSec.push(round((await timed(engine, long.path)).sec, 2));
        const medianSec = median(runsSec);
        speed.push({ voice: speedVoice.label, speech: kind, audioSec: round(long.audioSec), runsSec, medianSec, secPerAudioMinute: round((medianSec / long.audioSec) * 60, 2), realtimeFactor: round(medianSec / long.audioSec, 3) });
        ctx.log(`  speed, ${kind}: ${speed.at(-1)?.secPerAudioMinute} s per minute of audio (${fmt(long.audioSec)} s of audio, runs ${runsSec.join(', ')} s)`);
      }
      const svg = barChartSvg('Built-in transcription (pocketsphinx)', [
        { title: 'Word error rate, ten Harvard sentences', unit: '%', series: ['pocketsphinx en-us'], groups: results.map((r) => ({ label: r.voice.replace(/ \(.*\)$/, '').replace('espeak-ng ', ''), values: [r.werPct] })) },
        { title: 'Seconds of processing per minute of audio', unit: 's', series: ['pocketsphinx en-us'], groups: speed.map((x) => ({ label: x.speech, values: [x.secPerAudioMinute] })) },
      ]);
      return { data: { engine: found, sentences: SENTENCES, voices: results, speed, skipped }, markdown: render(found, results, speed, skipped), svg };
    } finally {
      dir.remove();
    }
  },
};
