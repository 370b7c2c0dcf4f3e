// The upload scenarios: a NOT_TAGGED file of codes (upload-codes) and a list of mobiles that each get a
// generated code (upload-audience), timed from the POST to FINISHED in the upload status, with rows/s
// and the server's peak memory over that time.
import fs from 'node:fs';
import path from 'node:path';
import { createSeries, uploadFile, uploadStatus, type UploadJobStatus } from '../api.js';
import { audienceFile, codesFile } from '../data.js';
import type { Instance } from '../instance.js';
import { measureCpu, round2, trackPeakRss } from '../machine.js';
import type { Options } from '../options.js';
import type { ScenarioResult } from '../results.js';
import { profiled } from '../measure.js';

export type UploadKind = 'upload-codes' | 'upload-audience';

/** Status reads while waiting: often enough for a ±0.2 s figure, rare enough to cost the server nothing. */
const POLL_MS = 200;

export async function runUpload(o: Options, inst: Instance, kind: UploadKind): Promise<ScenarioResult> {
  const database = inst.database.kind;
  const rows = o.uploadRows;
  const seriesId = await createSeries(inst.client, `bench ${kind}`);
  const file = path.join(inst.store.dataDir, `${kind}.csv`);
  if (kind === 'upload-codes') await codesFile(file, rows);
  else await audienceFile(file, rows);
  const fields: Record<string, string> =
    kind === 'upload-codes'
      ? { customerIdentifier: 'NOT_TAGGED' }
      : { customerIdentifier: 'MOBILE', customerIdentifierColumn: '0' };
  const bytes = fs.statSync(file).size;

  const around = profiled(inst.server, inst.hooks, `${database}-${kind}`);
  await around?.before();
  const stopCpu = measureCpu(inst.server.pid, database === 'postgres');
  const stopRss = trackPeakRss(inst.server.pid);
  const t0 = performance.now();
  const jobId = await uploadFile(inst.client, seriesId, file, fields);
  const postSeconds = (performance.now() - t0) / 1000;
  let status: UploadJobStatus;
  for (;;) {
    status = await uploadStatus(inst.client, seriesId, jobId);
    if (status.uploadStatus !== 'STARTED') break;
    if (performance.now() - t0 > o.uploadTimeoutSeconds * 1000) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = stopCpu();
  const peakRssMB = stopRss();
  await around?.after();

  const done = status.actualRowCount;
  const rate = Math.round(done / seconds);
  const notes = [
    `${rows.toLocaleString('en')} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB; the POST itself took ${postSeconds.toFixed(2)} s`,
  ];
  let error: string | undefined;
  if (status.uploadStatus === 'ERRORED') error = `the job ended ERRORED after ${done} rows`;
  else if (status.uploadStatus === 'STARTED') {
    error = `not FINISHED after ${o.uploadTimeoutSeconds} s: ${done} of ${rows} rows done`;
    notes.push(`at ${rate} rows/s the whole file would take about ${Math.round(rows / Math.max(rate, 1))} s`);
  } else if (status.errorCount > 0) error = `${status.errorCount} rows refused (see the job's error file)`;
  else if (done !== rows) error = `FINISHED with ${done} rows processed, expected ${rows}`;
  return {
    name: kind,
    database,
    unit: 'rows/s',
    rate,
    seconds: round2(seconds),
    rows: done,
    peakRssMB,
    cpu,
    ...(error ? { error } : {}),
    notes,
  };
}
