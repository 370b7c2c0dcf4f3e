// One series: its counters, a chart of coupons issued and redeemed per day, and its whole configuration.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { DayChart } from '../components/day-chart';
import { TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import {
  addDays,
  formatCount,
  formatDate,
  formatDiscount,
  formatInstant,
  formatLimit,
  today,
} from '../format';
import { Link } from '../router';
import type { DayStats, Series } from '../types';
import { useLoad } from '../use-load';

/** Fields shown in the counters panel rather than in the configuration list. */
const COUNTERS = [
  'numIssued',
  'numRedeemed',
  'numUploadedTotal',
  'numUploadedNonIssued',
  'latestIssualTime',
  'latestRedemptionTime',
];

function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function SeriesDetail({ id }: { id: number }) {
  const series = useLoad(
    () =>
      api<{ entity: Series[] }>('GET', '/v2/coupon/series', { query: { ids: id } }).then((r) => {
        const s = r.entity[0];
        if (!s) throw new Error(`series ${id} not found`);
        return s;
      }),
    [id],
  );
  const [range, setRange] = useState(() => ({ from: addDays(today(), -29), to: today() }));
  const [draft, setDraft] = useState(range);
  const stats = useLoad(
    () =>
      api<{ days: DayStats[] }>('GET', `/v2/coupon/series/${id}/stats`, { query: range }).then((r) => r.days),
    [id, range.from, range.to],
  );
  const s = series.data;

  return (
    <Page
      title={s ? `Series ${s.id}: ${s.description || s.seriesCode}` : `Series ${id}`}
      actions={
        <>
          <button
            type="button"
            onClick={() => {
              series.reload();
              stats.reload();
            }}
          >
            Refresh
          </button>
          <Link to={`/series/${id}/edit`} class="button">
            Edit
          </Link>
          <Link to={`/uploads?series=${id}`} class="button">
            Upload codes
          </Link>
        </>
      }
    >
      <ErrorNotice>{series.error}</ErrorNotice>
      {s && (
        <dl class="counters" aria-label="Counters">
          <div>
            <dt>Issued</dt>
            <dd data-counter="numIssued">{formatCount(s.numIssued)}</dd>
          </div>
          <div>
            <dt>Redeemed</dt>
            <dd data-counter="numRedeemed">{formatCount(s.numRedeemed)}</dd>
          </div>
          <div>
            <dt>Uploaded codes</dt>
            <dd>{formatCount(s.numUploadedTotal)}</dd>
          </div>
          <div>
            <dt>Pool left</dt>
            <dd>{formatCount(s.numUploadedNonIssued)}</dd>
          </div>
          <div class="instant">
            <dt>Last issue</dt>
            <dd>{formatInstant(s.latestIssualTime)}</dd>
          </div>
          <div class="instant">
            <dt>Last redemption</dt>
            <dd>{formatInstant(s.latestRedemptionTime)}</dd>
          </div>
        </dl>
      )}

      <h2>Issued and redeemed per day</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setRange(draft);
        }}
      >
        <TextField
          id="stats-from"
          label="From"
          type="date"
          value={draft.from}
          onInput={(from) => setDraft({ ...draft, from })}
        />
        <TextField
          id="stats-to"
          label="To"
          type="date"
          value={draft.to}
          onInput={(to) => setDraft({ ...draft, to })}
        />
        <button type="submit">Show</button>
      </form>
      <ErrorNotice>{stats.error}</ErrorNotice>
      {stats.data && (
        <>
          <DayChart days={stats.data} label={`Series ${id}, ${range.from} to ${range.to}`} />
          <details>
            <summary>The same as a table</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col" class="num">
                    Issued
                  </th>
                  <th scope="col" class="num">
                    Redeemed
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.data.map((d) => (
                  <tr key={d.date}>
                    <td>{d.date}</td>
                    <td class="num">{d.issued}</td>
                    <td class="num">{d.redeemed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}

      {s && (
        <>
          <h2>Configuration</h2>
          <dl class="config">
            <div>
              <dt>Discount</dt>
              <dd>{formatDiscount(s)}</dd>
            </div>
            <div>
              <dt>Valid till</dt>
              <dd>{formatDate(s.validTillDate)}</dd>
            </div>
            <div>
              <dt>Coupons at most</dt>
              <dd>{formatLimit(s.maxCreate)}</dd>
            </div>
            <div>
              <dt>Redemptions at most</dt>
              <dd>{formatLimit(s.maxRedeem)}</dd>
            </div>
            {Object.entries(s)
              .filter(([k]) => !COUNTERS.includes(k) && k !== 'warnings')
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => (
                <div key={k}>
                  <dt>
                    <code>{k}</code>
                  </dt>
                  <dd>{showValue(v)}</dd>
                </div>
              ))}
          </dl>
        </>
      )}
    </Page>
  );
}
