import { Router } from 'express';
import type { Ledger } from '../fabric/ledger';
import { openApiDocument } from '../openapi';
import { assertAccepts } from './parameters';

export interface HealthRoutesOptions {
  readonly ledger: Ledger;
  /** Extra readiness checks besides the peer (e.g. the sources answer). */
  readonly ready?: () => Promise<void>;
}

/** `GET /healthz` (the process answers), `/readyz` (the peer answers) and `/openapi.json`. */
export function newHealthRoutes(options: Readonly<HealthRoutesOptions>): Router {
  const { ledger } = options;
  const routes = Router();
  routes.get('/healthz', (request, response) => {
    assertAccepts(request, 'application/json');
    response.json({ status: 'ok' });
  });
  routes.get('/readyz', async (request, response) => {
    assertAccepts(request, 'application/json');
    await ledger.height();
    await options.ready?.();
    response.json({ status: 'ready', mspId: ledger.mspId });
  });
  routes.get('/openapi.json', (request, response) => {
    assertAccepts(request, 'application/json');
    response.json(openApiDocument);
  });
  return routes;
}
