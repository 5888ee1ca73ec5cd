// The rules Capstan ships with, in the same format as a user's rules file (see rules.ts), and the
// vocabulary they produce: data only. docs/documents.md renders the vocabulary, and a test holds the
// rules, the vocabulary and the docs to the same list.
// Weights are relative: about 3 for a word that names the value, 4–5 for one that settles it,
// 1–2 for a hint, negative for a phrase that looks like the value but is not.
import type { DocumentRules } from './rules.js';

export interface VocabularyTerm {
  readonly value: string;
  /** What an adjuster files under it, as the docs print it. */
  readonly meaning: string;
}

export interface CategoryTerm extends VocabularyTerm {
  /** The one trade the category refines; its rule weighs no other trade. */
  readonly trade: string;
}

export interface ClassificationVocabulary {
  readonly actions: readonly VocabularyTerm[];
  readonly trades: readonly VocabularyTerm[];
  readonly categories: readonly CategoryTerm[];
}

// Tradespeople as estimates name them on hourly lines ("Plumber - per hour").
const TRADESPERSON =
  '\\b(plumber|electrician|carpenter|framer|painter|roofer|drywaller|taper|finisher|installer|setter|technician|tech|handyman|helper|journeyman|laborer|labourer)s?\\b';
const PER_HOUR = '\\bper\\s*(hour|hr)\\b|/\\s*(hour|hr)\\b|\\bhourly\\b';
const TEAR_WORDS = 'tear[\\s-]*(out|off)';
const TEAR = `\\b${TEAR_WORDS}\\b`;
const REMOVE_AND = `\\b(remove|${TEAR_WORDS})\\s*(and|&)\\s*`;

