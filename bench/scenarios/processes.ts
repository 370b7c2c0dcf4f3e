// `processes` (issue 17 item 6): is_redeemable and redeem with COUPOND_PROCESSES=2 beside 1, same run, as
// rows `processes-1` and `processes-2` (the operation in `notes`). The setting comes with another branch
// (issue 17 item 3); until the server knows it, both rows say "not available" and carry no rate, which
// neither fails the run nor meets a target.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../instance.js';
import type { ScenarioResult } from '../results.js';

/** Whether this build's configuration reads COUPOND_PROCESSES. */
function supported(): boolean {
  const config = path.resolve(import.meta.dirname, '../../src/config.ts');
  return fs.existsSync(config) && fs.readFileSync(config, 'utf8').includes('COUPOND_PROCESSES');
}

export function runProcesses(database: Database): ScenarioResult[] {
  const note = supported()
    ? 'not measured yet: COUPOND_PROCESSES exists, wire startCoupond to pass it (bench/processes.ts)'
    : 'not available: this build has no COUPOND_PROCESSES setting';
  return (['processes-1', 'processes-2'] as const).map((name) => ({
    name,
    database: database.kind,
    unit: 'req/s',
    notes: [`is_redeemable and redeem: ${note}`],
  }));
}
