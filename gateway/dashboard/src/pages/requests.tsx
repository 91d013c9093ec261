import type { RequestPage, RequestView } from '@corroborate/gateway/api';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, describeError, getJson } from '../api';
import { ErrorNotice, Loading, StatusBadge } from '../components';
import { subscribe, watchLiveness } from '../events';
import { formatTime } from '../format';
import { requestHref, requestsHref } from '../route';

type Item = RequestPage['items'][number];
const statuses = ['pending', 'accepted', 'rejected', 'expired'] as const;
const pageSize = 20;

/** Where a page starts: a status of the listing and the ledger's bookmark within it. */
interface Cursor {
  readonly status: number;
  readonly bookmark: string;
}

interface Page {
  readonly items: Item[];
  readonly next: Cursor | undefined;
}

/** Reads one page of the listing, running on into the next status when `all` are shown. */
async function readPage(filter: string, cursor: Cursor): Promise<Page> {
  const chosen = filter === 'all' ? statuses : statuses.filter((status) => status === filter);
  const items: Item[] = [];
  let { status, bookmark } = cursor;
  while (status < chosen.length && items.length < pageSize) {
    const page = await getJson<RequestPage>(
      `/v1/requests?status=${chosen[status]}&pageSize=${pageSize - items.length}` +
        (bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ''),
    );
    items.push(...page.items);
    if (page.bookmark === '') {
      status += 1;
      bookmark = '';
    } else {
      bookmark = page.bookmark;
    }
  }
  return { items, next: status < chosen.length ? { status, bookmark } : undefined };
}

/** What the operator can search for in one request: id, source, requester, tables and keys. */
function searchText(item: Item, view: RequestView | undefined): string {
  const reads =
    view?.block.content.records.map((record) =>
      record.read.kind === 'sql'
        ? `${record.read.table} ${Object.entries(record.read.key)
            .map(([column, value]) => `${column}=${String(value)}`)
            .join(' ')}`
        : record.read.path,
    ) ?? [];
  return [item.blockId, item.sourceId, item.requester, ...reads].join(' ').toLowerCase();
}

export function readsSummary(view: RequestView | undefined): string {
  if (!view) return '…';
  const records = view.block.content.records;
  const first = records[0]?.read;
  if (!first) return '—';
  const text =
    first.kind === 'sql'
      ? `${first.table} ${Object.entries(first.key)
          .map(([column, value]) => `${column}=${String(value)}`)
          .join(', ')}`
      : first.path;
  return records.length > 1 ? `${text} (+${records.length - 1} more)` : text;
}

function verdictsSummary(view: RequestView): string {
  const valid = view.verdicts.filter((verdict) => verdict.result === 'valid').length;
  const invalid = view.verdicts.length - valid;
  return `${valid} valid, ${invalid} invalid of ${view.progress.participants}`;
}