export const DEFAULT_VOCABULARY: ClassificationVocabulary = {
  actions: [
    { value: 'remove', meaning: 'take out without putting anything back: remove, tear off, tear out, detach, demo, flood cut' },
    { value: 'replace', meaning: 'new material in place of the old; also a line with no verb ("Drip edge"), which estimates price as a replacement' },
    { value: 'R&R', meaning: 'remove and replace on one line: R&R, remove & replace, tear out & replace' },
    { value: 'detach & reset', meaning: 'take off and put the same item back: detach & reset, D&R, remove & reinstall, reset' },
    { value: 'install', meaning: 'new work where nothing is taken out: install, new, hung & taped' },
    { value: 'clean', meaning: 'clean, deodorize, sanitize, HEPA vacuum, pressure wash' },
    { value: 'repair', meaning: 'repair, patch, fix' },
    { value: 'paint', meaning: 'paint, prime, stain, including "seal/prime then paint"' },
    { value: 'seal', meaning: 'seal, caulk, encapsulate, stain blocker' },
    { value: 'apply', meaning: 'apply a product (anti-microbial, treatment)' },
    { value: 'mask', meaning: 'mask, protect' },
    { value: 'haul', meaning: 'haul away debris: haul, dumpster, debris load' },
    { value: 'extract', meaning: 'extract water' },
    { value: 'equipment', meaning: 'equipment rental by the period: air mover, dehumidifier, air scrubber, negative air' },
    { value: 'monitor', meaning: 'moisture readings and drying checks' },
    { value: 'move', meaning: 'content manipulation, pack out, pack back' },
    { value: 'labor', meaning: 'time rather than material: a tradesperson per hour, labor, supervision, service call' },
    { value: 'fee', meaning: 'a charge for no work: permit, fee, trip charge' },
  ],
  trades: [
    { value: 'drywall', meaning: 'drywall, its tape, texture and finish' },
    { value: 'painting', meaning: 'paint, primer, stain and the painter' },
    { value: 'flooring', meaning: 'carpet, pad, wood, vinyl and tile floors' },
    { value: 'roofing', meaning: 'shingles, felt, flashing, drip edge, the roofer' },
    { value: 'plumbing', meaning: 'fixtures, pipes, water heater, the plumber' },
    { value: 'electrical', meaning: 'outlets, switches, fixtures, wiring, the electrician' },
    { value: 'cleaning', meaning: 'cleaning and deodorizing' },
    { value: 'demolition', meaning: 'general demolition, debris haul, dumpsters, dump fees' },
    { value: 'insulation', meaning: 'batt and blown-in insulation' },
    { value: 'water mitigation', meaning: 'emergency water work: extraction, drying equipment, anti-microbial, wet tear-out' },
    { value: 'carpentry', meaning: 'finish carpentry: baseboard, trim, casing, shelving, the carpenter' },
    { value: 'framing', meaning: 'rough carpentry: studs, joists, sheathing, the framer' },
    { value: 'cabinetry', meaning: 'cabinets, vanities, countertops' },
    { value: 'hvac', meaning: 'heating and cooling: furnace, ducts, registers' },
    { value: 'appliances', meaning: 'dishwasher, range, refrigerator, washer, dryer' },
    { value: 'doors & windows', meaning: 'doors, windows, skylights' },
    { value: 'contents', meaning: 'moving and packing the owner\'s contents' },
    { value: 'general', meaning: 'what no single trade owns (permits, fees, general labor, supervision); and, as the low-confidence fallback, what the rules do not recognize' },
  ],
  // Codes follow the three-letter convention of restoration estimating software.
  categories: [
    { value: 'DRY', trade: 'drywall', meaning: 'drywall' },
    { value: 'PNT', trade: 'painting', meaning: 'painting' },
    { value: 'FCC', trade: 'flooring', meaning: 'floor covering: carpet and pad (also a flooring line that names no material)' },
    { value: 'FCW', trade: 'flooring', meaning: 'floor covering: wood and laminate' },
    { value: 'FCV', trade: 'flooring', meaning: 'floor covering: vinyl' },
    { value: 'FCT', trade: 'flooring', meaning: 'floor covering: ceramic tile' },
    { value: 'RFG', trade: 'roofing', meaning: 'roofing' },
    { value: 'PLM', trade: 'plumbing', meaning: 'plumbing' },
    { value: 'ELE', trade: 'electrical', meaning: 'electrical' },
    { value: 'CLN', trade: 'cleaning', meaning: 'cleaning' },
    { value: 'DMO', trade: 'demolition', meaning: 'general demolition and debris removal' },
    { value: 'INS', trade: 'insulation', meaning: 'insulation' },
    { value: 'WTR', trade: 'water mitigation', meaning: 'water extraction and remediation' },
    { value: 'FNC', trade: 'carpentry', meaning: 'finish carpentry' },
    { value: 'FRM', trade: 'framing', meaning: 'framing and rough carpentry' },
    { value: 'CAB', trade: 'cabinetry', meaning: 'cabinetry' },
    { value: 'HVC', trade: 'hvac', meaning: 'heating, ventilation and air conditioning' },
    { value: 'APP', trade: 'appliances', meaning: 'appliances' },
    { value: 'DOR', trade: 'doors & windows', meaning: 'doors' },
    { value: 'WDW', trade: 'doors & windows', meaning: 'windows and skylights' },
    { value: 'CON', trade: 'contents', meaning: 'content manipulation' },
    { value: 'FEE', trade: 'general', meaning: 'permits and fees' },
    { value: 'LAB', trade: 'general', meaning: 'labor no trade owns: general laborer, supervision' },
    { value: 'GEN', trade: 'general', meaning: 'the fallback: nothing recognized, review the line' },
  ],
};

