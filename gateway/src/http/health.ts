import { Router } from 'express';
import type { Ledger } from '../fabric/ledger';
import { openApiDocument } from '../openapi';

export interface HealthRoutesOptions {
  readonly ledger: Ledger;
  /** Extra readiness checks besides the peer (e.g. the sources answer). */
  readonly ready?: () => Promise<void>;
}

/** `GET /healthz` (the process answers), `/readyz` (the peer answers) and `/openapi.json`. */
export function newHealthRoutes(options: Readonly<HealthRoutesOptions>): Router {
  const { ledger } = options;
  const routes = Router();
  routes.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  routes.get('/readyz', async (_request, response) => {
    await ledger.height();
    await options.ready?.();
    response.json({ status: 'ready', mspId: ledger.mspId });
  });
  routes.get('/openapi.json', (_request, response) => {
    response.json(openApiDocument);
  });
  return routes;
}
