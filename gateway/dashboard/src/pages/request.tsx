import type { RequestView } from '@corroborate/gateway/api';
import type { ReceiptVerification } from '@corroborate/gateway/receipt';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError, getJson, getText } from '../api';
import { Card, ErrorNotice, Facts, Hash, Loading, StatusBadge } from '../components';
import { subscribe } from '../events';
import { formatTime, plural } from '../format';
import { verifyReceiptInBrowser } from '../verify/verify';

type Verdict = RequestView['verdicts'][number];

interface Transaction {
  readonly what: string;
  readonly txId: string;
  readonly at: string | undefined;
  readonly blockNumber?: string;
}

interface ReceiptState {
  readonly text: string;
  readonly verification: ReceiptVerification;
  readonly source: string;
}

export function RequestPage({ id }: { id: string }) {
  const [view, setView] = useState<RequestView>();
  const [error, setError] = useState<string>();
  const [receipt, setReceipt] = useState<ReceiptState>();
  const [receiptError, setReceiptError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const receiptUrl = useMemo(
    () => receipt && URL.createObjectURL(new Blob([receipt.text], { type: 'application/json' })),
    [receipt],
  );
  useEffect(() => () => receiptUrl && URL.revokeObjectURL(receiptUrl), [receiptUrl]);

  useEffect(() => {
    const load = () =>
      getJson<RequestView>(`/v1/requests/${encodeURIComponent(id)}`)
        .then((value) => {
          setView(value);
          setError(undefined);
        })
        .catch((failure: unknown) => setError(describeError(failure)));
    void load();
    return subscribe((event) => {
      if (event.data.blockId === id) void load();
    });
  }, [id]);

  const verifyServed = async () => {
    setBusy(true);
    setReceiptError(undefined);
    try {
      const text = await getText(`/v1/requests/${encodeURIComponent(id)}/receipt`);
      setReceipt({ text, verification: verifyReceiptInBrowser(text), source: 'from this gateway' });
    } catch (failure) {
      setReceiptError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const verifyFile = async (file: File | undefined) => {
    if (!file) return;
    const text = await file.text();
    setReceipt({ text, verification: verifyReceiptInBrowser(text), source: `file ${file.name}` });
  };

  if (!view) return error ? <ErrorNotice error={error} /> : <Loading what={`request ${id}`} />;
  const { block, outcome, progress } = view;
  const content = block.content;
  const requester = content.requester.mspId;
  const voters = block.participants.filter((participant) => participant !== requester);
  // What has been recorded so far; a recorded outcome counts only the verdicts that decided it.
  const tally = countResults(view.verdicts);
  const byParticipant = new Map(view.verdicts.map((verdict) => [verdict.participant, verdict]));
  const blockNumbers = receiptBlockNumbers(receipt?.text);
  const transactions: Transaction[] = [
    { what: 'First block', txId: block.txId, at: block.createdAt },
    ...view.verdicts.map((verdict) => ({
      what: `Verdict of ${verdict.participant}`,
      txId: verdict.txId,
      at: verdict.recordedAt,
    })),
    ...(outcome.recorded && outcome.txId
      ? [{ what: `Outcome: ${outcome.status}`, txId: outcome.txId, at: outcome.decidedAt }]
      : []),
  ];

  return (
    <>
      <p class="crumbs">
        <a href="#/requests">Requests</a> / {id}
      </p>
      <h1>
        Request <span class="mono">{id}</span> <StatusBadge status={view.status} />
      </h1>
      <ErrorNotice error={error} />
      <div class="grid">
        <Card title="Threshold progress" class="wide">
          <Progress
            valid={tally.valid}
            invalid={tally.invalid}
            voters={progress.participants}
            threshold={progress.threshold}
          />
          <p>
            {outcome.recorded
              ? `Outcome ${outcome.status}, recorded ${formatTime(outcome.decidedAt)}, decided on ${outcome.valid} valid and ${outcome.invalid} invalid verdict(s).`
              : `No outcome recorded yet: ${tally.valid} of the ${progress.threshold} valid verdict(s) needed, ${plural(progress.participants - tally.valid - tally.invalid, 'voter')} still to answer.`}
          </p>
        </Card>
        <Card title="First block">
          <Facts
            items={[
              ['Source', `${content.interface.sourceId} (${content.interface.connector})`],
              ['Mode', `${content.mode}${content.hashOnly ? ', hashes only' : ''}`],
              ['Deadline', formatTime(content.deadline)],
              ['Requester', `${requester} (does not vote)`],
              ['Certificate', <Hash value={content.requester.certFingerprint} />],
              ['Created', formatTime(block.createdAt)],
              ['Batch root', <Hash value={content.batchRoot} />],
              ['Content hash', <Hash value={block.contentHash} />],
              ['Scheme', content.scheme],
            ]}
          />
        </Card>
        <Card title={`Records (${content.records.length})`}>
          <ol class="records">
            {content.records.map((record, index) => (
              <li key={index}>
                <p>
                  {record.read.kind === 'sql' ? (
                    <>
                      table <strong>{record.read.table}</strong>, key{' '}
                      <strong>
                        {Object.entries(record.read.key)
                          .map(([column, value]) => `${column}=${String(value)}`)
                          .join(', ')}
                      </strong>
                      , columns {record.read.columns.join(', ')}
                    </>
                  ) : (
                    <>
                      path <strong>{record.read.path}</strong>, pointer{' '}
                      <strong>{record.read.pointer || '(whole document)'}</strong>
                    </>
                  )}
                </p>
                <p>
                  record hash <Hash value={record.recordHash} />
                </p>
                <details>
                  <summary>Field hashes ({Object.keys(record.fieldHashes).length})</summary>
                  <ul class="plain">
                    {Object.entries(record.fieldHashes).map(([name, hash]) => (
                      <li key={name}>
                        {name}: <Hash value={hash} />
                      </li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ol>
        </Card>
      </div>

      <section class="card" aria-labelledby="verdicts-heading">
        <h2 id="verdicts-heading">Verdicts</h2>
        <ol class="timeline">
          {voters.map((participant) => (
            <VerdictEntry
              key={participant}
              participant={participant}
              verdict={byParticipant.get(participant)}
              records={content.records.length}
            />
          ))}
        </ol>
      </section>

      <section class="card" aria-labelledby="rechecks-heading">
        <h2 id="rechecks-heading">Re-verification</h2>
        {view.rechecks.length === 0 ? (
          <p class="hint">
            No re-verification yet. Once accepted, a request can be re-checked against every
            member's source: <code>corroborate request recheck {id}</code>.
          </p>
        ) : (
          <ol class="timeline rechecks">
            {[...view.rechecks].reverse().map((round) => (
              <RecheckRoundEntry
                key={round.round}
                round={round}
                participants={block.participants}
                records={content.records.length}
              />
            ))}
          </ol>
        )}
      </section>

      <section class="card" aria-labelledby="transactions-heading">
        <h2 id="transactions-heading">Ledger transactions</h2>
        <table class="transactions">
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">When</th>
              <th scope="col">Transaction</th>
              <th scope="col">Block</th>
            </tr>
          </thead>
          <tbody>
            {transactions.map((transaction) => (
              <tr key={transaction.txId}>
                <th scope="row" data-label="What">
                  {transaction.what}
                </th>
                <td data-label="When">{formatTime(transaction.at)}</td>
                <td data-label="Transaction">
                  <Hash value={transaction.txId} />
                </td>
                <td data-label="Block">{blockNumbers.get(transaction.txId) ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {blockNumbers.size === 0 ? (
          <p class="hint">Block numbers come with the receipt: verify it below.</p>
        ) : null}
      </section>

      <section class="card" aria-labelledby="receipt-heading">
        <h2 id="receipt-heading">Receipt</h2>
        <p>
          A receipt is a portable copy of this result. The checks below are the ones{' '}
          <code>corroborate receipt verify</code> runs, by the same code, in this browser.
        </p>
        <div class="actions">
          <button type="button" onClick={() => void verifyServed()} disabled={busy}>
            {busy ? 'Verifying…' : 'Download and verify receipt'}
          </button>
          {receiptUrl ? (
            <a class="button" download={`${id}.receipt.json`} href={receiptUrl}>
              Save receipt file
            </a>
          ) : null}
          <label class="file">
            Verify a receipt file
            <input
              type="file"
              accept="application/json,.json"
              onChange={(event) => void verifyFile(event.currentTarget.files?.[0])}
            />
          </label>
        </div>
        <ErrorNotice error={receiptError} />
        {receipt ? <Verification state={receipt} /> : null}
      </section>
    </>
  );
}

function Progress(props: { valid: number; invalid: number; voters: number; threshold: number }) {
  const { valid, invalid, voters, threshold } = props;
  const percent = (count: number) => `${voters === 0 ? 0 : (100 * count) / voters}%`;
  const label = `${valid} valid and ${invalid} invalid of ${plural(voters, 'voter')}; ${threshold} valid needed`;
  return (
    <div class="progress" role="img" aria-label={label}>
      <div class="progress-bar">
        <span class="progress-valid" style={{ width: percent(valid) }} />
        <span class="progress-invalid" style={{ width: percent(invalid) }} />
        <span class="progress-threshold" style={{ left: percent(threshold) }} aria-hidden="true" />
      </div>
      <p class="progress-legend" aria-hidden="true">
        <span class="key key-valid">{valid} valid</span>
        <span class="key key-invalid">{invalid} invalid</span>
        <span class="key key-awaiting">{voters - valid - invalid} awaiting</span>
        <span class="key key-threshold">threshold {threshold}</span>
      </p>
    </div>
  );
}

type RecheckRound = RequestView['rechecks'][number];

/** One round of the drift history: who asked, and each participant's attestation. */
function RecheckRoundEntry(props: {
  round: RecheckRound;
  participants: readonly string[];
  records: number;
}) {
  const { round } = props;
  const byParticipant = new Map(round.attestations.map((each) => [each.participant, each]));
  return (
    <li class="recheck" data-round={round.round}>
      <h3>
        Round {round.round}, asked by {round.requestedBy} {formatTime(round.requestedAt)}
      </h3>
      <ul>
        {props.participants.map((participant) => {
          const attestation = byParticipant.get(participant);
          return (
            <li
              key={participant}
              class={`attestation attestation-${attestation?.result ?? 'awaiting'}`}
              data-participant={participant}
            >
              <strong>{participant}</strong>:{' '}
              {attestation === undefined
                ? 'awaiting its attestation'
                : attestation.result === 'unreadable'
                  ? `unreadable (${attestation.reason})`
                  : attestation.result}
              {attestation?.differingFields.map((entry) => (
                <span key={entry.record} class="differing">
                  {' '}
                  {props.records > 1 ? `record #${entry.record}: ` : ''}
                  {entry.fields.map((field) => (
                    <strong class="field" key={field}>
                      {field}
                    </strong>
                  ))}
                </span>
              ))}
            </li>
          );
        })}
      </ul>
    </li>
  );
}

function VerdictEntry(props: {
  participant: string;
  verdict: Verdict | undefined;
  records: number;
}) {
  const { participant, verdict } = props;
  if (!verdict) {
    return (
      <li class="verdict verdict-awaiting" data-participant={participant}>
        <h3>{participant}</h3>
        <p>Awaiting its verdict.</p>
      </li>
    );
  }
  return (
    <li class={`verdict verdict-${verdict.result}`} data-participant={participant}>
      <h3>
        {participant}: <span class="result">{verdict.result}</span>
      </h3>
      <Facts
        items={[
          ['Recorded', formatTime(verdict.recordedAt)],
          ['Reason', verdict.reason],
          ['Attempts', String(verdict.attempts)],
          ['Observed root', <Hash value={verdict.observedHash || undefined} />],
          ...(verdict.failedRecords.length > 0
            ? ([
                ['Failed records', verdict.failedRecords.map((index) => `#${index}`).join(', ')],
              ] as [string, string][])
            : []),
        ]}
      />
      {verdict.differingFields?.length ? (
        <p class="differing">
          Fields that differ:{' '}
          {verdict.differingFields.map((entry) => (
            <span key={entry.record}>
              {props.records > 1 ? `record #${entry.record}: ` : ''}
              {entry.fields.map((field) => (
                <strong class="field" key={field}>
                  {field}
                </strong>
              ))}
            </span>
          ))}
        </p>
      ) : null}
    </li>
  );
}

function Verification({ state }: { state: ReceiptState }) {
  const { verification } = state;
  const passed = verification.checks.filter((check) => check.ok).length;
  return (
    <div class="verification">
      <p class={`verdict-line ${verification.valid ? 'ok' : 'bad'}`} role="status">
        {verification.valid
          ? `Receipt verified (${state.source}): all ${verification.checks.length} checks passed; it claims the outcome ${verification.status ?? '?'}.`
          : `Receipt NOT verified (${state.source}): ${verification.checks.length - passed} of ${verification.checks.length} checks failed.`}
      </p>
      <p class={`consensus ${verification.consensus.proven ? 'ok' : 'unproven'}`}>
        {verification.consensus.proven
          ? `Consensus proven: ${verification.consensus.detail}.`
          : `Consensus ${verification.consensus.detail}. The browser has no consortium trust file: prove it offline with corroborate receipt verify FILE --trust TRUST-FILE.`}
      </p>
      <ol class="checks">
        {verification.checks.map((check) => (
          <li key={check.name} class={check.ok ? 'check-ok' : 'check-bad'}>
            <span class="check-mark" aria-hidden="true">
              {check.ok ? '✓' : '✗'}
            </span>
            <strong>{check.name}</strong>{' '}
            <span class="visually-hidden">{check.ok ? 'passed' : 'failed'}</span>
            <span class="check-detail">{check.detail}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function countResults(verdicts: readonly Verdict[]): { valid: number; invalid: number } {
  const valid = verdicts.filter((verdict) => verdict.result === 'valid').length;
  return { valid, invalid: verdicts.length - valid };
}

/** Transaction ids and the numbers of the ledger blocks that hold them, read from a receipt. */
function receiptBlockNumbers(text: string | undefined): Map<string, string> {
  const numbers = new Map<string, string>();
  if (!text) return numbers;
  try {
    const receipt = JSON.parse(text) as {
      block?: { txId?: string; blockNumber?: string };
      verdicts?: { txId?: string; blockNumber?: string }[];
      outcome?: { txId?: string; blockNumber?: string };
    };
    for (const entry of [receipt.block, ...(receipt.verdicts ?? []), receipt.outcome]) {
      if (entry?.txId && entry.blockNumber) numbers.set(entry.txId, entry.blockNumber);
    }
  } catch {
    // Not JSON: the verification says so.
  }
  return numbers;
}
