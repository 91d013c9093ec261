import { Router } from 'express';
import { requireRole } from '../auth';
import type { OverviewService } from '../overview';

/** `/overview`: the dashboard's summary of this member's view of the ledger and its services. */
export function newOverviewRoutes(options: Readonly<{ overview: OverviewService }>): Router {
  const routes = Router();
  routes.get('/overview', requireRole('reader'), async (_request, response) => {
    response.json(await options.overview.overview());
  });
  return routes;
}
