// Folder rules: data, not code. The first rule whose conditions all match a file (name pattern,
// sniffed kinds, document types found from name and content) gives its folder template; {yyyy} {mm}
// {dd} {kind} {type} are filled from the file's date, kind and document type. A segment whose date
// part is unknown is left out ("Invoices/{yyyy}/{mm}" for a date known to the year is "Invoices/2024").
// CAPSTAN_ORGANIZER_RULES_FILE adds rules (and document types) ahead of the built-in ones, or replaces them.
import { readFile } from 'node:fs/promises';
import { FILE_KINDS, type FileKind } from '../util/sniff.js';
import { contentDate, fileDate, type PartialDate } from './dates.js';
import {
  compileDocumentTypes,
  DEFAULT_DOCUMENT_TYPES,
  DocumentTypeRuleError,
  documentTypeOf,
  knownTypes,
  type CompiledDocumentTypes,
  type DocumentTypeRule,
} from './document-types.js';

export interface FolderRule {
  /** Case-insensitive regular expression tested against the file name. */
  readonly name?: string;
  /** Sniffed kinds this rule applies to; any when absent. */
  readonly kinds?: readonly FileKind[];
  /** Document types this rule applies to (invoice, receipt, bank_statement, …); any when absent. */
  readonly types?: readonly string[];
  /** Folder template, e.g. "Invoices/{yyyy}/{mm}". */
  readonly folder: string;
}

export interface OrganizerRules {
  readonly rules: readonly FolderRule[];
  /** Folder for a file no rule matched. */
  readonly fallback: string;
  /** How document types are recognised; the built-in list when absent. */
  readonly documentTypes?: readonly DocumentTypeRule[];
}

interface CompiledRule {
  readonly name: RegExp | undefined;
  readonly kinds: ReadonlySet<string> | undefined;
  readonly types: ReadonlySet<string> | undefined;
  readonly folder: string;
}

export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
  readonly fallback: string;
  readonly documentTypes: CompiledDocumentTypes;
}

export const DEFAULT_ORGANIZER_RULES: OrganizerRules = {
  rules: [
    { types: ['invoice'], folder: 'Invoices/{yyyy}/{mm}' },
    { types: ['receipt'], folder: 'Receipts/{yyyy}/{mm}' },
    { types: ['bank_statement'], folder: 'Statements/{yyyy}/{mm}' },
    { types: ['payslip'], folder: 'Payslips/{yyyy}' },
    { types: ['tax_form'], folder: 'Taxes/{yyyy}' },
    { types: ['contract', 'lease'], folder: 'Contracts/{yyyy}' },
    { types: ['insurance'], folder: 'Insurance/{yyyy}' },
    { types: ['medical'], folder: 'Medical/{yyyy}' },
    { types: ['resume'], folder: 'Resumes' },
    { types: ['screenshot'], folder: 'Screenshots/{yyyy}/{mm}' },
    { types: ['photo'], folder: 'Photos/{yyyy}/{mm}' },
    { kinds: ['image'], folder: 'Images/{yyyy}/{mm}' },
    { kinds: ['video'], folder: 'Videos/{yyyy}' },
    { kinds: ['audio'], folder: 'Audio/{yyyy}' },
    { kinds: ['archive'], folder: 'Archives' },
    { kinds: ['pdf', 'document', 'text'], folder: 'Documents/{yyyy}' },
  ],
  fallback: 'Other',
  documentTypes: DEFAULT_DOCUMENT_TYPES,
};

export class RulesError extends Error {
  override readonly name = 'RulesError';
}

const SEGMENT = /^[^/\\\p{Cc}]{1,128}$/u;

