// Reads one estimate row — "1. Remove drywall 120 SF $1.25 $150.00" — into numbers. Rows are parsed
// from the right, where the columns are predictable (quantity, unit, then money); whatever is left
// is the description, which may itself contain numbers ("3 tab - 25 yr. shingle").

export interface LineItem {
  readonly description: string;
  readonly quantity: number;
  /** Upper-case unit code: SF, LF, EA, SY, SQ, HR, ... */
  readonly unit: string;
  readonly unit_price: number;
  readonly total: number;
  /** 1-based page the row was read from. */
  readonly page: number;
}

/** Units used by restoration and construction estimates, with the spellings people type for them. */
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  SF: 'SF', SQFT: 'SF', LF: 'LF', EA: 'EA', SY: 'SY', SQ: 'SQ', HR: 'HR', HRS: 'HR',
  CF: 'CF', CY: 'CY', DA: 'DA', DAY: 'DA', DAYS: 'DA', WK: 'WK', MO: 'MO', GAL: 'GAL', GL: 'GAL',
  LS: 'LS', TN: 'TN', RL: 'RL', BX: 'BX', PR: 'PR', CS: 'CS', SFWL: 'SF', SFFL: 'SF', SFCL: 'SF',
};

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+`;
const AMOUNT = new RegExp(String.raw`^[(<-]?\$?(${NUMBER})[)>]?$`);
const QUANTITY_UNIT = new RegExp(String.raw`^(${NUMBER})([A-Za-z]{2,4})\.?$`);
const QUANTITY = new RegExp(String.raw`^(${NUMBER})$`);
const ITEM_NUMBER = /^\s*\d{1,4}[.)]\s+/;

/** "$1,250.00" → 1250; "(12.50)" and "<12.50>", estimate notation for deductions, → -12.5. */
export function parseAmount(token: string): number | undefined {
  const match = AMOUNT.exec(token);
  if (!match?.[1]) return undefined;
  const value = Number(match[1].replace(/,/g, ''));
  return /^[(<-]/.test(token) ? -value : value;
}

function unitCode(token: string): string | undefined {
  return UNIT_ALIASES[token.replace(/\.$/, '').toUpperCase()];
}

/**
 * The total is the money column that equals quantity × unit price plus the columns between them
 * (tax, overhead & profit in Xactimate-style RCV layouts); failing that, the column after the price.
 */
function pickTotal(quantity: number, unitPrice: number, rest: readonly number[]): number {
  let running = quantity * unitPrice;
  for (const value of rest) {
    if (Math.abs(value - running) <= Math.max(0.011, Math.abs(running) * 0.005)) return value;
    running += value;
  }
  return rest[0]!;
}

export function parseLineItem(line: string, page: number): LineItem | undefined {
  const tokens = line.replace(ITEM_NUMBER, '').trim().split(/\s+/);
  const amounts: number[] = [];
  let end = tokens.length;
  while (end > 0) {
    const token = tokens[end - 1]!;
    if (token === '$') {
      end--;
      continue;
    }
    const value = parseAmount(token);
    if (value === undefined) break;
    amounts.unshift(value);
    end--;
  }
  if (amounts.length < 2) return undefined;

  let quantity: number | undefined;
  let unit: string | undefined;
  const last = tokens[end - 1] ?? '';
  const joined = QUANTITY_UNIT.exec(last);
  if (joined?.[1] && joined[2] && unitCode(joined[2])) {
    quantity = Number(joined[1].replace(/,/g, ''));
    unit = unitCode(joined[2]);
    end -= 1;
  } else if (unitCode(last)) {
    const number = QUANTITY.exec(tokens[end - 2] ?? '');
    if (number?.[1]) {
      quantity = Number(number[1].replace(/,/g, ''));
      unit = unitCode(last);
      end -= 2;
    }
  }
  if (quantity === undefined || unit === undefined) return undefined;

  const description = tokens.slice(0, end).join(' ').replace(/[\s\-–—:]+$/, '');
  if (!/[A-Za-z]{2}/.test(description)) return undefined;
  const [unitPrice, ...rest] = amounts as [number, ...number[]];
  return { description, quantity, unit, unit_price: unitPrice, total: pickTotal(quantity, unitPrice, rest), page };
}
