// What every service may depend on. Each service takes only what it uses (STYLE.md: no god object).
import type { Engine } from '../storage/database.js';
import type { Stores } from '../storage/stores.js';

export interface StorageDeps {
  engine: Engine;
  stores: Stores;
  /** The clock, in epoch ms; tests substitute it. */
  now: () => number;
}
