// Line items coded as a claims adjuster codes them (action, trade, category): the estimate fixtures,
// and the lines that show how labor, equipment, fees and each verb are coded. The classification
// tests hold the default rules to this table, and each rule to examples and near-misses taken from it.
import type { RuleStage } from '../../../src/pipelines/documents/index.js';
import { ESTIMATE_SECTIONS } from '../../fixtures/documents.js';
import { EXPECTED_CLASSES, OFFICE_ESTIMATE_SECTIONS } from '../../fixtures/estimate-catalogue.js';

export interface Coding {
  readonly action: string;
  readonly trade: string;
  readonly category: string;
}

export interface CodedLine extends Coding {
  readonly description: string;
}

type Row = readonly [description: string, action: string, trade: string, category: string];

// The two-page estimate (ESTIMATE_SECTIONS), line by line.
const ESTIMATE: readonly Row[] = [
  ['Remove drywall - water damaged', 'remove', 'drywall', 'DRY'],
  ['R&R Baseboard - 3 1/4"', 'R&R', 'carpentry', 'FNC'],
  ['Drywall - hung, taped, floated, ready for paint', 'install', 'drywall', 'DRY'],
  ['Seal/prime then paint the walls (2 coats)', 'paint', 'painting', 'PNT'],
  ['Detach & Reset Dishwasher', 'detach & reset', 'appliances', 'APP'],
  ['Tear out wet carpet pad and bag for disposal', 'remove', 'water mitigation', 'WTR'],
  // No verb: estimates price a bare item as its replacement.
  ['Carpet - plush, 32 oz.', 'replace', 'flooring', 'FCC'],
  ['Clean and deodorize hardwood floor', 'clean', 'cleaning', 'CLN'],
  ['Apply anti-microbial agent to the surface area', 'apply', 'water mitigation', 'WTR'],
  ['Remove 3 tab - 25 yr. - composition shingle roofing', 'remove', 'roofing', 'RFG'],
  ['Laminated - comp. shingle rfg. - w/ felt', 'replace', 'roofing', 'RFG'],
  ['Drip edge', 'replace', 'roofing', 'RFG'],
  ['Air mover (per 24 hour period) - no monitoring', 'equipment', 'water mitigation', 'WTR'],
  ['Dehumidifier (per 24 hour period) - XLarge', 'equipment', 'water mitigation', 'WTR'],
  ['Water extraction from carpeted floor', 'extract', 'water mitigation', 'WTR'],
  ['Emergency service call - after business hours', 'labor', 'water mitigation', 'WTR'],
];

// Labor goes to the trade of the person named, equipment to the work it serves, fees to general.
const LABOR_EQUIPMENT_FEES: readonly Row[] = [
  ['Plumber - per hour', 'labor', 'plumbing', 'PLM'],
  ['Electrician - per hour', 'labor', 'electrical', 'ELE'],
  ['Carpenter - per hour', 'labor', 'carpentry', 'FNC'],
  ['Finish carpenter - per hour', 'labor', 'carpentry', 'FNC'],
  ['Rough carpenter (framer) - per hour', 'labor', 'framing', 'FRM'],
  ['Painter - per hour', 'labor', 'painting', 'PNT'],
  ['Roofer - per hour', 'labor', 'roofing', 'RFG'],
  ['Drywall installer / finisher - per hour', 'labor', 'drywall', 'DRY'],
  ['Tile setter - per hour', 'labor', 'flooring', 'FCT'],
  ['HVAC technician - per hour', 'labor', 'hvac', 'HVC'],
  ['Insulation installer - per hour', 'labor', 'insulation', 'INS'],
  ['General laborer - per hour', 'labor', 'general', 'LAB'],
  ['Supervision / project management - per hour', 'labor', 'general', 'LAB'],
  ['General demolition - per hour', 'labor', 'demolition', 'DMO'],
  ['Cleaning technician - per hour', 'labor', 'cleaning', 'CLN'],
  ['Water mitigation technician - per hour', 'labor', 'water mitigation', 'WTR'],
  ['Pack out contents', 'move', 'contents', 'CON'],
  ['Dehumidifier (per 24 hour period)', 'equipment', 'water mitigation', 'WTR'],
  ['Air mover', 'equipment', 'water mitigation', 'WTR'],
  ['Air scrubber (per 24 hour period)', 'equipment', 'water mitigation', 'WTR'],
  ['Negative air fan/Air scrubber (24 hr period) - No monitoring', 'equipment', 'water mitigation', 'WTR'],
  ['Monitor drying - moisture readings', 'monitor', 'water mitigation', 'WTR'],
  ['Permit fee', 'fee', 'general', 'FEE'],
  ['Building permit', 'fee', 'general', 'FEE'],
  ['Electrical permit', 'fee', 'general', 'FEE'],
  ['Roofing permit', 'fee', 'general', 'FEE'],
  ['Trip charge', 'fee', 'general', 'FEE'],
  ['Dump fee', 'fee', 'demolition', 'DMO'],
  ['Dumpster load - Approx. 20 yards, 4 tons of debris', 'haul', 'demolition', 'DMO'],
  ['Debris haul', 'haul', 'demolition', 'DMO'],
];

