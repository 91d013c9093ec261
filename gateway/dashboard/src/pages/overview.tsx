import type { Overview } from '@corroborate/gateway/api';
import { useEffect, useState } from 'preact/hooks';
import { describeError, getJson } from '../api';
import { ThroughputChart } from '../chart';
import { Card, ErrorNotice, Facts, Loading } from '../components';
import { subscribe } from '../events';
import { formatDuration, formatTime } from '../format';
import { requestsHref } from '../route';

const statuses = ['pending', 'accepted', 'rejected', 'expired'] as const;

export function OverviewPage() {
  const [overview, setOverview] = useState<Overview>();
  const [error, setError] = useState<string>();
  const [period, setPeriod] = useState<'minute' | 'hour'>('minute');

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      getJson<Overview>('/v1/overview')
        .then((value) => {
          setOverview(value);
          setError(undefined);
        })
        .catch((failure: unknown) => setError(describeError(failure)));
    };
    load();
    // Refreshed when the ledger moves (at most every few seconds), and each half minute.
    const interval = setInterval(load, 30_000);
    const unsubscribe = subscribe(() => {
      clearTimeout(timer);
      timer = setTimeout(load, 1500);
    });
    return () => {
      clearInterval(interval);
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);

  if (!overview) return error ? <ErrorNotice error={error} /> : <Loading what="the overview" />;
  const { counts, latency, peer, worker } = overview;
  return (
    <>
      <h1>Overview</h1>
      <ErrorNotice error={error} />
      <ul class="counts" aria-label="Requests by status">
        {statuses.map((status) => (
          <li key={status} class={`count count-${status}`}>
            <a href={requestsHref(status)}>
              <span class="count-number">
                {counts[status]}
                {overview.complete ? '' : '+'}
              </span>
              <span class="count-label">{status}</span>
            </a>
          </li>
        ))}
      </ul>
      <div class="grid">
        <Card title="Records corroborated" class="wide">
          <div class="toggle" role="group" aria-label="Period">
            {(['minute', 'hour'] as const).map((value) => (
              <button
                key={value}
                type="button"
                aria-pressed={period === value}
                onClick={() => setPeriod(value)}
              >
                Per {value}
              </button>
            ))}
          </div>
          {period === 'minute' ? (
            <ThroughputChart
              title="Records per minute, last hour"
              points={overview.corroborated.perMinute}
              unit="minute"
            />
          ) : (
            <ThroughputChart
              title="Records per hour, last day"
              points={overview.corroborated.perHour}
              unit="hour"
            />
          )}
        </Card>
        <Card title="Latency to outcome">
          <Facts
            items={[
              ['p50', formatDuration(latency.p50Ms)],
              ['p95', formatDuration(latency.p95Ms)],
              ['Measured', `${latency.samples} decided request(s)`],
            ]}
          />
        </Card>
        <Card title="This member">
          <Facts
            items={[
              ['Organisation', overview.mspId],
              [
                'Peer',
                <span class={peer.reachable ? 'ok' : 'bad'}>
                  {peer.reachable ? `reachable, height ${peer.height ?? '?'}` : 'unreachable'}
                </span>,
              ],
              [
                'Worker',
                <span class={worker.reachable && worker.healthy ? 'ok' : 'bad'}>
                  {worker.reachable ? (worker.healthy ? 'healthy' : 'connecting') : 'unreachable'}
                </span>,
              ],
              ['Worker lag', worker.lagBlocks === undefined ? '—' : `${worker.lagBlocks} block(s)`],
              ['As of', formatTime(overview.generatedAt.replace(/\.\d+Z$/, 'Z'))],
            ]}
          />
        </Card>
      </div>
    </>
  );
}
