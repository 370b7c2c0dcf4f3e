// Every series of the org with its counters, newest first, and a search over what is loaded.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import { formatCount, formatDate, formatDiscount, formatInstant } from '../format';
import { Link } from '../router';
import type { Series } from '../types';
import { useLoad } from '../use-load';

/** The API's largest page: the list shows the newest 500 series, which the search then narrows. */
const PAGE = 500;
/** Counters move while the page is open; a refresh every few seconds keeps them current without a click. */
const REFRESH_MS = 10_000;

function matches(s: Series, words: string[]): boolean {
  const text =
    `${s.id} ${s.description} ${s.seriesCode} ${s.clientHandlingType} ${s.discountType}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function SeriesList() {
  const [search, setSearch] = useState('');
  const list = useLoad(
    () =>
      api<{ entity: Series[] }>('GET', '/v2/coupon/series', { query: { limit: PAGE } }).then((r) => r.entity),
    [],
  );
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && list.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [list.reload]);

  const shown = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return (list.data ?? []).filter((s) => matches(s, words));
  }, [list.data, search]);

  return (
    <Page
      title="Coupon series"
      actions={
        <>
          <button type="button" onClick={list.reload} disabled={list.loading}>
            Refresh
          </button>
          <Link to="/series/new" class="button primary">
            New series
          </Link>
        </>
      }
    >
      <form class="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField
          id="series-search"
          label="Search series"
          type="search"
          value={search}
          onInput={setSearch}
          hint="Matches id, description, series code, handling and discount type."
        />
      </form>
      <ErrorNotice>{list.error}</ErrorNotice>
      {list.data && (
        <p class="muted" aria-live="polite">
          {shown.length === list.data.length
            ? `${formatCount(list.data.length)} series`
            : `${formatCount(shown.length)} of ${formatCount(list.data.length)} series`}
        </p>
      )}
      {list.data && shown.length > 0 && (
        <table class="cards">
          <caption class="visually-hidden">Series with their counters</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Description</th>
              <th scope="col">Discount</th>
              <th scope="col">Valid till</th>
              <th scope="col" class="num">
                Issued
              </th>
              <th scope="col" class="num">
                Redeemed
              </th>
              <th scope="col" class="num">
                Pool left
              </th>
              <th scope="col">Last issue</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.id} data-series-id={s.id}>
                <td data-label="Id">{s.id}</td>
                <td data-label="Description">
                  <span>
                    <Link to={`/series/${s.id}`}>{s.description || s.seriesCode}</Link>
                    <span class="muted small"> {s.clientHandlingType}</span>
                  </span>
                </td>
                <td data-label="Discount">{formatDiscount(s)}</td>
                <td data-label="Valid till">{formatDate(s.validTillDate)}</td>
                <td data-label="Issued" class="num" data-counter="numIssued">
                  {formatCount(s.numIssued)}
                </td>
                <td data-label="Redeemed" class="num" data-counter="numRedeemed">
                  {formatCount(s.numRedeemed)}
                </td>
                <td data-label="Pool left" class="num">
                  {formatCount(s.numUploadedNonIssued)}
                </td>
                <td data-label="Last issue">{formatInstant(s.latestIssualTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && list.data.length === 0 && (
        <p>
          No series yet. <Link to="/series/new">Create the first one</Link>.
        </p>
      )}
    </Page>
  );
}
