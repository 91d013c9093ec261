import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { newApp } from './app';
import type { Config } from './config';
import { loadConnectionProfile, openFabricConnection } from './fabric/connection';
import { newCommitLog } from './fabric/commit-log';
import { newAdminLedger, newLedger } from './fabric/ledger';
import { newGatewayMetrics } from './http/metrics';
import { newLogger } from './logger';
import { newRequestService } from './requests';
import { newSourceRegistry } from './sources/registry';

export interface RunningGateway {
  readonly url: string;
  readonly mspId: string;
  close(): Promise<void>;
}

/** Starts a member's gateway: its Fabric identity, its sources and the HTTP API. */
export async function startGateway(config: Config): Promise<RunningGateway> {
  const logger = newLogger('corroborate-gateway', config.logLevel);
  const profile = await loadConnectionProfile(config.profilePath);
  // The gateway alone signs governance, with the member's admin identity when it has one.
  const connection = await openFabricConnection(profile, { withAdmin: true });
  const metrics = newGatewayMetrics();
  const ledgerOptions = { commit: config.ledger, onCommitEvent: newCommitLog(logger, metrics) };
  const ledger = newLedger(connection, ledgerOptions);
  const adminLedger = newAdminLedger(connection, ledgerOptions);
  const sources = newSourceRegistry(config.sources);
  const requests = newRequestService({
    ledger,
    sources,
    identity: connection.identity,
    defaultDeadlineSeconds: config.gateway.defaultDeadlineSeconds,
  });
  const { app, closeStreams } = newApp({
    config: config.gateway,
    ledger,
    ...(adminLedger ? { adminLedger } : {}),
    requests,
    sources,
    logger,
    metrics,
    channel: profile.channel,
    chaincode: profile.chaincode,
    ...(config.worker.port !== 0 ? { workerUrl: workerUrlOf(config.worker) } : {}),
  });
  // HTTPS when the member gives a certificate (gateways reached across hosts); plain HTTP stays
  // for a gateway that only its own machine reaches.
  const tls = config.gateway.tls;
  const server = await new Promise<Server>((resolve, reject) => {
    if (tls) {
      const secure = createHttpsServer(
        { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
        app,
      );
      secure.once('error', reject);
      secure.listen(config.gateway.port, config.gateway.host, () => resolve(secure));
      return;
    }
    const listening = app.listen(config.gateway.port, config.gateway.host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${config.gateway.host}:${port}`;
  logger.info(
    { mspId: profile.mspId, url, adminIdentity: adminLedger !== undefined },
    'gateway listening',
  );

  return {
    url,
    mspId: profile.mspId,
    close: async () => {
      // Stop taking requests, let those in flight finish, then release the peer and sources.
      closeStreams();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await sources.close();
      connection.close();
      logger.info('gateway stopped');
    },
  };
}

/** Where this member's worker answers, as seen from its gateway on the same host. */
function workerUrlOf(worker: Config['worker']): string {
  const host = worker.host === '0.0.0.0' || worker.host === '::' ? '127.0.0.1' : worker.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${worker.port}`;
}
