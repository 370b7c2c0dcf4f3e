// Customer lookup: one customer by an identifier, their coupons, and each coupon's history.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { SelectField, TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import { formatDate, formatDiscount, formatInstant } from '../format';
import { Link, navigate, useRoute } from '../router';
import type { Coupon, Customer, HistoryEvent } from '../types';
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
