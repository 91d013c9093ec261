import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config';
import type { Ledger } from './fabric/ledger';
import { newAccessControl } from './http/access';
import { join } from 'node:path';
import { newParticipantRoutes } from './http/admin';
import { newDashboardRoutes } from './http/dashboard';
import { errorHandler, notFound } from './http/errors';
import { newEventRoutes } from './http/events';
import { newHealthRoutes } from './http/health';
import { newRequestLogger } from './http/logging';
import { newGatewayMetrics, type GatewayMetrics } from './http/metrics';
import { newMethodGuard } from './http/methods';
import { newOverviewRoutes } from './http/overview';
import { newRequestRoutes } from './http/requests';
import { openApiDocument } from './openapi';
import { newOverviewService } from './overview';
import type { RequestService } from './requests';
import type { SourceRegistry } from './sources/source';

export interface AppDependencies {
  readonly config: GatewayConfig;
  readonly ledger: Ledger;
  /** The contract as the member's admin; governance routes submit through it (default: ledger). */
  readonly adminLedger?: Ledger;
  readonly requests: RequestService;
  /**
   * This member's sources: a receipt's field proof of a hash-only block reads its record here.
   * Without them such a block gets record proofs only.
   */
  readonly sources?: SourceRegistry;
  readonly logger: Logger;
  /** Named in receipts, so that a verifier knows where to find the transactions. */
  readonly channel?: string;
  readonly chaincode?: string;
  /**
   * The metrics to serve, when the caller counts into them too (the ledger facade's commit
   * events); new ones otherwise.
   */
  readonly metrics?: GatewayMetrics;
  /** Extra readiness checks besides the peer (e.g. the sources answer). */
  readonly ready?: () => Promise<void>;
  /** This member's worker (its `/healthz` and `/metrics`), which the overview reports on. */
  readonly workerUrl?: string;
  /** The built dashboard; by default the dashboard package's `dist` beside this one. */
  readonly dashboardDirectory?: string;
}

export interface GatewayApp {
  readonly app: Express;
  readonly registry: Registry;
  /** Ends open event streams, so that the server can close. */
  readonly closeStreams: () => void;
}

/**
 * Builds the gateway's Express application from its route modules; {@link startGateway} makes it
 * listen. The service endpoints and the dashboard's files answer without a key; everything under
 * `/v1` needs one.
 */
export function newApp(deps: AppDependencies): GatewayApp {
  const { config, ledger, logger } = deps;
  const metrics = deps.metrics ?? newGatewayMetrics();
  const events = newEventRoutes({ ledger });

  const v1 = express.Router();
  v1.use(newAccessControl({ config, logger }));
  v1.use(express.json({ limit: config.bodyLimitBytes, strict: true, type: () => true }));
  v1.use(
    newRequestRoutes({
      config,
      ledger,
      requests: deps.requests,
      submissions: metrics.submissions,
      ...(deps.sources ? { sources: deps.sources } : {}),
      ...(deps.channel ? { channel: deps.channel } : {}),
      ...(deps.chaincode ? { chaincode: deps.chaincode } : {}),
    }),
  );
  v1.use(events.routes);
  v1.use(
    newParticipantRoutes({
      ledger,
      ...(deps.adminLedger ? { adminLedger: deps.adminLedger } : {}),
    }),
  );
  v1.use(
    newOverviewRoutes({
      overview: newOverviewService({
        ledger,
        ...(deps.workerUrl ? { workerUrl: deps.workerUrl } : {}),
      }),
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(newRequestLogger(logger));
  app.use(metrics.observe);
  app.use(newHealthRoutes({ ledger, ...(deps.ready ? { ready: deps.ready } : {}) }));
  app.use(metrics.routes);
  app.use(
    newDashboardRoutes({
      directory: deps.dashboardDirectory ?? join(__dirname, '..', 'dashboard', 'dist'),
    }),
  );
  app.use('/v1', v1);
  app.use(newMethodGuard(openApiDocument.paths));
  app.use(notFound);
  app.use(errorHandler);

  return { app, registry: metrics.registry, closeStreams: events.closeStreams };
}