// One verb or one trade word at a time, and the look-alikes that must not fool the rules.
const VERBS_AND_ITEMS: readonly Row[] = [
  ['Tear off composition shingles', 'remove', 'roofing', 'RFG'],
  ['Tear off, haul and dispose of comp. shingles - 3 tab', 'remove', 'roofing', 'RFG'],
  ['Detach toilet', 'remove', 'plumbing', 'PLM'],
  ['Demo drywall', 'remove', 'drywall', 'DRY'],
  ['Tear out and replace carpet pad', 'R&R', 'flooring', 'FCC'],
  ['R&R Toilet', 'R&R', 'plumbing', 'PLM'],
  ['R&R Vanity', 'R&R', 'cabinetry', 'CAB'],
  ['Reset toilet', 'detach & reset', 'plumbing', 'PLM'],
  ['D&R ceiling fan', 'detach & reset', 'electrical', 'ELE'],
  ['Base cabinetry - detach & reset', 'detach & reset', 'cabinetry', 'CAB'],
  ['New exterior door - pre-hung', 'install', 'doors & windows', 'DOR'],
  ['Replace window - double hung', 'replace', 'doors & windows', 'WDW'],
  ['Vinyl window - double hung, 12-23 sf', 'replace', 'doors & windows', 'WDW'],
  ['Clean outdoor furniture', 'clean', 'cleaning', 'CLN'],
  ['Roof repair - minimum charge', 'repair', 'roofing', 'RFG'],
  ['Repair leak in supply line', 'repair', 'plumbing', 'PLM'],
  ['Paint the walls - two coats', 'paint', 'painting', 'PNT'],
  ['Carpet pad', 'replace', 'flooring', 'FCC'],
  ['Laminate - simulated wood flooring', 'replace', 'flooring', 'FCW'],
  ['Vinyl floor covering (sheet goods)', 'replace', 'flooring', 'FCV'],
  ['Tile roofing - clay', 'replace', 'roofing', 'RFG'],
  ['Ridge cap - composition shingles', 'replace', 'roofing', 'RFG'],
  ['Smoke detector', 'replace', 'electrical', 'ELE'],
  ['Baseboard - 3 1/4"', 'replace', 'carpentry', 'FNC'],
  ['Furnace - forced air', 'replace', 'hvac', 'HVC'],
  ['Countertop - laminate', 'replace', 'cabinetry', 'CAB'],
  ['Batt insulation - 6" - R19', 'replace', 'insulation', 'INS'],
  ['2x4 interior wall framing', 'replace', 'framing', 'FRM'],
];

const line = ([description, action, trade, category]: Row): CodedLine => ({ description, action, trade, category });

