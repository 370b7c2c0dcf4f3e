// What every service may depend on. Each service takes only what it uses (docs/architecture.md "Conventions": no object that carries every dependency).
import type { Engine } from '../storage/database.js';
import type { Stores } from '../storage/stores.js';

export interface StorageDeps {
  engine: Engine;
  stores: Stores;
  /** The clock, in epoch ms; tests substitute it. */
  now: () => number;
}
