// What every background job is: a handler with a typed payload, the context the worker gives it while it
// runs, and the outcomes it can report. The worker (worker.ts) and the registry (handlers.ts) build on it.
import type { Logger } from 'pino';
import type { JobFence } from '../services/upload-rows.js';

/** How far a job got, for logs and tests (uploads also commit their counts to the database). */
export interface JobProgress {
  rowsDone: number;
  total: number;
  errors: number;
}

/** What a running job is given by the worker. */
export interface JobContext {
  orgId: number;
  jobId: number;
  kind: string;
  /** 1 for the first run, more after failures. */
  attempt: number;
  /** The lease: services fence their writes with it, so a job taken over by another worker writes nothing. */
  fence: JobFence;
  /** Aborted when the worker stops or loses the lease: return 'interrupted' at the next safe point. */
  signal: AbortSignal;
  reportProgress(progress: JobProgress): void;
  logger: Logger;
}

/** 'interrupted': the job stopped at a checkpoint on request and is to be resumed later. */
export type JobOutcome = 'done' | 'interrupted';

export interface JobHandler<P> {
  /** Checks a payload read back from the job table. */
  parse(payload: unknown): P;
  /** Does the work, resumably: a run after a crash or a stop continues from the last checkpoint. */
  run(payload: P, ctx: JobContext): Promise<JobOutcome>;
  /** Called once when the job is given up (a permanent failure, or the last attempt failed). */
  failed(payload: P, ctx: JobContext, error: string): Promise<void>;
}

/** A failure that another attempt cannot fix (a missing file, a layout the file does not have). */
export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailure';
  }
}
