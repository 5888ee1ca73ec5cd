// Credits in micro-credits (100,000 = one dollar). Grants, debits and refunds are ledger entries
// applied inside the caller's transaction, so the money moves with the state change that causes it.
import { AppError } from '../http/errors.js';
import type { Repos } from '../storage/index.js';
import { newId } from '../util/ids.js';
import { nowIso } from '../util/time.js';

export const MICRO_PER_DOLLAR = 100_000;

export interface CreditChange {
  readonly orgId: string;
  readonly amountMicro: number;
  readonly reason: string;
  readonly ref?: string;
}

/** Adds credit (amount > 0) or records a correction; returns the new balance. */
export async function grantCredits(tx: Repos, change: CreditChange): Promise<number> {
  if (!Number.isSafeInteger(change.amountMicro) || change.amountMicro === 0) {
    throw new AppError('invalid_request', 'amount_micro must be a non-zero integer');
  }
  const balance = await tx.ledger.apply({ id: newId('led'), orgId: change.orgId, amountMicro: change.amountMicro, reason: change.reason, ref: change.ref ?? null, at: nowIso(), allowNegative: change.amountMicro > 0 });
  if (balance === undefined) {
    const org = await tx.orgs.get(change.orgId);
    if (!org) throw new AppError('not_found', 'Organization not found');
    throw new AppError('invalid_request', change.amountMicro > 0 ? `The grant would take the balance above ${Number.MAX_SAFE_INTEGER} micro-credits, the most one organization holds` : 'The adjustment would take the balance below zero');
  }
  return balance;
}

/** Takes `amountMicro` (> 0) from the balance, or fails with 402 and changes nothing. */
export async function debitCredits(tx: Repos, change: CreditChange): Promise<number> {
  const required = Math.abs(change.amountMicro);
  const balance = await tx.ledger.apply({ id: newId('led'), orgId: change.orgId, amountMicro: -required, reason: change.reason, ref: change.ref ?? null, at: nowIso(), allowNegative: false });
  if (balance === undefined) throw insufficientCredits(required, (await tx.orgs.get(change.orgId))?.credits_micro ?? 0);
  return balance;
}

/**
 * The 402 of an operation the balance does not cover, saying what it needs and what is held, so a
 * client can tell its user how much to add without a second call.
 */
export function insufficientCredits(requiredMicro: number, balanceMicro: number): AppError {
  return new AppError(
    'payment_required',
    `Insufficient credits: this needs ${requiredMicro} micro-credits and the organization holds ${balanceMicro}`,
    {},
    { required_micro: requiredMicro, balance_micro: balanceMicro },
  );
}

/**
 * The amount in dollars with two decimals, rounded down to the cent: a balance never reads as more than
 * it holds (4,999 micro-credits read $0.05 and could not pay for something priced $0.05).
 */
export function formatDollars(micro: number): string {
  const cents = Math.floor(micro / (MICRO_PER_DOLLAR / 100));
  const whole = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, '0')}`;
}
