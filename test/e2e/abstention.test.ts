import Database from 'better-sqlite3';
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  SAMPLE_TABLE,
  sampleTableConfig,
  seedSqliteSample,
  waitForOutcome,
} from '@corroborate/dev';
import { verifyReceipt, type RequestView, type SourceConfig } from '@corroborate/gateway';
import { TIME_WINDOW_SECONDS } from '@corroborate/protocol';
import { startWorld, type E2eWorld } from './harness';

const rowId = SAMPLE_ROWS[0]?.id ?? '';

/**
 * The `fragile` source: Org1 (the requester) reads the sample table; Org2's copy of the row was
 * altered, which is evidence; Org3's file is no database at all, so its reads fail as an
 * unreachable source would, with no evidence about the record.
 */
function fragileSource(org: string, dir: string): SourceConfig[] {
  const file = join(dir, 'fragile.sqlite');
  if (org === 'org3') {
    writeFileSync(file, 'this file is not an SQLite database, and never becomes one\n'.repeat(64));
  } else {
    writeFileSync(file, '');
    const database = new Database(file);
    try {
      seedSqliteSample(database);
      if (org === 'org2') {
        database
          .prepare(`UPDATE ${SAMPLE_TABLE} SET name = ? WHERE id = ?`)
          .run('altered', BigInt(rowId));
      }
    } finally {
      database.close();
    }
  }
  return [
    {
      id: 'fragile',
      kind: 'sqlite',
      file,
      tables: { [SAMPLE_TABLE]: sampleTableConfig('sqlite') },
    },
  ];
}

describe('end to end: a member that cannot read its source abstains', function () {
  let world: E2eWorld;

  before(async function () {
    this.timeout(600_000);
    world = await startWorld({ sources: fragileSource });
  });

  after(async function () {
    this.timeout(120_000);
    await world?.consortium.stop();
  });

  /** The worker's metrics once they name `series`, polled for up to 30 s. */
  async function workerMetricsOnceCounted(url: string, series: string): Promise<string> {
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      const metrics = await (await fetch(url)).text();
      if (metrics.includes(series) || Date.now() > giveUpAt) return metrics;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Polls the request until every voter has recorded its verdict. */
  async function allVerdicts(id: string, timeoutMs: number): Promise<RequestView> {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      const view = await world.org1.getRequest(id);
      if (view.progress.awaiting === 0) return view;
      if (Date.now() > giveUpAt) {
        throw new Error(`${id}: verdicts still awaited: ${JSON.stringify(view.verdicts)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('is no vote against the record: one invalid verdict and one abstention leave the request pending until it expires, never rejected', async function () {
    // The abstention comes at the deadline less the worker's margin (15 s); expiry after the
    // deadline, the network's time window and the sweep.
    const deadlineSeconds = 30;
    this.timeout((deadlineSeconds + TIME_WINDOW_SECONDS + 120) * 1000);
    const submitted = await world.org1.submit({
      sourceId: 'fragile',
      read: {
        kind: 'sql',
        table: SAMPLE_TABLE,
        key: { id: rowId },
        columns: [...SAMPLE_COLUMNS],
      },
      deadlineSeconds,
    });

    const voted = await allVerdicts(submitted.id, deadlineSeconds * 1000);

    const org2 = voted.verdicts.find((verdict) => verdict.participant === 'Org2MSP');
    const org3 = voted.verdicts.find((verdict) => verdict.participant === 'Org3MSP');
    expect(org2).to.include({ result: 'invalid', reason: 'HASH_MISMATCH' });
    expect(org3).to.include({
      result: 'unverifiable',
      reason: 'SOURCE_UNAVAILABLE',
      observedHash: '',
    });
    // Retried while the deadline allowed, far beyond the attempts evidence gets.
    expect(org3?.attempts).to.be.above(3);
    // Two invalid verdicts of two voters would have rejected it; an abstention does not.
    expect(voted.status).to.equal('pending');
    expect(voted.progress).to.deep.equal({
      participants: 2,
      threshold: 1,
      valid: 0,
      invalid: 1,
      unverifiable: 1,
      awaiting: 0,
      canBeAccepted: false,
    });
    // The worker counts its verdict once it learns of the commit, which can be a moment after the
    // gateway reads the verdict from the ledger.
    const metrics = await workerMetricsOnceCounted(
      `${world.consortium.members[2]?.workerUrl}/metrics`,
      'corroborate_worker_abstentions_total{',
    );
    expect(metrics).to.include(
      'corroborate_worker_abstentions_total{reason="SOURCE_UNAVAILABLE"} 1',
    );
    expect(metrics).to.include(
      'corroborate_worker_verdicts_total{result="unverifiable",reason="SOURCE_UNAVAILABLE"} 1',
    );

    const expired = await waitForOutcome(
      world.org1,
      submitted.id,
      (deadlineSeconds + TIME_WINDOW_SECONDS + 90) * 1000,
    );

    expect(expired.status).to.equal('expired');
    expect(expired.outcome).to.include({ recorded: true, valid: 0, invalid: 1, unverifiable: 1 });
    const verification = verifyReceipt(await world.org1.getReceipt(submitted.id));
    expect(verification, JSON.stringify(verification.checks)).to.include({
      valid: true,
      status: 'expired',
    });
  });
});
