import { expect } from 'chai';
import * as sinon from 'sinon';
import type { FirstBlockListItem, OutcomeStatus } from '@corroborate/protocol';
import { newOverviewService } from '../../../gateway/src/overview';
import { newStubbedLedger, unreachablePeer, type StubbedLedger } from './fakes';

const now = Date.parse('2030-01-01T12:00:30Z');

function item(
  blockId: string,
  status: OutcomeStatus,
  createdAt: string,
  decidedAt?: string,
  records = 1,
): FirstBlockListItem {
  return {
    blockId,
    requester: 'Org1MSP',
    mode: 'parallel',
    sourceId: 'customers',
    records,
    participants: 2,
    threshold: 1,
    deadline: '2030-01-02T00:00:00Z',
    createdAt,
    status,
    ...(decidedAt ? { decidedAt } : {}),
  };
}

describe('overview', () => {
  const sandbox = sinon.createSandbox();
  let ledger: StubbedLedger;
  let fetch: sinon.SinonStub<Parameters<typeof globalThis.fetch>, Promise<Response>>;

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox);
    ledger.height.resolves(40n);
    ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });
    fetch = sandbox.stub<Parameters<typeof globalThis.fetch>, Promise<Response>>();
    fetch.callsFake((url) =>
      Promise.resolve(
        (url as string).endsWith('/healthz')
          ? new Response('{"status":"ok"}', { status: 200 })
          : new Response(
              '# TYPE corroborate_worker_lag_blocks gauge\ncorroborate_worker_lag_blocks 3\n',
            ),
      ),
    );
  });

  afterEach(() => {
    sandbox.restore();
  });

  function service(options: { maxPages?: number } = {}) {
    return newOverviewService({
      ledger,
      workerUrl: 'http://127.0.0.1:9090',
      now: () => now,
      fetch,
      ...options,
    });
  }

  it('counts blocks by status, paging through each listing', async () => {
    const page = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) =>
        item(`${prefix}-${index}`, 'pending', '2030-01-01T11:00:00Z'),
      );
    ledger.listFirstBlocks.callsFake((status, _size, bookmark) =>
      Promise.resolve(
        status === 'pending'
          ? bookmark === ''
            ? { items: page('a', 100), bookmark: 'next' }
            : { items: page('b', 7), bookmark: '' }
          : {
              items: status === 'expired' ? [item('x', 'expired', '2030-01-01T10:00:00Z')] : [],
              bookmark: '',
            },
      ),
    );

    const overview = await service().overview();

    expect(overview.counts).to.deep.equal({ pending: 107, accepted: 0, rejected: 0, expired: 1 });
    expect(overview.complete).to.be.true;
  });

  it('says the counts are a floor when a listing is longer than it reads', async () => {
    ledger.listFirstBlocks.callsFake((status) =>
      Promise.resolve({
        items:
          status === 'pending'
            ? Array.from({ length: 100 }, (_, index) =>
                item(`p-${index}`, 'pending', '2030-01-01T11:00:00Z'),
              )
            : [],
        bookmark: status === 'pending' ? 'more' : '',
      }),
    );

    const overview = await service({ maxPages: 2 }).overview();

    expect(overview.counts.pending).to.equal(200);
    expect(overview.complete).to.be.false;
  });

  it('charts records of accepted blocks per minute and per hour, and measures latency', async () => {
    ledger.listFirstBlocks.callsFake((status) =>
      Promise.resolve({
        items: {
          pending: [],
          accepted: [
            item('a1', 'accepted', '2030-01-01T12:00:00Z', '2030-01-01T12:00:02.5Z', 3),
            item('a2', 'accepted', '2030-01-01T11:58:00Z', '2030-01-01T11:58:10Z', 2),
            item('a3', 'accepted', '2029-12-31T00:00:00Z', '2029-12-31T00:00:01Z', 9),
          ],
          rejected: [item('r1', 'rejected', '2030-01-01T12:00:00Z', '2030-01-01T12:00:04Z')],
          expired: [item('e1', 'expired', '2030-01-01T10:00:00Z', '2030-01-01T11:00:00Z')],
        }[status],
        bookmark: '',
      }),
    );

    const overview = await service().overview();

    const minutes = overview.corroborated.perMinute;
    expect(minutes).to.have.length(60);
    expect(minutes.at(-1)).to.deep.equal({ start: '2030-01-01T12:00:00.000Z', records: 3 });
    expect(minutes.at(-3)).to.deep.equal({ start: '2030-01-01T11:58:00.000Z', records: 2 });
    const hours = overview.corroborated.perHour;
    expect(hours).to.have.length(24);
    expect(hours.at(-1)).to.deep.equal({ start: '2030-01-01T12:00:00.000Z', records: 3 });
    expect(hours.at(-2)).to.deep.equal({ start: '2030-01-01T11:00:00.000Z', records: 2 });
    expect(hours.reduce((sum, hour) => sum + hour.records, 0)).to.equal(5);
    // Accepted and rejected only: 1 s, 2.5 s, 4 s and 10 s.
    expect(overview.latency).to.deep.equal({ samples: 4, p50Ms: 2500, p95Ms: 10_000 });
  });

  it('reports the peer and the worker, with the worker lag from its metrics', async () => {
    const overview = await service().overview();

    expect(overview.peer).to.deep.equal({ reachable: true, height: '40' });
    expect(overview.worker).to.deep.equal({ reachable: true, healthy: true, lagBlocks: 3 });
    expect(fetch.firstCall.args[0]).to.equal('http://127.0.0.1:9090/healthz');
  });

  it('reports an unreachable peer and worker rather than failing', async () => {
    ledger.height.rejects(unreachablePeer());
    fetch.rejects(new TypeError('fetch failed'));

    const overview = await service().overview();

    expect(overview.peer).to.deep.equal({ reachable: false });
    expect(overview.worker).to.deep.equal({ reachable: false });
    expect(overview.counts).to.deep.equal({ pending: 0, accepted: 0, rejected: 0, expired: 0 });
    expect(overview.latency).to.deep.equal({ samples: 0 });
    sinon.assert.notCalled(ledger.listFirstBlocks);
  });

  it('reads the ledger once for calls close together', async () => {
    const overviews = service();
    await overviews.overview();
    await overviews.overview();

    expect(ledger.height.callCount).to.equal(1);
  });
});
