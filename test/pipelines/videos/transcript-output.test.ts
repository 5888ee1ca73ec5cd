// What engines print and how it becomes a transcript: the shapes a hook may give, pocketsphinx's
// word lines, words grouped into cues, and the WebVTT and text a client reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cuesFromWords, readTranscript, TranscriptFormatError, type TimedWord } from '../../../src/pipelines/videos/index.js';
import { complaintOf, readOutputLine } from '../../../src/pipelines/videos/pocketsphinx.js';
import { toPlainText, toWebVtt } from '../../../src/transcripts/index.js';

describe('readTranscript: a hook’s output', () => {
  test('plain text is the transcript, without timings', () => {
    assert.deepEqual(readTranscript('  hello there\nsecond line \n'), { text: 'hello there\nsecond line', segments: [] });
    assert.deepEqual(readTranscript(''), { text: '', segments: [] });
  });

  test('Whisper-style JSON: segments in seconds, text kept, other fields ignored', () => {
    const out = JSON.stringify({
      text: ' Hello world. Again.',
      language: 'en',
      segments: [
        { id: 1, start: 2.5, end: 4, text: ' Again.', tokens: [1, 2] },
        { id: 0, start: 0, end: 2.5, text: ' Hello\n\nworld. ' },
      ],
    });
    assert.deepEqual(readTranscript(out), {
      text: 'Hello world. Again.',
      segments: [
        { start: 0, end: 2.5, text: 'Hello world.' },
        { start: 2.5, end: 4, text: 'Again.' },
      ],
    });
  });

  test('a bare array of segments; the text is joined from them', () => {
    assert.deepEqual(readTranscript('[{"start":0,"end":1,"text":"one"},{"start":1,"end":2,"text":"two"}]'), {
      text: 'one two',
      segments: [{ start: 0, end: 1, text: 'one' }, { start: 1, end: 2, text: 'two' }],
    });
  });

  test('{"transcript": "…"}, the HTTP hook’s earlier shape', () => {
    assert.deepEqual(readTranscript('{"transcript":"hello world"}', 'json'), { text: 'hello world', segments: [] });
  });

  test('timed lines as whisper.cpp prints them', () => {
    const out = '[00:00:00.000 --> 00:00:02.500]   Hello world.\n[00:01:02.500 --> 00:01:04.000]   Again.\n';
    assert.deepEqual(readTranscript(out), {
      text: 'Hello world. Again.',
      segments: [{ start: 0, end: 2.5, text: 'Hello world.' }, { start: 62.5, end: 64, text: 'Again.' }],
    });
  });

  test('text that only looks like JSON or timed lines stays text', () => {
    assert.deepEqual(readTranscript('[Music] and then {applause'), { text: '[Music] and then {applause', segments: [] });
    assert.deepEqual(readTranscript('[00:00:00.000 --> 00:00:01.000] hi\nno time here'), { text: '[00:00:00.000 --> 00:00:01.000] hi\nno time here', segments: [] });
  });

  test('JSON that breaks its shape is refused with what is wrong', () => {
    const refused = (out: string, declared: 'json' | 'sniff', message: RegExp) => assert.throws(() => readTranscript(out, declared), (e: unknown) => e instanceof TranscriptFormatError && message.test(e.message));
    refused('{"segments":[{"start":3,"end":1,"text":"x"}]}', 'sniff', /segments\[0\] needs numbers "start" ≤ "end"/);
    refused('{"segments":[{"start":0,"end":1}]}', 'sniff', /segments\[0\]\.text must be a string/);
    refused('{"words":[]}', 'sniff', /none of "segments", "text" or "transcript"/);
    refused('hello', 'json', /does not parse/);
    refused('"hello"', 'json', /expected a JSON object or array/);
  });
});

describe('pocketsphinx output lines', () => {
  test('words with times; <s> opens an utterance; silences, fillers and pronunciation marks are dropped', () => {
    assert.deepEqual(readOutputLine('<s> 5.080 5.180 1.000300'), { kind: 'utterance' });
    assert.deepEqual(readOutputLine('to(3) 0.470 0.570 0.953510'), { kind: 'word', word: { word: 'to', start: 0.47, end: 0.57 } });
    assert.deepEqual(readOutputLine("don't 1.000 1.250 0.5"), { kind: 'word', word: { word: "don't", start: 1, end: 1.25 } });
    for (const line of ['<sil> 0.580 0.620 0.973748', '</s> 1.880 2.270 1.000000', '[NOISE] 3.0 3.5 0.9', '++BREATH++ 3.0 3.5 0.9', 'it is easy to tell', '']) {
      assert.deepEqual(readOutputLine(line), { kind: 'other' }, line);
    }
  });

  test('a failure is told by its FATAL and ERROR lines, not the INFO around them', () => {
    const log = 'INFO: cmd_ln.c(702): Parsing command line:\nERROR: "acmod.c", line 79: Folder does not contain acoustic model definition \'mdef\'\nINFO: more\n';
    assert.equal(complaintOf(log), 'ERROR: "acmod.c", line 79: Folder does not contain acoustic model definition \'mdef\'');
    assert.equal(complaintOf('one\ntwo\nthree\nfour'), 'two\nthree\nfour');
  });
});

describe('cuesFromWords', () => {
  const w = (word: string, start: number, end: number): TimedWord => ({ word, start, end });

  test('a pause, an utterance boundary or the limits end a cue; the text has one line per utterance', () => {
    const words = [w('we', 0, 0.3), w('need', 0.3, 0.6), w('bread', 1.5, 2), w('and', 2, 2.2), w('milk', 5, 5.5), w('today', 5.5, 6)];
    const transcript = cuesFromWords(words, new Set([4]));
    assert.deepEqual(transcript.segments, [
      { start: 0, end: 0.6, text: 'we need' },
      { start: 1.5, end: 2.2, text: 'bread and' },
      { start: 5, end: 6, text: 'milk today' },
    ]);
    assert.equal(transcript.text, 'we need bread and\nmilk today');
  });

  test('continuous speech is cut into cues of at most the limits, in order', () => {
    const words = Array.from({ length: 60 }, (_, i) => w(`word${i}`, i * 0.4, i * 0.4 + 0.35));
    const { segments } = cuesFromWords(words, new Set(), { maxSeconds: 5, maxChars: 40, pauseSeconds: 0.6 });
    assert.ok(segments.length > 5);
    for (const s of segments) {
      assert.ok(s.end - s.start <= 5, JSON.stringify(s));
      assert.ok(s.text.length <= 40, JSON.stringify(s));
    }
    for (let i = 1; i < segments.length; i++) assert.ok(segments[i]!.start >= segments[i - 1]!.end);
    assert.equal(segments.map((s) => s.text).join(' '), words.map((x) => x.word).join(' '));
  });

  test('no words, no cues', () => {
    assert.deepEqual(cuesFromWords([]), { text: '', segments: [] });
  });
});

describe('transcript formats', () => {
  test('WebVTT: header, hh:mm:ss.ttt timings, markup characters escaped, no zero-length cue', () => {
    const vtt = toWebVtt([
      { start: 0, end: 1.5, text: 'a < b & c --> d' },
      { start: 3725.25, end: 3725.25, text: 'late' },
    ]);
    assert.equal(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na &lt; b &amp; c --&gt; d\n\n01:02:05.250 --> 01:02:05.251\nlate\n');
    assert.equal(toWebVtt([]), 'WEBVTT\n');
  });

  test('plain text ends with a newline, unless empty', () => {
    assert.equal(toPlainText('hello\nworld'), 'hello\nworld\n');
    assert.equal(toPlainText(''), '');
  });
});
