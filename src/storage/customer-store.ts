// Customers and their identifiers. (Being written: see the customers task.)
import type { Engine } from './database.js';

export function createCustomerStore(engine: Engine) {
  void engine;
  return {};
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
