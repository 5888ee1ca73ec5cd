// Folder rules: data, not code. The first rule whose name pattern and kinds both match a file gives
// its folder template; {yyyy} {mm} {dd} {kind} are filled from the file's date and sniffed kind.
// CAPSTAN_ORGANIZER_RULES_FILE adds rules ahead of the built-in ones (or replaces them).
import { readFile } from 'node:fs/promises';
import { FILE_KINDS, nameDate, type FileKind } from './sniff.js';

export interface FolderRule {
  /** Case-insensitive regular expression tested against the file name. */
  readonly name?: string;
  /** Sniffed kinds this rule applies to; any when absent. */
  readonly kinds?: readonly FileKind[];
  /** Folder template, e.g. "Invoices/{yyyy}/{mm}". */
  readonly folder: string;
}

export interface OrganizerRules {
  readonly rules: readonly FolderRule[];
  /** Folder for a file no rule matched. */
  readonly fallback: string;
}

interface CompiledRule {
  readonly name: RegExp | undefined;
  readonly kinds: ReadonlySet<string> | undefined;
  readonly folder: string;
}

export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  readonly fallback: string;
}

export const DEFAULT_ORGANIZER_RULES: OrganizerRules = {
  rules: [
    { name: 'invoice|factura|rechnung|\\binv[-_ ]?\\d', folder: 'Invoices/{yyyy}/{mm}' },
    { name: 'receipt|\\brcpt\\b', folder: 'Receipts/{yyyy}/{mm}' },
    { name: 'contract|agreement|\\bnda\\b', folder: 'Contracts/{yyyy}' },
    { name: 'statement', folder: 'Statements/{yyyy}/{mm}' },
    { name: 'screen ?shot|^scr[-_ ]?\\d', kinds: ['image'], folder: 'Screenshots/{yyyy}/{mm}' },
    { name: 'resume|\\bcv\\b', folder: 'Resumes' },
    { kinds: ['image'], folder: 'Images/{yyyy}/{mm}' },
    { kinds: ['video'], folder: 'Videos/{yyyy}' },
    { kinds: ['audio'], folder: 'Audio/{yyyy}' },
    { kinds: ['archive'], folder: 'Archives' },
    { kinds: ['pdf', 'document', 'text'], folder: 'Documents/{yyyy}' },
  ],
  fallback: 'Other',
};

export class RulesError extends Error {
  override readonly name = 'RulesError';
}

const SEGMENT = /^[^/\\\p{Cc}]{1,128}$/u;

function checkTemplate(folder: unknown, where: string): string {
  if (typeof folder !== 'string' || folder.length === 0 || folder.length > 512) throw new RulesError(`${where}: folder must be a non-empty string`);
  for (const seg of folder.split('/')) {
    if (!SEGMENT.test(seg) || seg === '.' || seg === '..') throw new RulesError(`${where}: folder "${folder}" has an invalid segment`);
  }
  return folder;
}

export function compileRules(input: OrganizerRules): CompiledRules {
  const rules = input.rules.map((r, i): CompiledRule => {
    const where = `rule ${i}`;
    let name: RegExp | undefined;
    if (r.name !== undefined) {
      try {
        name = new RegExp(r.name, 'i');
      } catch (e) {
        throw new RulesError(`${where}: name is not a valid regular expression (${(e as Error).message})`);
      }
    }
    if (r.kinds !== undefined && (!Array.isArray(r.kinds) || !r.kinds.every((k) => (FILE_KINDS as readonly string[]).includes(k)))) {
      throw new RulesError(`${where}: kinds must be a list of ${FILE_KINDS.join(', ')}`);
    }
    return { name, kinds: r.kinds ? new Set(r.kinds) : undefined, folder: checkTemplate(r.folder, where) };
  });
  return { rules, fallback: checkTemplate(input.fallback, 'fallback') };
}

/** Reads a rules file: {"rules": [...], "fallback"?: "...", "replaceDefaults"?: false}. */
export async function loadOrganizerRules(path: string | null): Promise<CompiledRules> {
  if (!path) return compileRules(DEFAULT_ORGANIZER_RULES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new RulesError(`organizer rules file ${path}: ${(e as Error).message}`);
  }
  const file = parsed as { rules?: unknown; fallback?: unknown; replaceDefaults?: unknown };
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(file.rules)) throw new RulesError(`organizer rules file ${path}: expected {"rules": [...]}`);
  const own = file.rules as FolderRule[];
  try {
    return compileRules({
      rules: file.replaceDefaults === true ? own : [...own, ...DEFAULT_ORGANIZER_RULES.rules],
      fallback: typeof file.fallback === 'string' ? file.fallback : DEFAULT_ORGANIZER_RULES.fallback,
    });
  } catch (e) {
    throw new RulesError(`organizer rules file ${path}: ${(e as Error).message}`);
  }
}

export interface Classifiable {
  readonly name: string;
  readonly kind: string;
  readonly contentDate: string | null;
  /** ISO timestamp of the upload: the date of last resort. */
  readonly uploadedAt: string;
}

/** The folder a file belongs in. Its date: content or metadata first, then the name, then the upload. */
export function planFolder(file: Classifiable, rules: CompiledRules): string {
  const date = file.contentDate ?? nameDate(file.name) ?? file.uploadedAt.slice(0, 10);
  const [yyyy = '0000', mm = '00', dd = '00'] = date.split('-');
  const rule = rules.rules.find((r) => (!r.name || r.name.test(file.name)) && (!r.kinds || r.kinds.has(file.kind)));
  return (rule?.folder ?? rules.fallback).replace(/\{(yyyy|mm|dd|kind)\}/g, (_m, token: string) => ({ yyyy, mm, dd, kind: file.kind })[token] ?? '');
}
