import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { loadConnectionProfile, openFabricConnection } from '../fabric/connection';
import { newCommitLog } from '../fabric/commit-log';
import { newLedger } from '../fabric/ledger';
import { withSharedTransactions } from '../fabric/shared-transactions';
import { newLogger } from '../logger';
import { newSourceRegistry } from '../sources/registry';
import { openFileCheckpoint } from './checkpoint';
import { newWorkerMetrics } from './metrics';
import { newParticipant } from './participant';
import { newWebhook } from './webhook';
import { newWorker } from './worker';

export interface RunningWorker {
  /** Where /healthz and /metrics are served. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a member's participant worker with its identity, sources and checkpoint. */
export async function startWorker(config: Config): Promise<RunningWorker> {
  const logger = newLogger('corroborate-worker', config.logLevel);
  const profile = await loadConnectionProfile(config.profilePath);
  const connection = await openFabricConnection(profile);
  const metrics = newWorkerMetrics();
  const sharing = {
    lingerMs: config.worker.sharedTransactions.lingerMs,
    maxItems: config.worker.sharedTransactions.maxBlocks,
  };
  const ledger = withSharedTransactions(
    newLedger(connection, {
      commit: config.ledger,
      onCommitEvent: newCommitLog(logger, metrics),
    }),
    {
      verdicts: sharing,
      outcomes: sharing,
      onShared: (kind, blocks, ok) => {
        metrics.sharedTransactions.inc({ kind, result: ok ? 'committed' : 'failed' });
        if (ok) metrics.sharedBlocks.inc({ kind }, blocks);
      },
    },
  );
  const sources = newSourceRegistry(config.sources);
  const checkpoint = await openFileCheckpoint(config.worker.checkpointFile);
  const participant = newParticipant({
    ledger,
    // The identity the ledger submits with signs each verdict, as the contract requires.
    signingKey: connection.identity.privateKey,
    sources,
    retry: config.worker,
    onRetry: (blockId, attempt, reason) => {
      metrics.retries.inc({ reason });
      // An unreachable source is retried until shortly before the deadline, possibly for hours:
      // past the attempts that evidence gets, each retry is logged at debug only.
      const level = attempt <= config.worker.maxAttempts ? 'info' : 'debug';
      logger[level]({ blockId, attempt, reason }, 'verification failed; fetching the block again');
    },
  });
  const worker = newWorker({
    ledger,
    participant,
    checkpoint,
    metrics,
    logger,
    concurrency: config.worker.concurrency,
    finalizeGraceMs: config.worker.finalizeGraceMs,
    recheckIntervalSeconds: config.worker.recheck.intervalSeconds,
    ...(config.worker.webhook ? { webhook: newWebhook(config.worker.webhook) } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_request, response) => {
    const healthy = worker.isHealthy();
    response
      .status(healthy ? 200 : 503)
      .json({ status: healthy ? 'ok' : 'connecting', mspId: profile.mspId });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.worker.port, config.worker.host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.worker.host}:${port}`;
  logger.info({ mspId: profile.mspId, url }, 'worker started');

  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker.close();
      await sources.close();
      connection.close();
      logger.info('worker stopped');
    },
  };
}
