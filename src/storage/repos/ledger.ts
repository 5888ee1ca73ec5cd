// The credits ledger: every change is an appended entry plus the running balance, in one statement pair
// that callers run inside their own transaction.
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { CreditLedgerTable, Database } from '../schema.js';

export type LedgerEntry = Selectable<CreditLedgerTable>;

export interface LedgerChange {
  readonly id: string;
  readonly orgId: string;
  readonly amountMicro: number;
  readonly reason: string;
  readonly ref: string | null;
  readonly at: string;
  /** When false (debits), the change is refused rather than taking the balance below zero. */
  readonly allowNegative: boolean;
}

export interface LedgerRepo {
  /** Applies the change; the new balance, or undefined when the org is missing or funds are short. */
  apply(change: LedgerChange): Promise<number | undefined>;
  entries(orgId: string, limit: number, offset: number): Promise<LedgerEntry[]>;
  /** Sums of an organization's entries: credit added (refunds aside), and debits net of their refunds. */
  totals(orgId: string): Promise<LedgerTotals>;
}

export interface LedgerTotals {
  readonly grantedMicro: number;
  readonly spentMicro: number;
}

export function ledgerRepo(db: Kysely<Database>): LedgerRepo {
  return {
    async apply(c) {
      let update = db
        .updateTable('orgs')
        .set({ credits_micro: sql<number>`credits_micro + ${c.amountMicro}`, updated_at: c.at })
        .where('id', '=', c.orgId);
      if (!c.allowNegative) update = update.where(sql<boolean>`credits_micro + ${c.amountMicro} >= 0`);
      // A balance is read back as a JavaScript number: past 2^53 it would no longer add up to its ledger.
      if (c.amountMicro > 0) update = update.where(sql<boolean>`credits_micro <= ${Number.MAX_SAFE_INTEGER - c.amountMicro}`);
      const row = await update.returning('credits_micro').executeTakeFirst();
      if (!row) return undefined;
      // The update holds the organization's row until the transaction ends, so entries are made in the
      // order their balances were: each is stamped after the one before it, whatever instant its
      // transaction started at, and the list (newest first) reads as a chain of balances.
      const last = await db.selectFrom('credit_ledger').select('created_at').where('org_id', '=', c.orgId).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
      const at = last === undefined || last.created_at < c.at ? c.at : new Date(Date.parse(last.created_at) + 1).toISOString();
      await db
        .insertInto('credit_ledger')
        .values({
          id: c.id,
          org_id: c.orgId,
          amount_micro: c.amountMicro,
          balance_after_micro: row.credits_micro,
          reason: c.reason,
          ref: c.ref,
          created_at: at,
        })
        .execute();
      return row.credits_micro;
    },
    async totals(orgId) {
      const row = await db
        .selectFrom('credit_ledger')
        .select([
          sql<number | string | null>`sum(case when amount_micro > 0 and reason <> 'refund' then amount_micro else 0 end)`.as('granted'),
          sql<number | string | null>`sum(case when amount_micro < 0 then -amount_micro when reason = 'refund' then -amount_micro else 0 end)`.as('spent'),
        ])
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      return { grantedMicro: Number(row?.granted ?? 0), spentMicro: Number(row?.spent ?? 0) };
    },
    entries: (orgId, limit, offset) =>
      db.selectFrom('credit_ledger').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
  };
}
