// What a file is to a person (an invoice, a bank statement, a lease, a photo…), from its name and the
// head of its text. Rules are data: a name pattern and phrases, each phrase a case-insensitive regular
// expression. A file takes the type whose rule scores highest; ties go to the rule listed first, so
// the narrower types (a payslip's "earnings statement", a lease's "agreement") come before the wider.
import type { FileKind } from '../util/sniff.js';

export interface DocumentTypeRule {
  readonly type: string;
  /** Case-insensitive regular expression tested against the file name. */
  readonly name?: string;
  /** Phrases of the text; each one found counts once. */
  readonly phrases?: readonly string[];
  /** Sniffed kinds the type applies to; any when absent. */
  readonly kinds?: readonly FileKind[];
}

export const DEFAULT_DOCUMENT_TYPES: readonly DocumentTypeRule[] = [
  {
    type: 'screenshot',
    name: 'screen ?shot|^scr[-_ ]?\\d|^capture',
    kinds: ['image'],
  },
  {
    // A camera's or phone's file name, for a photo whose EXIF a messaging app stripped.
    type: 'photo',
    name: '^(?:img|pxl|dsc[nf]?|mvimg|pict?|photo)[-_ ]?\\d|^whatsapp image|^signal-\\d',
    kinds: ['image'],
  },
  {
    type: 'payslip',
    name: 'pay ?slip|pay ?stub|salary|wage slip|earnings statement',
    phrases: ['pay ?slip', 'pay ?stub', 'earnings statement', 'gross pay', 'net pay', 'pay period', 'pay date', 'year[- ]to[- ]date|\\bytd\\b', 'employee (?:id|number|no)', 'deductions', 'federal income tax|income tax withheld|paye'],
  },
  {
    type: 'tax_form',
    name: '\\b(?:w-?2|w-?9|1099(?:-[a-z]+)?|1040|p60|p45|tax ?return|tax ?form)\\b|\\btax(?:es)?\\b',
    phrases: ['form w-?2\\b', 'form 1099', 'form 1040', 'wage and tax statement', 'internal revenue service|\\birs\\b', 'tax year', "taxpayer|employer identification number|employer's? ein", 'tax return', 'social security (?:wages|number)', 'adjusted gross income', 'hm revenue|hmrc'],
  },
  {
    type: 'bank_statement',
    name: 'statement|kontoauszug|\\bstmt\\b',
    phrases: ['statement period', 'account statement|bank statement|statement of account', 'opening balance|beginning balance|previous balance', 'closing balance|ending balance|new balance', 'account (?:number|no)', 'deposits?(?: and| &) (?:other )?credits|withdrawals', 'available balance', 'routing number|sort code|\\biban\\b'],
  },
  {
    type: 'invoice',
    name: 'invoice|factura|rechnung|facture|\\binv[-_ ]?\\d|\\bbill\\b',
    phrases: ['\\binvoice\\b', 'invoice (?:number|no|#)', 'invoice date', 'bill to|billed to', 'amount due|balance due|total due', 'due date|payment due|payment terms', 'billing (?:period|date)|current charges', 'remit(?:tance)?', 'vat (?:number|no|reg)|tax id', 'purchase order|p\\.?o\\.? (?:number|no)'],
  },
  {
    type: 'receipt',
    name: 'receipt|\\brcpt\\b|quittung|recibo',
    phrases: ['\\breceipt\\b', 'thank you for (?:your )?(?:purchase|shopping|visit|order)', 'payment received|amount paid|paid by|paid with', '\\bsubtotal\\b', '\\bchange\\b(?: due)?', '\\bcash\\b|visa|mastercard|amex|debit card', 'transaction (?:id|number|#)|auth(?:orization)? code', '\\bcashier\\b|\\bregister\\b|\\bstore #?\\d'],
  },
  {
    type: 'lease',
    name: 'lease|tenancy|rental agreement|mietvertrag',
    phrases: ['\\blease\\b', 'landlord', 'tenant', 'lessor|lessee', 'premises', 'monthly rent|rent (?:shall be|is due|of \\$)', 'security deposit', 'tenancy'],
  },
  {
    type: 'contract',
    name: 'contract|agreement|\\bnda\\b|\\bsow\\b|terms',
    phrases: ['\\bagreement\\b', '\\bcontract\\b', 'hereinafter|hereby|hereto|herein', 'the parties', 'in witness whereof', 'governing law', 'terms and conditions', 'confidential information', 'effective date', 'signature|signed by'],
  },
  {
    type: 'resume',
    name: 'resume|r[ée]sum[ée]|\\bcv\\b|curriculum',
    phrases: ['curriculum vitae|\\br[ée]sum[ée]\\b', 'work experience|professional experience|employment history', '\\beducation\\b', '\\bskills\\b', 'professional summary|profile|objective', 'references (?:available|upon request)', 'linkedin\\.com'],
  },
  {
    type: 'insurance',
    name: 'insurance|coverage|\\beob\\b',
    phrases: ['insurance', 'policy (?:number|no|#)', 'policyholder|insured', 'premium', 'coverage|covered', 'deductible', 'declarations page|certificate of insurance', 'claim (?:number|no)'],
  },
  {
    type: 'medical',
    name: 'medical|lab ?results?|prescription|\\brx\\b|doctor|clinic|hospital|vaccin',
    phrases: ['\\bpatient\\b', 'diagnosis|diagnosed', 'prescription|prescribed|\\brx\\b', 'physician|\\bdr\\.|doctor', 'clinic|hospital|medical center', 'lab(?:oratory)? results?|test results?|reference range', 'date of birth|\\bdob\\b', 'medication|dosage'],
  },
];