/** The estimate fixtures' lines with their coding: ESTIMATE_SECTIONS from this table, the office estimate from its catalogue. */
export const ESTIMATE_LINES: readonly CodedLine[] = ESTIMATE.map(line);

/** Every coded line once: the table here and the catalogue's (both codings of a shared line must agree; a test checks). */
export const CODED_LINES: readonly CodedLine[] = (() => {
  const byDescription = new Map<string, CodedLine>();
  for (const [description, coding] of EXPECTED_CLASSES) byDescription.set(description, { description, ...coding });
  for (const row of [...ESTIMATE, ...LABOR_EQUIPMENT_FEES, ...VERBS_AND_ITEMS]) {
    if (!byDescription.has(row[0])) byDescription.set(row[0], line(row));
  }
  return [...byDescription.values()];
})();

/** Lines both this table and the catalogue code, with both codings. */
export function sharedCodings(): Array<{ description: string; here: Coding; catalogue: Coding }> {
  return [...ESTIMATE, ...LABOR_EQUIPMENT_FEES, ...VERBS_AND_ITEMS].flatMap(([description, action, trade, category]) => {
    const catalogue = EXPECTED_CLASSES.get(description);
    return catalogue ? [{ description, here: { action, trade, category }, catalogue: { ...catalogue } }] : [];
  });
}

/** Every line of the estimate fixtures, as the structure stage reads them. */
export const FIXTURE_DESCRIPTIONS: readonly string[] = [...ESTIMATE_SECTIONS, ...OFFICE_ESTIMATE_SECTIONS].flatMap((s) => s.items.map((i) => i.description));

/**
 * Per rule, lines that look like its value and are not (each is in CODED_LINES, which says what it is
 * instead). The lines a rule must match are the CODED_LINES coded with its value.
 */
