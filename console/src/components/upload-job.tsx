// One upload job as the console lists it: its state in words, a progress bar while it runs, its counts,
// why it failed, and links to its error and success files.
import { useState } from 'preact/hooks';
import { download, errorText } from '../api';
import { formatCount, formatInstant } from '../format';
import type { UploadJob } from '../types';

/** How a job's state reads, the same words for both kinds of upload (their APIs name states apart). */
const JOB_STATE = {
  STARTED: { words: 'running', badge: 'busy' },
  FINISHED: { words: 'finished', badge: 'ok' },
  ERRORED: { words: 'failed', badge: 'bad' },
} as const;

/** A job of either kind, with code-upload status words (QUEUED → STARTED, COMPLETED → FINISHED). */
export type Job = UploadJob & { kind: 'codes' | 'redemptions' };

/** errorFileUrl and successFileUrl name a file that the download route serves to the same org. */
const fileHref = (name: string) =>
  /^(https?:)?\//.test(name) ? name : `/coupon/api/v1/upload/files/${encodeURIComponent(name)}`;

function FileLink({ name, label }: { name: string; label: string }) {
  const [error, setError] = useState<string>();
  return (
    <>
      <a
        href={fileHref(name)}
        download={name}
        onClick={(e) => {
          e.preventDefault();
          download(fileHref(name), name).catch((err: unknown) => setError(errorText(err)));
        }}
      >
        {label}
      </a>
      {error && <span class="field-error"> {error}</span>}
    </>
  );
}

export function JobRow({ job, expected }: { job: Job; expected: number | undefined }) {
  const running = job.uploadStatus === 'STARTED';
  const max = running ? Math.max(expected ?? 0, job.totalUploadedCount, 1) : 1;
  const value = running ? job.actualRowCount : 1;
  const percent =
    running && expected ? Math.min(100, Math.floor((job.actualRowCount / max) * 100)) : undefined;
  return (
    <li class="card job" data-job-id={job.jobId} data-status={job.uploadStatus}>
      <div class="job-head">
        <strong>
          Job {job.jobId}: {job.uploadedFileName}
        </strong>
        <span class="muted">{job.kind === 'codes' ? 'codes or customers' : 'redeemed coupons'}</span>
        <span class={`badge badge-${JOB_STATE[job.uploadStatus].badge}`}>
          {JOB_STATE[job.uploadStatus].words}
        </span>
        <span class="muted">started {formatInstant(Number(job.createdOn))}</span>
      </div>
      <label for={`job-${job.jobId}-progress`} class="visually-hidden">
        Progress of job {job.jobId}
      </label>
      {running && expected === undefined ? (
        <progress id={`job-${job.jobId}-progress`} />
      ) : (
        // A new element once the job ends: Preact skips a value the browser already clamped to the new max.
        <progress
          key={running ? 'running' : 'done'}
          id={`job-${job.jobId}-progress`}
          max={max}
          value={value}
        />
      )}
      <p class="job-counts" aria-live="polite">
        <span data-count="actualRowCount">{formatCount(job.actualRowCount)}</span> rows processed
        {running && expected !== undefined && ` of about ${formatCount(expected)}`}
        {percent !== undefined && ` (${percent}%)`},{' '}
        <span data-count="errorCount">{formatCount(job.errorCount)}</span> refused
      </p>
      {job.errorMessage && (
        <p class="field-error" data-testid="job-error">
          The job failed: {job.errorMessage}
        </p>
      )}
      {(job.errorFileUrl || job.successFileUrl) && (
        <p class="job-files">
          {job.successFileUrl && <FileLink name={job.successFileUrl} label="Success file" />}
          {job.successFileUrl && job.errorFileUrl && ' · '}
          {job.errorFileUrl && (
            <FileLink name={job.errorFileUrl} label={`Error file (${formatCount(job.errorCount)} rows)`} />
          )}
        </p>
      )}
    </li>
  );
}
