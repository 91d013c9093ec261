import { Router, type Request, type RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { assertAccepts } from './parameters';

/**
 * The gateway's Prometheus metrics: HTTP traffic by route, submissions by result code, and the
 * transactions submitted again for want of a commit status.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly submissions: Counter<'code'>;
  readonly resubmissions: Counter<'transaction'>;
  readonly unconfirmed: Counter<'transaction'>;
  /** Counts and times every request under the route that served it. */
  readonly observe: RequestHandler;
  /** `GET /metrics`. */
  readonly routes: Router;
}

export function newGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'corroborate_gateway_' });
  const httpRequests = new Counter({
    name: 'corroborate_gateway_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'corroborate_gateway_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route', 'method'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const submissions = new Counter({
    name: 'corroborate_gateway_submissions_total',
    help: 'First blocks submitted, by result code',
    labelNames: ['code'],
    registers: [registry],
  });
  const resubmissions = new Counter({
    name: 'corroborate_gateway_resubmissions_total',
    help: 'Transactions submitted again because their commit status did not come within ledger.commitTimeoutMs, by transaction',
    labelNames: ['transaction'],
    registers: [registry],
  });
  const unconfirmed = new Counter({
    name: 'corroborate_gateway_commits_unconfirmed_total',
    help: 'Transactions given up on with COMMIT_UNCONFIRMED: no commit status after every resubmission, by transaction',
    labelNames: ['transaction'],
    registers: [registry],
  });
  const observe: RequestHandler = (request, response, next) => {
    const end = httpDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = routeOf(request);
      end({ route });
      httpRequests.inc({ route, method: request.method, status: String(response.statusCode) });
    });
    next();
  };
  const routes = Router();
  routes.get('/metrics', async (request, response) => {
    assertAccepts(request, 'text/plain');
    response.type(registry.contentType).send(await registry.metrics());
  });
  return { registry, submissions, resubmissions, unconfirmed, observe, routes };
}

// The route template, not the path: one series per route, however many ids are asked for.
function routeOf(request: Request): string {
  const route = (request.route as { path?: string } | undefined)?.path;
  return route ? `${request.baseUrl}${route}` : 'unmatched';
}
