// What the gateway and the worker make of the ledger facade's commit events: one log line and a
// count each, so that a lost transaction and its recovery show in the logs and the metrics.
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { CommitEvent } from './ledger';

/** The counters a service keeps of its commits, by transaction name. */
export interface CommitCounters {
  readonly resubmissions: Counter<'transaction'>;
  readonly unconfirmed: Counter<'transaction'>;
}

/** Logs and counts each {@link CommitEvent}; hand it to `newLedger` as `onCommitEvent`. */
export function newCommitLog(
  logger: Logger,
  counters: CommitCounters,
): (event: CommitEvent) => void {
  return (event) => {
    const fields = { transaction: event.transaction, tx: event.transactionId };
    switch (event.kind) {
      case 'resubmitted':
        counters.resubmissions.inc({ transaction: event.transaction });
        logger.warn(
          {
            ...fields,
            resubmission: event.resubmission,
            ...(event.error ? { err: event.error } : {}),
          },
          event.error
            ? 'no commit status in time; submitting the transaction again failed, still waiting for it'
            : 'no commit status in time; submitted the same transaction again',
        );
        return;
      case 'reendorsed':
        logger.warn(
          fields,
          'invalidated by an endorsement policy that changed meanwhile; endorsed again and submitted anew',
        );
        return;
      case 'duplicate':
        logger.info(fields, 'a copy of the transaction was refused by its id: it is committed');
        return;
      case 'unconfirmed':
        counters.unconfirmed.inc({ transaction: event.transaction });
        logger.error(
          { ...fields, resubmissions: event.resubmissions },
          'no commit status after every resubmission; giving up (it may still commit)',
        );
        return;
    }
  };
}
