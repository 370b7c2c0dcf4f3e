// Customer lookup: one customer by an identifier, their wallet (GET /v2/customers/coupons, filtered by status
// and paged), their coupons, and each coupon's history.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { SelectField, TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import { formatDate, formatDiscount, formatInstant } from '../format';
import { Link, navigate, useRoute } from '../router';
import type { Coupon, Customer, HistoryEvent, Wallet, WalletCoupon } from '../types';
import { useLoad } from '../use-load';

const BY = [
  ['mobile', 'Mobile'],
  ['email', 'Email'],
  ['externalId', 'External id'],
  ['id', 'Customer id'],
] as const;
type By = (typeof BY)[number][0];

function History({ couponId }: { couponId: number }) {
  const events = useLoad(
    () => api<{ events: HistoryEvent[] }>('GET', `/v2/coupon/${couponId}/history`).then((r) => r.events),
    [couponId],
  );
  if (events.error) return <ErrorNotice>{events.error}</ErrorNotice>;
  if (!events.data) return <p class="muted">Loading history…</p>;
  return (
    <ol class="history" aria-label={`History of coupon ${couponId}`}>
      {events.data.map((e, i) => (
        <li key={i}>
          <strong>{e.type}</strong> <time dateTime={e.at}>{formatInstant(e.at)}</time>{' '}
          <span class="muted">{e.actor}</span>
          {Object.keys(e.details).length > 0 && (
            <span class="details">
              {Object.entries(e.details)
                .filter(([, v]) => v !== null && v !== '')
                .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                .join(' · ')}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

function CouponRow({ c }: { c: Coupon }) {
  const [open, setOpen] = useState(false);
  const state = c.revoked ? 'revoked' : c.redemptionCount > 0 ? `redeemed ×${c.redemptionCount}` : 'active';
  return (
    <li class="coupon card" data-coupon-code={c.code}>
      <div class="coupon-head">
        <code class="code">{c.code}</code>
        <span class={`badge badge-${c.revoked ? 'bad' : c.redemptionCount > 0 ? 'done' : 'ok'}`}>
          {state}
        </span>
        <span>
          <Link to={`/series/${c.seriesId}`}>{c.description || `series ${c.seriesId}`}</Link> ·{' '}
          {formatDiscount(c)}
        </span>
        <span class="muted">
          issued {formatInstant(c.issuedOn)} · valid till {formatDate(c.validTill)}
        </span>
        <button
          type="button"
          aria-expanded={open}
          aria-controls={`history-${c.id}`}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide history' : 'History'}
        </button>
      </div>
      <div id={`history-${c.id}`}>{open && <History couponId={c.id} />}</div>
    </li>
  );
}

const WALLET_STATUSES = [
  ['', 'Every coupon'],
  ['REDEEMABLE', 'Redeemable'],
  ['ACTIVE', 'Active'],
  ['EXPIRED', 'Expired'],
  ['REDEEMED', 'Redeemed'],
  ['UNREDEEMED', 'Unredeemed'],
] as const;
const WALLET_PAGE = 20;

function walletState(c: WalletCoupon): [string, string] {
  if (c.expired) return ['expired', 'bad'];
  if (c.redemptionsLeft === 0) return ['used up', 'done'];
  return [c.redemptionCount > 0 ? `redeemed ×${c.redemptionCount}` : 'active', 'ok'];
}

/** The customer's wallet: their coupons (revoked ones left out), by status, a page at a time. */
function WalletList({ customerId }: { customerId: number }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const wallet = useLoad(
    () =>
      api<Wallet>('GET', '/v2/customers/coupons', {
        query: { id: customerId, limit: WALLET_PAGE, offset, ...(status ? { status } : {}) },
      }),
    [customerId, status, offset],
  );
  const total = wallet.data?.entity.pagination.total ?? 0;
  const coupons = wallet.data?.entity.customers[0]?.coupons ?? [];
  return (
    <section class="card wallet" aria-labelledby="wallet-title">
      <h2 id="wallet-title">Wallet</h2>
      <div class="toolbar">
        <SelectField
          id="wallet-status"
          label="Show"
          value={status}
          options={WALLET_STATUSES}
          onChange={(v) => {
            setStatus(v);
            setOffset(0);
          }}
        />
      </div>
      {wallet.error && <ErrorNotice>{wallet.error}</ErrorNotice>}
      {!wallet.data && !wallet.error && <p class="muted">Loading the wallet…</p>}
      {wallet.data && (
        <>
          <p class="muted" aria-live="polite">
            {total === 0
              ? 'No coupon matches.'
              : `${offset + 1}–${offset + coupons.length} of ${total}, newest first`}
          </p>
          {coupons.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">State</th>
                  <th scope="col">Offer</th>
                  <th scope="col">Valid till</th>
                  <th scope="col">Uses left</th>
                  <th scope="col">Redemptions</th>
                </tr>
              </thead>
              <tbody>
                {coupons.map((c) => {
                  const [word, tone] = walletState(c);
                  return (
                    <tr key={c.id} data-wallet-code={c.code}>
                      <td>
                        <code>{c.code}</code>
                      </td>
                      <td>
                        <span class={`badge badge-${tone}`}>{word}</span>
                      </td>
                      <td>
                        <Link to={`/series/${c.seriesId}`}>{c.description || `series ${c.seriesId}`}</Link> ·{' '}
                        {formatDiscount(c)}
                      </td>
                      <td>{formatDate(c.validTill)}</td>
                      <td>{c.redemptionsLeft === -1 ? 'unlimited' : c.redemptionsLeft}</td>
                      <td>
                        {c.redemptions.length === 0
                          ? '—'
                          : c.redemptions
                              .map(
                                (r) =>
                                  `${formatInstant(r.date)}${r.transactionNumber ? ` (${r.transactionNumber})` : ''}`,
                              )
                              .join(', ')}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <div class="toolbar">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - WALLET_PAGE))}
            >
              Newer
            </button>
            <button
              type="button"
              disabled={offset + coupons.length >= total}
              onClick={() => setOffset(offset + WALLET_PAGE)}
            >
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function Result({ by, value }: { by: By; value: string }) {
  const found = useLoad(async () => {
    const { customer } = await api<{ customer: Customer }>('GET', '/v2/customers/lookup', {
      query: { [by]: value },
    });
    const coupons = await api<{ data: Coupon[] }>('GET', '/v2/coupon', {
      query: { issuedToIds: customer.id, limit: 1000 },
    });
    return { customer, coupons: coupons.data };
  }, [by, value]);
  if (found.error) return <ErrorNotice>{found.error}</ErrorNotice>;
  if (!found.data) return <p class="muted">Looking up…</p>;
  const { customer, coupons } = found.data;
  const profile = customer.profiles[0];
  const name = [profile?.firstName, profile?.lastName].filter(Boolean).join(' ');
  return (
    <>
      <section class="card" aria-labelledby="customer-title">
        <h2 id="customer-title">
          Customer {customer.id}
          {name && `: ${name}`}
        </h2>
        <dl class="inline">
          {(profile?.identifiers ?? []).map((i) => (
            <div key={i.type}>
              <dt>{i.type}</dt>
              <dd>{i.value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <WalletList customerId={customer.id} />
      <h2>Coupons ({coupons.length})</h2>
      {coupons.length === 0 ? (
        <p>This customer has no coupons.</p>
      ) : (
        <ul class="coupons">
          {[...coupons].reverse().map((c) => (
            <CouponRow key={c.id} c={c} />
          ))}
        </ul>
      )}
    </>
  );
}

export function Customers() {
  const { query } = useRoute();
  const current = BY.find(([k]) => query.has(k));
  const [by, setBy] = useState<By>(current?.[0] ?? 'mobile');
  const [value, setValue] = useState(current ? (query.get(current[0]) ?? '') : '');
  return (
    <Page title="Customer lookup">
      <form
        class="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) navigate(`/customers?${by}=${encodeURIComponent(value.trim())}`);
        }}
      >
        <SelectField
          id="lookup-by"
          label="Find by"
          value={by}
          options={BY}
          onChange={(v) => setBy(v as By)}
        />
        <TextField id="lookup-value" label="Value" value={value} onInput={setValue} required />
        <button type="submit" class="primary">
          Look up
        </button>
      </form>
      {current && (
        <Result
          key={`${current[0]}=${query.get(current[0])}`}
          by={current[0]}
          value={query.get(current[0]) ?? ''}
        />
      )}
    </Page>
  );
}