export const DEFAULT_RULES: DocumentRules = {
  actions: [
    {
      value: 'R&R',
      patterns: [
        { regex: '\\br\\s*&\\s*r\\b', weight: 5 },
        { match: 'r and r', weight: 5 },
        { regex: `${REMOVE_AND}replace\\b`, weight: 5 },
      ],
    },
    {
      value: 'detach & reset',
      patterns: [
        { regex: '\\bdetach\\s*(&|and)\\s*reset\\b', weight: 5 },
        { regex: '\\bd\\s*&\\s*r\\b', weight: 4 },
        { regex: '\\bremove\\s*(&|and)\\s*(reset|reinstall)\\b', weight: 5 },
        { match: 'reset', weight: 3 },
      ],
    },
    {
      value: 'remove',
      patterns: [
        { match: 'remove', weight: 3, at_start: true },
        { match: 'remove', weight: 1.5 },
        { regex: TEAR, weight: 4, at_start: true },
        { regex: TEAR, weight: 2 },
        { match: 'detach', weight: 3 },
        { match: 'demolish', weight: 3 },
        { match: 'demo', weight: 3 },
        { match: 'flood cut', weight: 3 },
        { regex: `${REMOVE_AND}(replace|reset|reinstall)\\b`, weight: -4 },
        { regex: '\\bdetach\\s*(&|and)\\s*reset\\b', weight: -3 },
      ],
    },
    {
      value: 'replace',
      patterns: [
        { match: 'replace', weight: 2, at_start: true },
        { match: 'replace', weight: 2 },
        { match: 'replacement', weight: 2 },
        { regex: `${REMOVE_AND}replace\\b`, weight: -2 },
      ],
    },
    {
      value: 'clean',
      patterns: [
        { match: 'clean', weight: 3 },
        { match: 'clean', weight: 2, at_start: true },
        { match: 'cleaning', weight: 3 },
        { match: 'deodorize', weight: 2 },
        { match: 'sanitize', weight: 2 },
        { match: 'hepa vacuum', weight: 3 },
        { match: 'pressure wash', weight: 3 },
      ],
    },
    {
      value: 'repair',
      patterns: [
        { match: 'repair', weight: 3 },
        { match: 'patch', weight: 3 },
        { match: 'fix', weight: 1 },
      ],
    },
    {
      value: 'install',
      patterns: [
        { match: 'install', weight: 3 },
        { match: 'install', weight: 1, at_start: true },
        { match: 'installation', weight: 2 },
        { match: 'new', weight: 2 },
        { regex: '\\bhung,?\\s*(and\\s*)?taped', weight: 3 },
        { match: 'hang', weight: 1 },
      ],
    },
    {
      value: 'paint',
      patterns: [
        { match: 'paint', weight: 3 },
        { match: 'paint', weight: 1, at_start: true },
        { match: 'painting', weight: 3 },
        { regex: 'then\\s+paint', weight: 2 },
        { match: 'prime', weight: 1 },
        { match: 'primer', weight: 1 },
        { match: 'stain', weight: 1 },
        { match: 'ready for paint', weight: -3 },
        { match: 'prep for paint', weight: -2 },
      ],
    },
    {
      value: 'seal',
      patterns: [
        { match: 'seal', weight: 3 },
        { match: 'seal', weight: 1, at_start: true },
        { match: 'sealer', weight: 3 },
        { match: 'caulk', weight: 2 },
        { match: 'encapsulate', weight: 3 },
        { match: 'stain blocker', weight: 1 },
        { regex: 'seal\\s*/\\s*prime\\s+then\\s+paint', weight: -3 },
      ],
    },
    {
      value: 'apply',
      patterns: [
        { match: 'apply', weight: 3 },
        { match: 'apply', weight: 1, at_start: true },
        { match: 'application', weight: 2 },
      ],
    },
    {
      value: 'mask',
      patterns: [
        { match: 'mask', weight: 3 },
        { match: 'mask', weight: 1, at_start: true },
        { match: 'masking', weight: 3 },
        { match: 'protect', weight: 1.5 },
        { match: 'protection', weight: 1.5 },
      ],
    },
    {
      value: 'haul',
      patterns: [
        { match: 'haul', weight: 3 },
        { match: 'haul', weight: 1, at_start: true },
        { match: 'dumpster', weight: 3 },
        { match: 'debris', weight: 1.5 },
        { match: 'disposal', weight: 1 },
      ],
    },
    {
      value: 'extract',
      patterns: [
        { match: 'extraction', weight: 3 },
        { match: 'extract', weight: 3 },
      ],
    },
    {
      value: 'equipment',
      patterns: [
        { match: 'air mover', weight: 3 },
        { match: 'dehumidifier', weight: 3 },
        { match: 'air scrubber', weight: 3 },
        { match: 'negative air', weight: 3 },
        { regex: 'per\\s+24\\s*(hour|hr)', weight: 2 },
        { match: 'equipment', weight: 1 },
      ],
    },
    {
      value: 'monitor',
      patterns: [
        { match: 'monitor', weight: 3 },
        { match: 'monitoring', weight: 3 },
        { match: 'moisture reading', weight: 3 },
        { match: 'no monitoring', weight: -5 },
      ],
    },
    {
      value: 'move',
      patterns: [
        { match: 'content manipulation', weight: 4 },
        { match: 'move', weight: 2 },
        { match: 'pack out', weight: 4 },
        { match: 'pack back', weight: 4 },
      ],
    },
    {
      value: 'labor',
      patterns: [
        { match: 'labor', weight: 3 },
        { match: 'labour', weight: 3 },
        { match: 'supervision', weight: 3 },
        { match: 'project management', weight: 3 },
        { match: 'service call', weight: 3 },
        { regex: TRADESPERSON, weight: 3 },
        // An hourly line is time; a stronger verb (content manipulation, monitoring) still wins.
        { regex: PER_HOUR, weight: 2 },
      ],
    },
    {
      value: 'fee',
      patterns: [
        { match: 'permit', weight: 4 },
        { match: 'fee', weight: 3 },
        { match: 'trip charge', weight: 3 },
        // Dump fees folded into a haul line are part of the haul's price.
        { regex: '\\bincluding\\s+(dump|disposal|landfill)\\s+fee', weight: -3 },
      ],
    },
  ],

  trades: [
    {
      value: 'drywall',
      patterns: [
        { match: 'drywall', weight: 3 },
        { match: 'sheetrock', weight: 3 },
        { match: 'gypsum', weight: 3 },
        { match: 'wallboard', weight: 3 },
        { regex: '\\bhung,?\\s*(and\\s*)?taped', weight: 3 },
        { match: 'drywaller', weight: 3 },
        { match: 'taper', weight: 2 },
        { match: 'tape', weight: 1 },
        { match: 'texture', weight: 1.5 },
        { match: 'corner bead', weight: 2 },
        { match: 'joint compound', weight: 2 },
      ],
    },
    {
      value: 'painting',
      patterns: [
        { match: 'paint', weight: 3 },
        { match: 'paint', weight: 2, at_start: true },
        { match: 'painting', weight: 3 },
        { match: 'painter', weight: 3 },
        { match: 'prime', weight: 1.5 },
        { match: 'primer', weight: 1.5 },
        { match: 'seal', weight: 2 },
        { match: 'stain', weight: 2 },
        { match: 'varnish', weight: 2 },
        { match: 'coat', weight: 1 },
        { match: 'mask', weight: 1 },
        { match: 'ready for paint', weight: -3 },
      ],
    },
    {
      value: 'flooring',
      patterns: [
        { match: 'carpet', weight: 3 },
        { match: 'pad', weight: 1.5 },
        { match: 'padding', weight: 1.5 },
        { match: 'hardwood', weight: 3 },
        { match: 'flooring', weight: 3 },
        { match: 'floor covering', weight: 2 },
        { match: 'floor', weight: 1 },
        { match: 'vinyl', weight: 2 },
        // A material, not a floor by itself: laminate cabinetry and countertops are cabinetry.
        { match: 'laminate', weight: 2 },
        { match: 'tile', weight: 2 },
        { match: 'tile setter', weight: 2 },
        // Tile is grouted and sealed: "grout and seal" is the floor's work, not the painter's.
        { match: 'grout', weight: 2 },
        { match: 'ceramic', weight: 1 },
        { match: 'underlayment', weight: 1 },
      ],
    },
    {
      value: 'roofing',
      patterns: [
        { match: 'roof', weight: 3 },
        { match: 'roofing', weight: 3 },
        { match: 'roofer', weight: 3 },
        { match: 'shingle', weight: 3 },
        // Tips "Tear off, haul and dispose of comp. shingles" to roofing over the haul.
        { regex: '\\bcomp(\\.|osition\\b)', weight: 1 },
        { match: 'rfg', weight: 3 },
        { match: 'felt', weight: 2 },
        { match: 'drip edge', weight: 3 },
        { match: 'ridge cap', weight: 3 },
        { match: 'ridge vent', weight: 3 },
        { match: 'flashing', weight: 2 },
        { match: 'ice and water shield', weight: 3 },
      ],
    },
    {
      value: 'plumbing',
      patterns: [
        { match: 'plumbing', weight: 3 },
        { match: 'plumber', weight: 3 },
        { match: 'toilet', weight: 3 },
        { match: 'faucet', weight: 3 },
        { match: 'sink', weight: 2 },
        { match: 'water heater', weight: 3 },
        { match: 'supply line', weight: 3 },
        { match: 'pipe', weight: 2 },
        { match: 'p-trap', weight: 3 },
        { match: 'shower', weight: 2 },
        { match: 'tub', weight: 2 },
        { match: 'drain', weight: 2 },
      ],
    },
    {
      value: 'electrical',
      patterns: [
        { match: 'electrical', weight: 3 },
        { match: 'electrician', weight: 3 },
        { match: 'outlet', weight: 3 },
        { match: 'receptacle', weight: 3 },
        { match: 'switch', weight: 2 },
        { match: 'light fixture', weight: 3 },
        { match: 'wiring', weight: 2 },
        { match: 'breaker', weight: 3 },
        { match: 'smoke detector', weight: 3 },
        { match: 'ceiling fan', weight: 3 },
      ],
    },
    {
      value: 'cleaning',
      patterns: [
        { match: 'clean', weight: 3 },
        { match: 'clean', weight: 2, at_start: true },
        { match: 'cleaning', weight: 3 },
        { match: 'deodorize', weight: 2 },
        { match: 'sanitize', weight: 2 },
        // The cleaning method settles the trade whatever is cleaned ("HEPA vacuum attic framing").
        { match: 'hepa vacuum', weight: 5 },
        { match: 'pressure wash', weight: 2 },
      ],
    },
    {
      value: 'demolition',
      patterns: [
        { match: 'haul', weight: 3 },
        { match: 'debris', weight: 2 },
        { match: 'dumpster', weight: 3 },
        { match: 'dump', weight: 1 },
        { match: 'dump fee', weight: 3 },
        { match: 'demolition', weight: 3 },
        { match: 'demolish', weight: 3 },
        { match: 'disposal', weight: 1 },
      ],
    },
    {
      value: 'insulation',
      patterns: [
        { match: 'insulation', weight: 3 },
        { match: 'batt', weight: 3 },
        { match: 'blown-in', weight: 3 },
        { regex: '\\br-?\\d{2}\\b', weight: 1 },
      ],
    },
    {
      value: 'water mitigation',
      patterns: [
        { match: 'air mover', weight: 4 },
        { match: 'dehumidifier', weight: 4 },
        { match: 'air scrubber', weight: 3 },
        { match: 'negative air', weight: 3 },
        { match: 'extraction', weight: 3 },
        { match: 'extract', weight: 3 },
        { match: 'anti-microbial', weight: 3 },
        { match: 'flood cut', weight: 3 },
        { regex: `${TEAR}\\s+wet`, weight: 4 },
        { match: 'bag for disposal', weight: 2 },
        { match: 'moisture', weight: 2 },
        { match: 'drying', weight: 2 },
        { regex: 'per\\s+24\\s*(hour|hr)', weight: 2 },
        { match: 'emergency', weight: 2 },
        { match: 'mitigation', weight: 3 },
        { match: 'water', weight: 1 },
        { match: 'wet', weight: 1 },
      ],
    },
    {
      value: 'carpentry',
      patterns: [
        { match: 'baseboard', weight: 3 },
        { match: 'trim', weight: 2 },
        { match: 'casing', weight: 3 },
        { match: 'crown molding', weight: 3 },
        { match: 'shoe mold', weight: 3 },
        { match: 'quarter round', weight: 3 },
        { match: 'shelving', weight: 2 },
        // A carpenter on an estimate is a finish carpenter unless the line says rough.
        { match: 'carpenter', weight: 3 },
        { match: 'rough carpenter', weight: -3 },
      ],
    },
    {
      value: 'framing',
      patterns: [
        { match: 'framing', weight: 3 },
        { match: 'framer', weight: 3 },
        { match: 'rough carpenter', weight: 4 },
        { match: 'stud', weight: 2 },
        { match: 'joist', weight: 2 },
        { match: 'sheathing', weight: 2 },
        { regex: '\\b2\\s*x\\s*(4|6|8|10|12)\\b', weight: 2 },
      ],
    },
    {
      value: 'cabinetry',
      patterns: [
        { match: 'cabinet', weight: 3 },
        { match: 'cabinetry', weight: 3 },
        { match: 'countertop', weight: 3 },
        { match: 'vanity', weight: 2 },
      ],
    },
    {
      value: 'hvac',
      patterns: [
        { match: 'hvac', weight: 3 },
        { match: 'furnace', weight: 3 },
        { match: 'duct', weight: 2 },
        { match: 'ductwork', weight: 3 },
        { match: 'air handler', weight: 3 },
        { match: 'heat register', weight: 2 },
        { match: 'register', weight: 2 },
        { regex: '\\bheat\\s*/\\s*(ac|a/c|air)\\b', weight: 3 },
        { match: 'air conditioner', weight: 3 },
        { match: 'condenser', weight: 3 },
        { match: 'thermostat', weight: 3 },
      ],
    },
    {
      value: 'appliances',
      patterns: [
        { match: 'dishwasher', weight: 3 },
        { match: 'refrigerator', weight: 3 },
        { match: 'range', weight: 2 },
        { match: 'microwave', weight: 3 },
        { match: 'washing machine', weight: 3 },
        { match: 'clothes dryer', weight: 3 },
      ],
    },
    {
      value: 'doors & windows',
      patterns: [
        { match: 'door', weight: 3 },
        { match: 'window', weight: 3 },
        { match: 'skylight', weight: 3 },
      ],
    },
    {
      value: 'contents',
      patterns: [
        { match: 'content', weight: 3 },
        { match: 'manipulation', weight: 2 },
        { match: 'pack out', weight: 3 },
        { match: 'pack back', weight: 3 },
      ],
    },
    {
      value: 'general',
      patterns: [
        // A permit names its trade ("Electrical permit") but is paid as a fee, not as that trade's work.
        { match: 'permit', weight: 5 },
        { match: 'fee', weight: 2 },
        { match: 'trip charge', weight: 3 },
        { match: 'laborer', weight: 3 },
        { match: 'labourer', weight: 3 },
        { match: 'general labor', weight: 3 },
        { match: 'supervision', weight: 3 },
        { match: 'project management', weight: 3 },
      ],
    },
  ],

  categories: [
    { value: 'DRY', trades: { drywall: 6 } },
    { value: 'PNT', trades: { painting: 6 } },
    { value: 'FCC', trades: { flooring: 2 }, patterns: [{ match: 'carpet', weight: 3 }, { match: 'pad', weight: 2 }] },
    {
      value: 'FCW',
      trades: { flooring: 2 },
      patterns: [{ match: 'hardwood', weight: 3 }, { match: 'wood floor', weight: 3 }, { match: 'laminate', weight: 3 }],
    },
    {
      value: 'FCV',
      trades: { flooring: 2 },
      patterns: [{ match: 'vinyl', weight: 3 }, { match: 'linoleum', weight: 3 }, { match: 'lvp', weight: 3 }],
    },
    {
      value: 'FCT',
      trades: { flooring: 2 },
      patterns: [{ match: 'tile', weight: 3 }, { match: 'ceramic', weight: 2 }, { match: 'porcelain', weight: 2 }, { match: 'grout', weight: 2 }],
    },
    { value: 'RFG', trades: { roofing: 6 } },
    { value: 'PLM', trades: { plumbing: 6 } },
    { value: 'ELE', trades: { electrical: 6 } },
    { value: 'CLN', trades: { cleaning: 6 } },
    { value: 'DMO', trades: { demolition: 6 } },
    { value: 'INS', trades: { insulation: 6 } },
    { value: 'WTR', trades: { 'water mitigation': 6 } },
    { value: 'FNC', trades: { carpentry: 6 } },
    { value: 'FRM', trades: { framing: 6 } },
    { value: 'CAB', trades: { cabinetry: 6 } },
    { value: 'HVC', trades: { hvac: 6 } },
    { value: 'APP', trades: { appliances: 6 } },
    { value: 'DOR', trades: { 'doors & windows': 3 }, patterns: [{ match: 'door', weight: 3 }] },
    { value: 'WDW', trades: { 'doors & windows': 3 }, patterns: [{ match: 'window', weight: 3 }, { match: 'skylight', weight: 3 }] },
    { value: 'CON', trades: { contents: 6 } },
    // The general trade's two categories go by their words, not by the trade: the trade is also the
    // fallback, and an unrecognized line belongs in GEN, not in FEE or LAB.
    {
      value: 'FEE',
      patterns: [{ match: 'permit', weight: 5 }, { match: 'fee', weight: 2 }, { match: 'trip charge', weight: 3 }],
    },
    {
      value: 'LAB',
      patterns: [
        { match: 'laborer', weight: 3 },
        { match: 'labourer', weight: 3 },
        { match: 'general labor', weight: 3 },
        { match: 'supervision', weight: 3 },
        { match: 'project management', weight: 3 },
      ],
    },
  ],

  fallback: { actions: 'replace', trades: 'general', categories: 'GEN' },
};