export const NEAR_MISSES: Readonly<Record<RuleStage, Readonly<Record<string, readonly string[]>>>> = {
  actions: {
    'R&R': ['Remove drywall - water damaged', 'Replace toilet supply line', 'D&R ceiling fan', 'Detach & Reset Dishwasher'],
    'detach & reset': ['R&R Toilet', 'Detach toilet', 'Remove drywall - water damaged'],
    remove: ['Remove and replace vinyl floor covering', 'Tear out and replace carpet pad', 'Detach & Reset Dishwasher', 'Debris haul'],
    replace: ['Remove and replace vinyl floor covering', 'R&R Toilet', 'Install new water heater - 40 gallon'],
    clean: ['Cleaning technician - per hour', 'Tear out wet drywall, cleanup, bag for disposal'],
    repair: ['Light fixture - detach & reset'],
    install: ['Drywall installer / finisher - per hour', 'Insulation installer - per hour', 'Replace window - double hung', 'R&R Exterior door - metal - insulated'],
    paint: ['Drywall - hung, taped, floated, ready for paint', 'Mask and prep for paint - plastic, paper, tape (per LF)', 'Painter - per hour', 'Seal the walls with stain blocker - one coat'],
    seal: ['Seal/prime then paint the walls (2 coats)'],
    apply: ['Seal the walls with stain blocker - one coat', 'Replace toilet supply line'],
    mask: ['Seal/prime then paint the walls (2 coats)', 'Paint the walls - two coats'],
    haul: ['Tear off, haul and dispose of comp. shingles - 3 tab', 'Tear out wet carpet pad and bag for disposal', 'Dump fee'],
    extract: ['Air mover (per 24 hour period) - no monitoring', 'Dehumidifier (per 24 hour period) - XLarge'],
    equipment: ['Water extraction from carpeted floor', 'HVAC technician - per hour'],
    monitor: ['Air mover (per 24 hour period) - no monitoring', 'Negative air fan/Air scrubber (24 hr period) - No monitoring'],
    move: ['Remove drywall - water damaged', 'Clean outdoor furniture'],
    labor: ['Content manipulation charge - per hour', 'Dehumidifier (per 24 hour period) - XLarge', 'Install new water heater - 40 gallon', 'Trip charge'],
    fee: ['Haul debris - per pickup truck load - including dump fees', 'Roof repair - minimum charge', 'Emergency service call - after business hours'],
  },
  trades: {
    drywall: ['Mask and prep for paint - plastic, paper, tape (per LF)', 'Tear out wet drywall, cleanup, bag for disposal'],
    painting: ['Drywall - hung, taped, floated, ready for paint', 'Ceramic tile floor - grout and seal'],
    flooring: ['Countertop - laminate', 'Clean and deodorize hardwood floor', 'Tear out wet carpet pad and bag for disposal', 'Vinyl window - double hung, 12-23 sf', 'Tile roofing - clay'],
    roofing: ['Roofing permit'],
    plumbing: ['Detach & Reset Dishwasher', 'Water extraction from carpeted floor'],
    electrical: ['Electrical permit'],
    cleaning: ['Tear out wet drywall, cleanup, bag for disposal'],
    demolition: ['Tear off, haul and dispose of comp. shingles - 3 tab', 'Demo drywall', 'Tear out wet carpet pad and bag for disposal'],
    insulation: ['R&R Exterior door - metal - insulated', 'Remove 3 tab - 25 yr. - composition shingle roofing'],
    'water mitigation': ['Remove drywall - water damaged', 'Install new water heater - 40 gallon'],
    carpentry: ['Rough carpenter (framer) - per hour', 'Paint baseboard - one coat'],
    framing: ['Carpenter - per hour', 'HEPA vacuum attic framing'],
    cabinetry: ['Detach & Reset Dishwasher'],
    hvac: ['Air scrubber (per 24 hour period)', 'Air mover'],
    appliances: ['Install new water heater - 40 gallon'],
    'doors & windows': ['Clean outdoor furniture', 'Paint exterior door - slab only - 2 coats'],
    contents: ['Clean outdoor furniture'],
    general: ['Dump fee', 'Haul debris - per pickup truck load - including dump fees', 'Plumber - per hour', 'Content manipulation charge - per hour'],
  },
  categories: {
    DRY: ['Tear out wet drywall, cleanup, bag for disposal'],
    PNT: ['Drywall - hung, taped, floated, ready for paint'],
    FCC: ['Tear out wet carpet pad and bag for disposal', 'Water extraction from carpeted floor'],
    FCW: ['Clean and deodorize hardwood floor', 'Countertop - laminate'],
    FCV: ['Vinyl window - double hung, 12-23 sf'],
    FCT: ['Tile roofing - clay'],
    RFG: ['Roofing permit'],
    PLM: ['Water extraction from carpeted floor', 'Detach & Reset Dishwasher'],
    ELE: ['Electrical permit'],
    CLN: ['Tear out wet drywall, cleanup, bag for disposal'],
    DMO: ['Tear off, haul and dispose of comp. shingles - 3 tab', 'Demo drywall'],
    INS: ['Remove 3 tab - 25 yr. - composition shingle roofing'],
    WTR: ['Remove drywall - water damaged', 'Install new water heater - 40 gallon'],
    FNC: ['Rough carpenter (framer) - per hour', 'Paint baseboard - one coat'],
    FRM: ['Carpenter - per hour', 'HEPA vacuum attic framing'],
    CAB: ['Detach & Reset Dishwasher'],
    HVC: ['Air scrubber (per 24 hour period)'],
    APP: ['Install new water heater - 40 gallon'],
    DOR: ['Clean outdoor furniture', 'Paint exterior door - slab only - 2 coats'],
    WDW: ['New exterior door - pre-hung'],
    CON: ['Clean outdoor furniture'],
    FEE: ['Haul debris - per pickup truck load - including dump fees', 'Dump fee'],
    LAB: ['Plumber - per hour', 'Emergency service call - after business hours'],
  },
};
