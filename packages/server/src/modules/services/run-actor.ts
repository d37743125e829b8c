import type { FastifyRequest } from 'fastify';
import type { RunActor } from './services.service.ts';

/** Who asked for a run: what the service returns is written with their credentials (a key's scope applies). */
export const runActor = (request: FastifyRequest): RunActor => ({
  userId: request.principal!.user.id,
  apiKeyId: request.principal!.apiKey?.id ?? null,
});
