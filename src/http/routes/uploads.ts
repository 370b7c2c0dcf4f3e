// Upload routes (SPEC §10). Being written: see the uploads task.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';

export async function uploadRoutes(app: FastifyInstance, services: Services): Promise<void> {
  void app;
  void services;
}
