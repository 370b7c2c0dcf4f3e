// Uploads of a series: codes or customers, and coupons redeemed elsewhere. Drop a CSV, watch the job's
// counts grow, then fetch its error and success files; both kinds of job are listed together.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { SelectField, TextField } from '../components/field';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { Page } from '../components/page';
import { type Job, JobRow } from '../components/upload-job';
import { formatCount } from '../format';
import { Link, navigate, useRoute } from '../router';
import type { RedeemUploadReply, Series, UploadReply } from '../types';
import { useLoad } from '../use-load';

/** How often a running job is asked for its counts: live enough to watch, light on the server. */
const POLL_MS = 500;

const IDENTIFIERS = [
  ['MOBILE', 'Customers by mobile'],
  ['EMAIL', 'Customers by email'],
  ['EXTERNAL_ID', 'Customers by external id'],
  ['USER_ID', 'Customers by customer id'],
  ['NOT_TAGGED', 'Codes only, into the pool (NOT_TAGGED)'],
] as const;

const KINDS = [
  ['codes', 'Codes or customers'],
  ['redemptions', 'Coupons redeemed elsewhere'],
] as const;

const REDEEM_CUSTOMER = [
  ['MOBILE', 'mobile', 'Mobile'],
  ['EMAIL', 'email', 'Email'],
  ['EXTERNAL_ID', 'externalId', 'External id'],
  ['USER_ID', 'userId', 'Customer id'],
] as const;
const REDEEM_COUPON = [
  ['COUPON_CODE', 'couponCode', 'Coupon code'],
  ['COUPON_ID', 'couponId', 'Coupon id'],
] as const;
/** The columns of a redeemed-coupon file, in the reference's order (its sample files). */
const REDEEM_COLUMNS = [
  ['redeemedDateInMillis', 'When (epoch milliseconds)'],
  ['redeemedAt', 'Till'],
  ['customer', 'Customer'],
  ['coupon', 'Coupon'],
  ['billId', 'Bill id'],
  ['billNumber', 'Bill number'],
  ['details', 'Details'],
] as const;

/** Lines in a file, read as a stream: the expected number of rows while the server has not finished. */
async function countLines(file: File): Promise<number> {
  const reader = file.stream().getReader();
  let lines = 0;
  let last = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) lines++;
    if (value.length) last = value[value.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}

function UploadForm({
  seriesId,
  onStarted,
}: {
  seriesId: number;
  onStarted: (jobId: number, lines: number) => void;
}) {
  const [file, setFile] = useState<File>();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [kind, setKind] = useState<string>('codes');
  const [identifier, setIdentifier] = useState<string>('MOBILE');
  const [column, setColumn] = useState('0');
  const [customer, setCustomer] = useState<string>('MOBILE');
  const [coupon, setCoupon] = useState<string>('COUPON_CODE');
  const [columns, setColumns] = useState<Record<string, string>>(() =>
    Object.fromEntries(REDEEM_COLUMNS.map(([key], i) => [key, String(i)])),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  /** uploadHeaders: each column key the file has, at the index typed for it. */
  const headers = () => {
    const key = (list: readonly (readonly [string, string, string])[], v: string) =>
      list.find(([wire]) => wire === v)![1];
    const out: Record<string, number> = {};
    for (const [name] of REDEEM_COLUMNS) {
      const text = columns[name]?.trim() ?? '';
      if (text === '') continue;
      const wire =
        name === 'customer'
          ? key(REDEEM_CUSTOMER, customer)
          : name === 'coupon'
            ? key(REDEEM_COUPON, coupon)
            : name;
      out[wire] = /^\d+$/.test(text) ? Number(text) : (text as unknown as number);
    }
    return JSON.stringify(out);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return setError('Choose or drop a CSV file first.');
    setBusy(true);
    setError(undefined);
    try {
      const form = new FormData();
      let path: string;
      if (kind === 'codes') {
        form.set('customerIdentifier', identifier);
        form.set('customerIdentifierColumn', column);
        path = `/coupon/api/v1/upload/file/${seriesId}`;
      } else {
        form.set('customerIdentifier', customer);
        form.set('couponIdentifier', coupon);
        form.set('uploadHeaders', headers());
        path = `/coupon/api/v1/upload/redeemFile/${seriesId}`;
      }
      form.set('file', file, file.name);
      const [reply, lines] = await Promise.all([
        api<UploadReply & RedeemUploadReply>('POST', path, { form }),
        countLines(file),
      ]);
      const job = (reply.result.uploadJobStatuses ?? reply.result.redeemUploadJobStatuses)?.[0];
      if (job) onStarted(job.jobId, lines);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit}>
      <SelectField
        id="upload-kind"
        label="What the file holds"
        value={kind}
        options={KINDS}
        onChange={setKind}
      />
      <div
        class={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = e.dataTransfer?.files;
          if (!files?.[0]) return;
          setFile(files[0]);
          // The file input shows the dropped file too, so keyboard and mouse users see the same state.
          if (input.current) input.current.files = files;
        }}
        data-testid="dropzone"
      >
        <label for="upload-file">CSV file</label>
        <input
          ref={input}
          id="upload-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          aria-describedby="upload-file-hint"
          onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
        />
        <p id="upload-file-hint" class="hint">
          {kind === 'codes'
            ? 'Drop a file here, or choose one. Customers: one identifier per row, or identifier and code. Codes only: one code per row.'
            : 'Drop a file here, or choose one: one redeemed coupon per row, with when, where, who and which coupon.'}
        </p>
        {file && (
          <p class="selected" aria-live="polite">
            Selected: <strong>{file.name}</strong> ({formatCount(file.size)} bytes)
          </p>
        )}
      </div>
      {kind === 'codes' ? (
        <div class="grid">
          <SelectField
            id="upload-identifier"
            label="The file holds"
            value={identifier}
            options={IDENTIFIERS}
            onChange={setIdentifier}
          />
          <TextField
            id="upload-column"
            label="Identifier column"
            inputMode="numeric"
            value={column}
            onInput={setColumn}
            hint="0-based: 0 is the first column"
          />
        </div>
      ) : (
        <>
          <div class="grid">
            <SelectField
              id="redeem-customer"
              label="Customers are named by"
              value={customer}
              options={REDEEM_CUSTOMER.map(([v, , label]) => [v, label] as const)}
              onChange={setCustomer}
            />
            <SelectField
              id="redeem-coupon"
              label="Coupons are named by"
              value={coupon}
              options={REDEEM_COUPON.map(([v, , label]) => [v, label] as const)}
              onChange={setCoupon}
            />
          </div>
          <fieldset>
            <legend>Columns (0 is the first; empty: the file has none)</legend>
            <div class="grid">
              {REDEEM_COLUMNS.map(([name, label]) => (
                <TextField
                  key={name}
                  id={`redeem-column-${name}`}
                  label={`${label} column`}
                  inputMode="numeric"
                  value={columns[name] ?? ''}
                  onInput={(v) => setColumns((c) => ({ ...c, [name]: v }))}
                />
              ))}
            </div>
          </fieldset>
        </>
      )}
      <ErrorNotice>{error}</ErrorNotice>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Uploading…' : 'Upload'}
      </button>
    </form>
  );
}

