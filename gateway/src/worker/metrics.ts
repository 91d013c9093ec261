import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What a worker reports at /metrics. */
export interface WorkerMetrics {
  readonly registry: Registry;
  readonly events: Counter<'event'>;
  readonly verdicts: Counter<'result' | 'reason'>;
  readonly abstentions: Counter<'reason'>;
  readonly retries: Counter<'reason'>;
  readonly finalizations: Counter<'status'>;
  readonly sharedTransactions: Counter<'kind' | 'result'>;
  readonly sharedBlocks: Counter<'kind'>;
  readonly rechecks: Counter<'result'>;
  readonly driftedRecords: Gauge;
  readonly alerts: Counter<'outcome'>;
  readonly failures: Counter<'code'>;
  readonly resubmissions: Counter<'transaction'>;
  readonly unconfirmed: Counter<'transaction'>;
  readonly lagBlocks: Gauge;
  readonly lastBlock: Gauge;
  readonly inFlight: Gauge;
}

export function newWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'corroborate_worker_' });
  return {
    registry,
    events: new Counter({
      name: 'corroborate_worker_events_total',
      help: 'Contract events processed, by event name',
      labelNames: ['event'],
      registers: [registry],
    }),
    verdicts: new Counter({
      name: 'corroborate_worker_verdicts_total',
      help: 'Verdicts recorded by this participant, by result and reason',
      labelNames: ['result', 'reason'],
      registers: [registry],
    }),
    abstentions: new Counter({
      name: 'corroborate_worker_abstentions_total',
      help: 'Verdicts this participant recorded as unverifiable (abstentions: its source could not be read before the deadline margin), by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'corroborate_worker_retries_total',
      help: 'Verification or submission retries, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    finalizations: new Counter({
      name: 'corroborate_worker_finalizations_total',
      help: 'Outcomes this participant recorded on the ledger, by status',
      labelNames: ['status'],
      registers: [registry],
    }),
    sharedTransactions: new Counter({
      name: 'corroborate_worker_shared_transactions_total',
      help: 'Transactions that recorded the verdicts or outcomes of several blocks, by kind (verdicts, outcomes) and result (committed, or failed: each block then submitted alone)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    sharedBlocks: new Counter({
      name: 'corroborate_worker_shared_blocks_total',
      help: 'Blocks named by committed shared transactions, by kind (verdicts, outcomes)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rechecks: new Counter({
      name: 'corroborate_worker_rechecks_total',
      help: 'Re-verification attestations this participant recorded, by result (matches, drifted, unreadable)',
      labelNames: ['result'],
      registers: [registry],
    }),
    driftedRecords: new Gauge({
      name: 'corroborate_worker_drifted_records',
      help: "Records whose fields differ now in this participant's source, by its latest attestation on each block since the worker started",
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'corroborate_worker_alerts_total',
      help: 'Drift alerts posted to the webhook, by outcome (delivered, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'corroborate_worker_failures_total',
      help: 'Events whose processing failed and will be retried from the checkpoint, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    resubmissions: new Counter({
      name: 'corroborate_worker_resubmissions_total',
      help: 'Transactions submitted again because their commit status did not come within ledger.commitTimeoutMs, by transaction',
      labelNames: ['transaction'],
      registers: [registry],
    }),
    unconfirmed: new Counter({
      name: 'corroborate_worker_commits_unconfirmed_total',
      help: 'Transactions given up on with COMMIT_UNCONFIRMED: no commit status after every resubmission, by transaction',
      labelNames: ['transaction'],
      registers: [registry],
    }),
    lagBlocks: new Gauge({
      name: 'corroborate_worker_lag_blocks',
      help: 'Ledger height minus the block of the last event processed',
      registers: [registry],
    }),
    lastBlock: new Gauge({
      name: 'corroborate_worker_last_block',
      help: 'Block number of the last event processed',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'corroborate_worker_in_flight',
      help: 'Events being processed now',
      registers: [registry],
    }),
  };
}