export function RequestsPage({ status, query }: { status: string; query: string }) {
  const [cursors, setCursors] = useState<Cursor[]>([{ status: 0, bookmark: '' }]);
  const [page, setPage] = useState<Page>();
  const [views, setViews] = useState<Map<string, RequestView>>(new Map());
  const [exact, setExact] = useState<RequestView>();
  const [error, setError] = useState<string>();
  const [announcement, setAnnouncement] = useState('');
  const [live, setLive] = useState(false);
  const [search, setSearch] = useState(query);
  const requested = useRef(new Set<string>());

  const cursor = cursors[cursors.length - 1] ?? { status: 0, bookmark: '' };

  useEffect(() => {
    setPage(undefined);
    readPage(status, cursor)
      .then((value) => {
        setPage(value);
        setError(undefined);
      })
      .catch((failure: unknown) => setError(describeError(failure)));
  }, [status, cursor]);

  useEffect(() => setSearch(query), [query]);

  const loadView = (id: string, again = false) => {
    if (requested.current.has(id) && !again) return;
    requested.current.add(id);
    getJson<RequestView>(`/v1/requests/${encodeURIComponent(id)}`)
      .then((view) => setViews((current) => new Map(current).set(id, view)))
      .catch(() => requested.current.delete(id));
  };

  // The table and key of each listed request are in its first block.
  useEffect(() => page?.items.forEach((item) => loadView(item.blockId)), [page]);

  // An exact id finds a request wherever it is listed.
  useEffect(() => {
    setExact(undefined);
    const id = query.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id)) return;
    getJson<RequestView>(`/v1/requests/${encodeURIComponent(id)}`)
      .then((view) => {
        setExact(view);
        setViews((current) => new Map(current).set(view.id, view));
      })
      .catch((failure: unknown) => {
        if (!(failure instanceof ApiError && failure.status === 404)) {
          setError(describeError(failure));
        }
      });
  }, [query]);

  useEffect(() => watchLiveness(setLive), []);
  useEffect(
    () =>
      subscribe((event) => {
        const blockId = typeof event.data.blockId === 'string' ? event.data.blockId : '';
        if (event.name === 'FirstBlockCreated') {
          if (status !== 'all' && status !== 'pending') return;
          const data = event.data as unknown as Omit<Item, 'status' | 'createdAt'>;
          const item: Item = {
            blockId,
            requester: data.requester,
            mode: data.mode,
            sourceId: data.sourceId,
            records: data.records,
            participants: data.participants,
            threshold: data.threshold,
            deadline: data.deadline,
            createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            status: 'pending',
          };
          setPage((current) =>
            current && !current.items.some((known) => known.blockId === blockId)
              ? { ...current, items: [item, ...current.items] }
              : current,
          );
          setAnnouncement(`New request ${blockId} from ${data.requester}`);
          loadView(blockId, true);
        } else if (event.name === 'VerdictRecorded') {
          loadView(blockId, true);
        } else if (event.name === 'OutcomeDecided') {
          const decided = String(event.data.status) as Item['status'];
          setPage(
            (current) =>
              current && {
                ...current,
                items: current.items.map((known) =>
                  known.blockId === blockId ? { ...known, status: decided } : known,
                ),
              },
          );
          setAnnouncement(`Request ${blockId} ${decided}`);
          loadView(blockId, true);
        }
      }),
    [status],
  );

  const shown = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const items = page?.items ?? [];
    const matches = needle
      ? items.filter((item) => searchText(item, views.get(item.blockId)).includes(needle))
      : items;
    if (exact && !matches.some((item) => item.blockId === exact.id)) {
      const content = exact.block.content;
      matches.unshift({
        blockId: exact.id,
        requester: content.requester.mspId,
        mode: content.mode,
        sourceId: content.interface.sourceId,
        records: content.records.length,
        participants: exact.block.participants.length,
        threshold: exact.block.threshold,
        deadline: content.deadline,
        createdAt: exact.block.createdAt,
        status: exact.status,
      });
    }
    return matches;
  }, [page, views, query, exact]);

  const submitSearch = (event: Event) => {
    event.preventDefault();
    location.hash = requestsHref(status, search.trim());
  };

  return (
    <>
      <h1>Requests</h1>
      <form class="filters" role="search" onSubmit={submitSearch}>
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              location.hash = requestsHref(event.currentTarget.value, query);
            }}
          >
            {['all', ...statuses].map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Search
          <input
            type="search"
            value={search}
            placeholder="request id, source, table, key or requester"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
        <span class={`live ${live ? 'on' : 'off'}`}>{live ? '● Live' : '○ Reconnecting'}</span>
      </form>
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <ErrorNotice error={error} />
      {page === undefined && !error ? <Loading what="requests" /> : null}
      {page !== undefined ? (
        <>
          <table class="requests">
            <caption class="visually-hidden">
              Requests{status === 'all' ? '' : ` with status ${status}`}
              {query ? ` matching “${query}”` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Table and key</th>
                <th scope="col">Requester</th>
                <th scope="col">Verdicts</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((item) => {
                const view = views.get(item.blockId);
                return (
                  <tr key={item.blockId} data-request={item.blockId}>
                    <th scope="row" data-label="Request">
                      <a href={requestHref(item.blockId)}>{item.blockId}</a>
                    </th>
                    <td data-label="Status">
                      <StatusBadge status={view?.status ?? item.status} />
                    </td>
                    <td data-label="Source">{item.sourceId}</td>
                    <td data-label="Table and key">{readsSummary(view)}</td>
                    <td data-label="Requester">{item.requester}</td>
                    <td data-label="Verdicts">{view ? verdictsSummary(view) : '…'}</td>
                    <td data-label="Created">
                      {formatTime(view?.block.createdAt ?? item.createdAt)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {shown.length === 0 ? <p class="empty">No requests to show.</p> : null}
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => setCursors((current) => current.slice(0, -1))}
            >
              ← Previous
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={page.next === undefined}
              onClick={() => {
                const next = page.next;
                if (next) setCursors((current) => [...current, next]);
              }}
            >
              Next →
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}
