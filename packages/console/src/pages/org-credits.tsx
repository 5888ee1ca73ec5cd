// An organization's credits: a grant or a correction (each a ledger entry with its reason) and the
// ledger itself, newest first, with the balance after each entry.
import { useState } from 'preact/hooks';
import { get, post } from '../api/http.js';
import type { CreditBalance, LedgerEntry, Page } from '../api/types.js';
import type { ConfirmRequest } from '../components/dialogs.js';
import { Empty, ErrorNote } from '../components/notice.js';
import { formatCredits, formatInt, formatTime } from '../format.js';
import { useAction } from '../hooks.js';
import { Pager, usePaged } from '../components/pager.js';
import { Table } from '../components/table.js';

const PAGE = 50;

export function OrgCredits({ orgId, refresh, onChanged, confirm }: { orgId: string; refresh: number; onChanged: () => void; confirm: (r: ConfirmRequest) => void }) {
  const [kind, setKind] = useState<'grant' | 'correction'>('grant');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('grant');
  const action = useAction();
  const paged = usePaged((limit, offset) => get<Page<LedgerEntry>>(`/orgs/${encodeURIComponent(orgId)}/ledger`, { limit, offset }), PAGE, [orgId], refresh);
  const ledger = paged.load;

  const apply = async () => {
    const n = Math.trunc(Number(amount));
    const amount_micro = kind === 'grant' ? n : -n;
    await post<CreditBalance>(`/orgs/${encodeURIComponent(orgId)}/credits`, { amount_micro, reason });
    setAmount('');
    onChanged();
    ledger.reload();
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (kind === 'correction') {
      // The correction runs in the confirmation, which shows its own failure: the form's is past.
      action.clear();
      confirm({
        title: 'Remove credits?',
        message: <p>This takes {formatInt(Math.trunc(Number(amount)))} micro-credits from the balance, recorded with the reason “{reason}”.</p>,
        confirmLabel: 'Remove credits',
        onConfirm: apply,
      });
      return;
    }
    await action.run(apply);
  };
  const rows = paged.rows;
  return (
    <section aria-labelledby="credits-h" class="card">
      <h2 id="credits-h">Credits</h2>
      <form class="form-grid" onSubmit={submit} onInput={action.clear}>
        <div class="field">
          <label for="credit-kind">Change</label>
          <select id="credit-kind" value={kind} onChange={(e) => {
            const k = e.currentTarget.value === 'correction' ? 'correction' : 'grant';
            setKind(k);
            setReason(k);
          }}>
            <option value="grant">Grant (add)</option>
            <option value="correction">Correction (remove)</option>
          </select>
        </div>
        <div class="field">
          <label for="credit-amount">Amount (micro-credits)</label>
          <input id="credit-amount" type="number" min={1} step={1} required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="credit-reason">Reason</label>
          <input id="credit-reason" required maxLength={64} pattern="[a-z0-9_.\-]+" title="a–z, 0–9, _ . -" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </div>
        <ErrorNote error={action.error} />
        <div class="actions"><button type="submit" class="primary" disabled={action.busy}>{kind === 'grant' ? 'Grant credits' : 'Remove credits'}</button></div>
      </form>
      <h3>Ledger</h3>
      <ErrorNote error={ledger.error} />
      {ledger.data && rows.length === 0 && paged.offset === 0 ? <Empty>No ledger entries yet — grant credits above.</Empty> : (
        <Table label="Ledger" testId="ledger-table">
          <thead><tr><th scope="col">When</th><th scope="col">Amount</th><th scope="col">Balance after</th><th scope="col">Reason</th><th scope="col">Reference</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{formatTime(r.created_at)}</td>
                <td class={r.amount_micro < 0 ? 'negative num' : 'num'}>{r.amount_micro > 0 ? '+' : ''}{formatInt(r.amount_micro)}</td>
                <td class="num">{formatCredits(r.balance_micro)}</td>
                <td>{r.reason}</td>
                <td class="mono">{r.ref ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <Pager paged={paged} size={PAGE} noun="entries" labels={['Newer', 'Older']} />
    </section>
  );
}