/** A rule whose score is below this is not trusted: one stray word, even in a title, is not a document type. */
const MIN_SCORE = 3;
/** A name that says what the file is weighs as much as three phrases of its text. */
const NAME_WEIGHT = 3;
/** Phrases in the first lines (a title, a letterhead) say more than those in the body. */
const HEAD_CHARS = 200;

interface CompiledTypeRule {
  readonly type: string;
  readonly name: RegExp | undefined;
  readonly phrases: readonly RegExp[];
  readonly kinds: ReadonlySet<string> | undefined;
}

export type CompiledDocumentTypes = readonly CompiledTypeRule[];

export class DocumentTypeRuleError extends Error {
  override readonly name = 'DocumentTypeRuleError';
}

const TYPE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

function regex(source: string, where: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (e) {
    throw new DocumentTypeRuleError(`${where}: not a valid regular expression (${(e as Error).message})`);
  }
}

export function compileDocumentTypes(rules: readonly DocumentTypeRule[], kinds: readonly string[]): CompiledDocumentTypes {
  return rules.map((r, i) => {
    const where = `document type ${i}`;
    if (typeof r.type !== 'string' || !TYPE_NAME.test(r.type)) throw new DocumentTypeRuleError(`${where}: type must be 1-32 of a-z 0-9 _ starting with a letter`);
    if (r.phrases !== undefined && (!Array.isArray(r.phrases) || !r.phrases.every((p) => typeof p === 'string'))) throw new DocumentTypeRuleError(`${where}: phrases must be a list of strings`);
    if (r.kinds !== undefined && (!Array.isArray(r.kinds) || !r.kinds.every((k) => kinds.includes(k)))) throw new DocumentTypeRuleError(`${where}: kinds must be a list of ${kinds.join(', ')}`);
    if (r.name === undefined && (r.phrases ?? []).length === 0) throw new DocumentTypeRuleError(`${where}: needs a name pattern or phrases`);
    return {
      type: r.type,
      name: r.name === undefined ? undefined : regex(r.name, `${where} name`),
      phrases: (r.phrases ?? []).map((p, j) => regex(p, `${where} phrase ${j}`)),
      kinds: r.kinds ? new Set(r.kinds) : undefined,
    };
  });
}

export interface TypeEvidence {
  readonly name: string;
  readonly kind: string;
  /** The head of its text; empty when it has none or was not read. */
  readonly text: string;
  /** EXIF says a camera took it. */
  readonly camera: boolean;
}

/** The file's document type, or null when nothing says enough. A camera's picture with no text is a photo. */
export function documentTypeOf(e: TypeEvidence, rules: CompiledDocumentTypes): string | null {
  const head = e.text.slice(0, HEAD_CHARS);
  // "W2_2024", "Chase_Statement": an underscore separates words in a file name, but not for \b.
  const name = e.name.replace(/_+/g, ' ');
  let best: { type: string; score: number } | undefined;
  for (const r of rules) {
    if (r.kinds && !r.kinds.has(e.kind)) continue;
    let score = r.name?.test(name) ? NAME_WEIGHT : 0;
    for (const p of r.phrases) if (p.test(e.text)) score += p.test(head) ? 2 : 1;
    if (score >= MIN_SCORE && score > (best?.score ?? 0)) best = { type: r.type, score };
  }
  if (best) return best.type;
  if (e.kind === 'image' && e.camera && e.text.replace(/\W/g, '').length < 40) return 'photo';
  return null;
}

/** Every type a rule may name: the configured ones and `photo`, which a camera's EXIF gives. */
export function knownTypes(rules: CompiledDocumentTypes): Set<string> {
  return new Set([...rules.map((r) => r.type), 'photo']);
}