function checkTemplate(folder: unknown, where: string): string {
  if (typeof folder !== 'string' || folder.length === 0 || folder.length > 512) throw new RulesError(`${where}: folder must be a non-empty string`);
  for (const seg of folder.split('/')) {
    // What a hand move may not make (see normalizeFolder), a rule may not either: a folder no listing could name.
    if (!SEGMENT.test(seg) || seg.trim() !== seg || seg === '.' || seg === '..' || /[\u202A-\u202E\u2066-\u2069]/u.test(seg)) throw new RulesError(`${where}: folder "${folder}" has an invalid segment`);
  }
  // A mistyped placeholder ({YYYY}, {month}) would be written out as it is, into every folder made.
  const unknown = folder.match(/\{[^{}]*\}/g)?.find((p) => !KNOWN_TOKENS.has(p));
  if (unknown !== undefined) throw new RulesError(`${where}: folder "${folder}" has the unknown placeholder ${unknown}; the placeholders are ${[...KNOWN_TOKENS].join(' ')}`);
  return folder;
}

const KNOWN_TOKENS = new Set(['{yyyy}', '{mm}', '{dd}', '{kind}', '{type}']);
const RULE_KEYS = new Set(['name', 'kinds', 'types', 'folder']);
const FILE_KEYS = new Set(['rules', 'fallback', 'replaceDefaults', 'documentTypes']);

/** A key the format does not have: a typo ("kind" for "kinds") would drop a condition unnoticed. */
function checkKeys(value: object, known: ReadonlySet<string>, where: string): void {
  const unknown = Object.keys(value).find((k) => !known.has(k));
  if (unknown !== undefined) throw new RulesError(`${where}: unknown key "${unknown}"; it takes ${[...known].join(', ')}`);
}

/**
 * A quantified group that holds a quantifier itself, as in `^(a+)+$` or `(\w+\s?)*`: on a name that
 * almost matches, the engine tries every way of splitting it, twice as many with each character, and
 * the node serves nothing meanwhile. A file's name is the uploader's to choose.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

export function compileRules(input: OrganizerRules): CompiledRules {
  let documentTypes: CompiledDocumentTypes;
  try {
    documentTypes = compileDocumentTypes(input.documentTypes ?? DEFAULT_DOCUMENT_TYPES, FILE_KINDS);
  } catch (e) {
    if (e instanceof DocumentTypeRuleError) throw new RulesError(e.message);
    throw e;
  }
  const types = knownTypes(documentTypes);
  const rules = input.rules.map((r, i): CompiledRule => {
    const where = `rule ${i}`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new RulesError(`${where}: expected an object`);
    checkKeys(r, RULE_KEYS, where);
    let name: RegExp | undefined;
    if (r.name !== undefined) {
      if (typeof r.name !== 'string') throw new RulesError(`${where}: name must be a string`);
      if (NESTED_QUANTIFIER.test(r.name)) throw new RulesError(`${where}: name ${JSON.stringify(r.name)} repeats a group that repeats itself, which a long file name makes take exponential time`);
      try {
        name = new RegExp(r.name, 'i');
      } catch (e) {
        throw new RulesError(`${where}: name is not a valid regular expression (${(e as Error).message})`);
      }
    }
    if (r.kinds !== undefined && (!Array.isArray(r.kinds) || !r.kinds.every((k) => (FILE_KINDS as readonly string[]).includes(k)))) {
      throw new RulesError(`${where}: kinds must be a list of ${FILE_KINDS.join(', ')}`);
    }
    if (r.types !== undefined && (!Array.isArray(r.types) || !r.types.every((t) => types.has(t)))) {
      throw new RulesError(`${where}: types must be a list of ${[...types].join(', ')}`);
    }
    return { name, kinds: r.kinds ? new Set(r.kinds) : undefined, types: r.types ? new Set(r.types) : undefined, folder: checkTemplate(r.folder, where) };
  });
  return { rules, fallback: checkTemplate(input.fallback, 'fallback'), documentTypes };
}

/**
 * Reads a rules file: {"rules": [...], "fallback"?: "...", "documentTypes"?: [...], "replaceDefaults"?: false}.
 * Its rules and document types go ahead of the built-in ones, or replace them with replaceDefaults.
 */
