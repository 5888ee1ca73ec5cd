// Splits running text into headed sections of paragraphs. Extracted page text marks paragraph breaks
// with blank lines (both the text-layer reader and tesseract do), so a block is a paragraph unless
// it is one short line that reads like a title.
import type { ExtractedPage } from './extract.js';

export interface TextSection {
  /** The heading above the paragraphs; null for text before the first heading. */
  readonly title: string | null;
  readonly paragraphs: string[];
}

const MAX_HEADING_CHARS = 80;
const MAX_HEADING_WORDS = 10;
/** "1.", "2.3", "IV." or "A)" before a heading's words. */
const NUMBERING = /^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z][.)])\s+/;

export function isHeading(line: string): boolean {
  const words = line.replace(NUMBERING, '').replace(/:$/, '');
  if (line.length > MAX_HEADING_CHARS || words.split(/\s+/).length > MAX_HEADING_WORDS) return false;
  // Sentence punctuation inside means prose, an address, a date or a salutation, not a title.
  if (/[.,;:!?]/.test(words)) return false;
  return /^[A-Z]/.test(words) && /[A-Za-z]{2}/.test(words);
}

/**
 * A heading set directly above its paragraph, with no gap (newsletters, columns): only a line in
 * title case counts, since a wrapped line of prose may lack punctuation too.
 */
function isRunInHeading(line: string): boolean {
  const long = line.replace(NUMBERING, '').split(/\s+/).filter((w) => /^\p{L}{4,}/u.test(w));
  return isHeading(line) && long.length > 0 && long.every((w) => /^\p{Lu}/u.test(w));
}

/** Wrapped lines back into one string, re-joining words hyphenated at a line end. */
function joinLines(lines: readonly string[]): string {
  return lines.reduce((text, line) => {
    if (text === '') return line;
    if (/[A-Za-z]-$/.test(text) && /^[a-z]/.test(line)) return text.slice(0, -1) + line;
    return `${text} ${line}`;
  }, '');
}

export function buildTextSections(pages: readonly ExtractedPage[]): TextSection[] {
  const sections: TextSection[] = [{ title: null, paragraphs: [] }];
  for (const page of pages) {
    for (const block of page.text.split(/\n\s*\n/)) {
      const lines = block.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      if (lines.length === 0) continue;
      if (lines.length > 1 && isRunInHeading(lines[0]!) && /^\p{Lu}/u.test(lines[1]!)) {
        sections.push({ title: lines[0]!.replace(/:$/, ''), paragraphs: [joinLines(lines.slice(1))] });
        continue;
      }
      const current = sections.at(-1)!;
      if (lines.length === 1 && isHeading(lines[0]!)) {
        const title = lines[0]!.replace(/:$/, '');
        if (current.paragraphs.length === 0 && current.title === null) sections[sections.length - 1] = { title, paragraphs: [] };
        else sections.push({ title, paragraphs: [] });
      } else {
        current.paragraphs.push(joinLines(lines));
      }
    }
  }
  // A heading with nothing under it (a signature, a closing line) is really a short paragraph.
  return sections.reduce<TextSection[]>((out, section) => {
    const previous = out.at(-1);
    if (section.paragraphs.length === 0 && section.title !== null && previous) previous.paragraphs.push(section.title);
    else if (section.paragraphs.length > 0 || section.title !== null) out.push(section);
    return out;
  }, []);
}
