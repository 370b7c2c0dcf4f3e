// Customers: registration, lookup, and resolving the customer a request names (SPEC §4).
import type { StorageDeps } from './deps.js';

export function createCustomerService(deps: StorageDeps) {
  void deps;
  return {};
}

export type CustomerService = ReturnType<typeof createCustomerService>;