export function Uploads() {
  const { query } = useRoute();
  const seriesId = Number(query.get('series')) || undefined;
  const series = useLoad(
    () =>
      api<{ entity: Series[] }>('GET', '/v2/coupon/series', { query: { limit: 500 } }).then((r) => r.entity),
    [],
  );
  const jobs = useLoad(async (): Promise<Job[]> => {
    if (seriesId === undefined) return [];
    const [codes, redeemed] = await Promise.all([
      api<UploadReply>('GET', `/coupon/api/v1/upload/getUploadStatus/${seriesId}`),
      api<RedeemUploadReply>('GET', `/coupon/api/v1/upload/getUploadRedeemedCouponStatus/${seriesId}`),
    ]);
    const status = { QUEUED: 'STARTED', COMPLETED: 'FINISHED', ERRORED: 'ERRORED' } as const;
    return [
      ...codes.result.uploadJobStatuses.map((j) => ({ ...j, kind: 'codes' as const })),
      ...redeemed.result.redeemUploadJobStatuses.map(({ uploadRedeemedCouponStatus, ...j }) => ({
        ...j,
        uploadStatus: status[uploadRedeemedCouponStatus],
        kind: 'redemptions' as const,
      })),
    ];
  }, [seriesId]);
  const [expected, setExpected] = useState<Record<number, number>>({});
  const [started, setStarted] = useState<number>();

  const running =
    (jobs.data ?? []).some((j) => j.uploadStatus === 'STARTED') ||
    (started !== undefined && !jobs.data?.some((j) => j.jobId === started));
  useEffect(() => {
    if (!running || jobs.loading) return;
    const timer = setTimeout(jobs.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, jobs.loading, jobs.data, jobs.reload]);

  const options: [string, string][] = [
    ['', 'Choose a series'],
    ...(series.data ?? []).map((s): [string, string] => [
      String(s.id),
      `${s.id}: ${s.description || s.seriesCode}`,
    ]),
  ];
  // Until the list arrives (or when the series is not in its first 500), the chosen series still shows.
  if (seriesId !== undefined && !options.some(([v]) => v === String(seriesId)))
    options.push([String(seriesId), String(seriesId)]);
  const list = [...(jobs.data ?? [])].sort((a, b) => b.jobId - a.jobId);
  const finished = list.find((j) => j.jobId === started && j.uploadStatus !== 'STARTED');

  return (
    <Page title="Uploads">
      <ErrorNotice>{series.error}</ErrorNotice>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          id="upload-series"
          label="Series"
          value={seriesId === undefined ? '' : String(seriesId)}
          options={options}
          onChange={(v) => navigate(v ? `/uploads?series=${v}` : '/uploads', true)}
        />
        {seriesId !== undefined && <Link to={`/series/${seriesId}`}>Open the series</Link>}
      </form>
      {seriesId !== undefined && (
        <>
          <UploadForm
            seriesId={seriesId}
            onStarted={(jobId, lines) => {
              setExpected((e) => ({ ...e, [jobId]: lines }));
              setStarted(jobId);
              jobs.reload();
            }}
          />
          {finished && finished.uploadStatus !== 'ERRORED' && (
            <StatusNotice>
              Job {finished.jobId} finished: {formatCount(finished.actualRowCount)} rows,{' '}
              {formatCount(finished.errorCount)} refused.
            </StatusNotice>
          )}
          {finished && finished.uploadStatus === 'ERRORED' && (
            <ErrorNotice>
              Job {finished.jobId} failed after {formatCount(finished.actualRowCount)} rows
              {finished.errorMessage ? `: ${finished.errorMessage}` : ''}.
            </ErrorNotice>
          )}
          <h2>Jobs of this series</h2>
          <ErrorNotice>{jobs.error}</ErrorNotice>
          {list.length === 0 && !jobs.loading && <p>No uploads yet.</p>}
          <ul class="jobs">
            {list.map((j) => (
              <JobRow key={j.jobId} job={j} expected={expected[j.jobId]} />
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}
