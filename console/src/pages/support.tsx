// Store support: check codes for a customer and a bill, redeem them, and undo a redemption or a whole bill.
import { useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { SelectField, TextField } from '../components/field';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { Page } from '../components/page';
import type { RedeemableItem, RedeemedItem } from '../types';

const BY = [
  ['mobile', 'Mobile'],
  ['email', 'Email'],
  ['externalId', 'External id'],
  ['id', 'Customer id'],
] as const;
type By = (typeof BY)[number][0];

const codesOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);

/** The customer as a redeem body names them: { mobile } or { id: 42 }. */
const userOf = (by: By, value: string) => ({ [by]: by === 'id' ? Number(value) : value.trim() });

type Outcome =
  | { kind: 'checked'; items: RedeemableItem[] }
  | { kind: 'redeemed'; items: RedeemedItem[] }
  | { kind: 'reactivated'; ids: number[] };

function Checked({ items }: { items: RedeemableItem[] }) {
  return (
    <table class="cards" aria-label="Check results">
      <thead>
        <tr>
          <th scope="col">Code</th>
          <th scope="col">Redeemable</th>
          <th scope="col">Discount on this bill</th>
          <th scope="col">Why not</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.code} data-code={i.code}>
            <td data-label="Code">
              <code>{i.code}</code>
            </td>
            <td data-label="Redeemable">
              <span class={`badge badge-${i.isRedeemable ? 'ok' : 'bad'}`}>
                {i.isRedeemable ? 'yes' : 'no'}
              </span>
            </td>
            <td data-label="Discount">{i.discountAmount ?? '—'}</td>
            <td data-label="Why not">
              {i.isRedeemable ? '' : `${i.appendedErrorMessage} (${i.redemptionStatus?.code ?? ''})`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Support() {
  const [by, setBy] = useState<By>('mobile');
  const [who, setWho] = useState('');
  const [codes, setCodes] = useState('');
  const [bill, setBill] = useState('');
  const [transaction, setTransaction] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<Outcome>) => {
    setBusy(true);
    setError(undefined);
    try {
      setOutcome(await work());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const check = () =>
    run(async () => {
      const r = await api<{ redemption: RedeemableItem[] }>('GET', '/v2/coupon/is_redeemable', {
        query: {
          [by]: who.trim(),
          code: codesOf(codes).join(','),
          billAmount: bill || undefined,
          details: true,
        },
      });
      return { kind: 'checked', items: r.redemption };
    });

  const redeem = () =>
    run(async () => {
      const r = await api<{ redemption: RedeemedItem[] }>('POST', '/v2/coupon/redeem', {
        json: {
          user: userOf(by, who),
          billAmount: bill || undefined,
          transactionNumber: transaction.trim() || undefined,
          redemptionRequestList: codesOf(codes).map((code) => ({ code })),
        },
      });
      return { kind: 'redeemed', items: r.redemption };
    });

  const reactivate = (body: unknown) =>
    run(async () => {
      const r = await api<{ reactivated: number[] }>('POST', '/v2/coupon/reactivate', { json: body });
      return { kind: 'reactivated', ids: r.reactivated };
    });

  return (
    <Page title="Check and redeem">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          // Enter checks: redeeming is never the default, it needs its own button.
          void check();
        }}
      >
        <div class="grid">
          <SelectField
            id="support-by"
            label="Customer by"
            value={by}
            options={BY}
            onChange={(v) => setBy(v as By)}
          />
          <TextField id="support-customer" label="Customer" value={who} onInput={setWho} required />
          <TextField
            id="support-codes"
            label="Coupon codes"
            value={codes}
            onInput={setCodes}
            required
            hint="One or more, separated by commas or spaces"
          />
          <TextField
            id="support-bill"
            label="Bill amount"
            inputMode="decimal"
            value={bill}
            onInput={setBill}
          />
          <TextField
            id="support-transaction"
            label="Transaction number"
            value={transaction}
            onInput={setTransaction}
            hint="The bill's number: undoing a bill finds its redemptions by it"
          />
        </div>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            Check
          </button>
          <button type="button" disabled={busy} onClick={() => void redeem()}>
            Redeem
          </button>
          <button
            type="button"
            disabled={busy || !transaction.trim()}
            onClick={() => void reactivate({ transactionNumber: transaction.trim(), user: userOf(by, who) })}
          >
            Undo this bill
          </button>
        </div>
      </form>
      <ErrorNotice>{error}</ErrorNotice>
      {outcome?.kind === 'checked' && <Checked items={outcome.items} />}
      {outcome?.kind === 'redeemed' && (
        <>
          <StatusNotice>
            Redeemed {outcome.items.length} coupon{outcome.items.length === 1 ? '' : 's'}.
          </StatusNotice>
          <ul class="redeemed">
            {outcome.items.map((i) => (
              <li key={i.id} class="card" data-redemption-id={i.id}>
                <code>{i.code}</code> — redemption {i.id}, discount {i.discountAmount ?? '—'}{' '}
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void reactivate({ redemptionIds: [i.id] })}
                >
                  Undo redemption {i.id}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {outcome?.kind === 'reactivated' && (
        <StatusNotice>
          {outcome.ids.length === 0
            ? 'Nothing was left to undo.'
            : `Undone: redemption${outcome.ids.length === 1 ? '' : 's'} ${outcome.ids.join(', ')}. The coupons can be redeemed again.`}
        </StatusNotice>
      )}
    </Page>
  );
}
