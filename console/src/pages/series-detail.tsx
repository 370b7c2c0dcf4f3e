// One series: its counters, a chart of coupons issued and redeemed per day, and its whole configuration.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { DayChart } from '../components/day-chart';
import { DateField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import { addDays, formatCount, formatInstant, today } from '../format';
import { Link } from '../router';
import { seriesSummary } from '../series-summary';
import type { DayStats, Series } from '../types';
import { useLoad } from '../use-load';

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
            Uploads of this series
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
        <DateField
          id="stats-from"
          label="From"
          value={draft.from}
          onInput={(from) => setDraft({ ...draft, from })}
        />
        <DateField id="stats-to" label="To" value={draft.to} onInput={(to) => setDraft({ ...draft, to })} />
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
        <div class="summary">
          {seriesSummary(s).map((g) => (
            <section key={g.title} aria-labelledby={`summary-${g.title}`}>
              <h2 id={`summary-${g.title}`}>{g.title}</h2>
              <dl class="config">
                {g.rows.map(([label, value]) => (
                  <div key={label}>
                    <dt>{label}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      )}
    </Page>
  );
}
