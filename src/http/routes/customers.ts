// Customer routes (SPEC §4 beyond): register and look up.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';

export function customerRoutes(app: FastifyInstance, services: Services): void {
  void app;
  void services;
}
