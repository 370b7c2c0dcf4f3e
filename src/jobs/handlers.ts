// The job registry: every kind of background job, its payload type and its handler. The registry is
// complete by construction (a kind without a handler does not compile), and the worker refuses to start
// when the job table holds a kind this registry lacks (docs/architecture.md "Jobs and uploads"). New kinds (SMS outbox, webhooks,
// periodic work) are one line in JobPayloads and one in createHandlers.
import type { Services } from '../services/index.js';
import { UPLOAD_JOB_KINDS, type UploadJobPayload } from '../services/uploads.js';
import { importCodes } from './import-codes.js';
import { importRedemptions } from './import-redemptions.js';
import type { JobHandler } from './job.js';
import { DEFAULT_BATCH_SIZES, type BatchSizes } from './upload-run.js';

export interface JobPayloads {
  [UPLOAD_JOB_KINDS.codes]: UploadJobPayload;
  [UPLOAD_JOB_KINDS.redemptions]: UploadJobPayload;
}
export type JobKind = keyof JobPayloads;

export type Handlers = { [K in JobKind]: JobHandler<JobPayloads[K]> };

export interface HandlerDeps {
  services: Pick<Services, 'orgs' | 'uploadRows'>;
  batchSizes?: Partial<BatchSizes>;
}

/** The handlers, one per kind. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const sizes = { ...DEFAULT_BATCH_SIZES, ...deps.batchSizes };
  return {
    [UPLOAD_JOB_KINDS.codes]: importCodes(deps.services, sizes),
    [UPLOAD_JOB_KINDS.redemptions]: importRedemptions(deps.services, sizes),
  };
}