export async function loadOrganizerRules(path: string | null): Promise<CompiledRules> {
  if (!path) return compileRules(DEFAULT_ORGANIZER_RULES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new RulesError(`organizer rules file ${path}: ${(e as Error).message}`);
  }
  const file = parsed as { rules?: unknown; fallback?: unknown; replaceDefaults?: unknown; documentTypes?: unknown };
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(file.rules)) throw new RulesError(`organizer rules file ${path}: expected {"rules": [...]}`);
  if (file.documentTypes !== undefined && !Array.isArray(file.documentTypes)) throw new RulesError(`organizer rules file ${path}: documentTypes must be a list`);
  try {
    checkKeys(parsed, FILE_KEYS, 'the file');
  } catch (e) {
    throw new RulesError(`organizer rules file ${path}: ${(e as Error).message}`);
  }
  if (file.replaceDefaults !== undefined && typeof file.replaceDefaults !== 'boolean') throw new RulesError(`organizer rules file ${path}: replaceDefaults must be true or false`);
  if (file.fallback !== undefined && typeof file.fallback !== 'string') throw new RulesError(`organizer rules file ${path}: fallback must be a folder`);
  const own = file.rules as FolderRule[];
  const ownTypes = (file.documentTypes ?? []) as DocumentTypeRule[];
  const replace = file.replaceDefaults === true;
  try {
    return compileRules({
      rules: replace ? own : [...own, ...DEFAULT_ORGANIZER_RULES.rules],
      fallback: typeof file.fallback === 'string' ? file.fallback : DEFAULT_ORGANIZER_RULES.fallback,
      documentTypes: replace && ownTypes.length > 0 ? ownTypes : [...ownTypes, ...DEFAULT_DOCUMENT_TYPES],
    });
  } catch (e) {
    throw new RulesError(`organizer rules file ${path}: ${(e as Error).message}`);
  }
}

export interface Classifiable {
  readonly name: string;
  readonly kind: string;
  /** The head of its text (text layer, OCR, a text file's start); empty when none. */
  readonly text: string;
  /** EXIF says a camera took it. */
  readonly camera: boolean;
  /** The date its metadata carries (PDF CreationDate, EXIF). */
  readonly metaDate: PartialDate | null;
  /** ISO timestamp of the upload: the date of last resort. */
  readonly uploadedAt: string;
}

export interface Placement {
  readonly folder: string;
  readonly documentType: string | null;
  /** The date the text is about, if it names one. */
  readonly contentDate: PartialDate | null;
}

const TOKEN = /\{(yyyy|mm|dd|kind|type)\}/g;

function fill(template: string, values: Readonly<Record<string, string | undefined>>): string {
  const segments = template.split('/').filter((seg) => [...seg.matchAll(TOKEN)].every((m) => values[m[1]!] !== undefined));
  return segments.map((seg) => seg.replace(TOKEN, (_m, token: string) => values[token] ?? '')).join('/');
}

/** The folder a file belongs in, and what it was taken for. */
export function classify(file: Classifiable, rules: CompiledRules): Placement {
  const documentType = documentTypeOf(file, rules.documentTypes);
  const found = file.text === '' ? null : contentDate(file.text);
  const [yyyy, mm, dd] = fileDate({ name: file.name, kind: file.kind, contentDate: found, metaDate: file.metaDate, uploadedAt: file.uploadedAt }).split('-');
  const rule = rules.rules.find(
    (r) => (!r.name || r.name.test(file.name)) && (!r.kinds || r.kinds.has(file.kind)) && (!r.types || (documentType !== null && r.types.has(documentType))),
  );
  const folder = fill(rule?.folder ?? rules.fallback, { yyyy, mm, dd, kind: file.kind, type: documentType ?? undefined });
  return { folder: folder === '' ? rules.fallback : folder, documentType, contentDate: found };
}
