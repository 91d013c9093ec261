import { Option, type Command } from 'commander';
import type {
  Recheck,
  ReadParameter,
  RequestPage,
  RequestStatus,
  RequestView,
  SubmitRequest,
} from '../../api';
import { votersOf } from '@corroborate/protocol';
import { newGatewayClient, type GatewayClient } from '../../client';
import { serializeReceipt, verifyReceipt, type Receipt } from '../../receipt';
import { CliError } from '../environment';
import { readInput } from '../input';
import { collect, formatRows, printResult, type CliContext } from '../output';
import { describeFailures } from './receipts';

const defaultUrl = 'http://127.0.0.1:8101';
/** Exit code of `submit --wait` when the consortium did not accept the record. */
export const NOT_ACCEPTED_EXIT_CODE = 3;
/** Exit code of `recheck --wait` when a participant attested drifted or unreadable. */
export const DRIFT_EXIT_CODE = 4;

type RecheckRoundView = RequestView['rechecks'][number];

interface ClientOptions {
  url?: string;
  apiKey?: string;
  caFile?: string;
}

interface SubmitOptions extends ClientOptions {
  source: string;
  table?: string;
  key: string[];
  columns?: string;
  path?: string;
  pointer?: string;
  reads?: string;
  mode?: 'parallel' | 'relay';
  deadline?: string;
  hashOnly?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
  timeout: string;
  interval: string;
}

/** `request submit|show|list|receipt`: a client of a member's gateway. */
export function addRequestCommands(program: Command, context: CliContext): void {
  const request = program.command('request').description('ask for and follow corroboration');
  const withClient = (command: Command): Command =>
    command
      .option('--url <url>', `gateway URL (default: $CORROBORATE_URL or ${defaultUrl})`)
      .option('--api-key <key>', 'API key (default: $CORROBORATE_API_KEY)')
      .option(
        '--ca-file <path>',
        "PEM CA certificate(s) the gateway's HTTPS certificate must chain to, and the only ones trusted (default: $CORROBORATE_CA_FILE)",
      );

  withClient(request.command('submit'))
    .description('read a record through the gateway and ask the consortium to corroborate it')
    .requiredOption('--source <id>', 'logical source id')
    .option('--table <name>', 'SQL: table to read')
    .option(
      '--key <column=value>',
      "SQL: key column (repeatable; 'col:=json' for a typed value)",
      collect,
      [],
    )
    .option('--columns <a,b>', 'SQL: columns to read')
    .option('--path <path>', 'HTTP: document path')
    .option('--pointer <pointer>', 'HTTP: JSON Pointer into the document')
    .option('--reads <file>', "a batch: JSON array of read parameters ('-' for stdin)")
    .addOption(
      new Option('--mode <mode>', 'how participants take turns').choices(['parallel', 'relay']),
    )
    .option('--deadline <seconds>', 'seconds the participants have to verify')
    .option('--hash-only', 'keep the record data off the ledger; put only hashes on it')
    .option('--idempotency-key <key>', 'makes a retried submit return the first result')
    .option('--wait', 'wait until the outcome is decided')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '120')
    .option('--interval <ms>', 'with --wait: time between polls', '1000')
    .action(async (options: SubmitOptions, command: Command) => {
      const client = await clientFor(context, options);
      const body = await submitBodyOf(context, options);
      const submitted = await client.submit(body, options.idempotencyKey);
      if (!options.wait) {
        printResult(context, command, submitted, () =>
          formatRows([
            ['id', submitted.id],
            ['status', submitted.status],
            ['transaction', submitted.transactionId ?? '-'],
            ['block', submitted.blockNumber ?? '-'],
          ]),
        );
        return;
      }
      context.cli.writeErr(`submitted ${submitted.id}, waiting for the outcome\n`);
      const view = await waitForOutcome(context, client, submitted.id, options);
      printResult(context, command, view, () => describeRequest(view));
      if (view.outcome?.status !== 'accepted') {
        context.exitCode = NOT_ACCEPTED_EXIT_CODE;
      }
    });

  withClient(request.command('show'))
    .description('show a request: its first block, verdicts and outcome')
    .argument('<id>', 'request id')
    .action(async (id: string, options: ClientOptions, command: Command) => {
      const view = await (await clientFor(context, options)).getRequest(id);
      printResult(context, command, view, () => describeRequest(view));
    });

  withClient(request.command('recheck'))
    .description(
      "ask every participant to re-read an accepted request's records from its own source and attest whether they still match",
    )
    .argument('<id>', 'request id')
    .option('--wait', 'wait until every participant of the request has attested')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '120')
    .option('--interval <ms>', 'with --wait: time between polls', '1000')
    .action(
      async (
        id: string,
        options: ClientOptions & { wait?: boolean; timeout: string; interval: string },
        command: Command,
      ) => {
        const client = await clientFor(context, options);
        const opened = await client.recheck(id);
        if (!options.wait) {
          printResult(context, command, opened, () =>
            formatRows([
              ['request', opened.id],
              ['round', String(opened.round)],
              ['requested by', opened.requestedBy],
              ['transaction', opened.transactionId],
            ]),
          );
          return;
        }
        context.cli.writeErr(
          `round ${opened.round} of ${id} opened, waiting for the attestations\n`,
        );
        const round = await waitForAttestations(context, client, opened, options);
        const result = { id, ...round };
        printResult(context, command, result, () => describeRounds([round]));
        if (round.attestations.some((attestation) => attestation.result !== 'matches')) {
          context.exitCode = DRIFT_EXIT_CODE;
        }
      },
    );

  withClient(request.command('list'))
    .description('list requests by status')
    .addOption(
      new Option('--status <status>', 'outcome status')
        .choices(['pending', 'accepted', 'rejected', 'expired'])
        .default('pending'),
    )
    .option('--page-size <n>', 'requests per page', '20')
    .option('--bookmark <bookmark>', 'continue after a previous page')
    .action(
      async (
        options: ClientOptions & { status: RequestStatus; pageSize: string; bookmark?: string },
        command: Command,
      ) => {
        const page = await (
          await clientFor(context, options)
        ).listRequests({
          status: options.status,
          pageSize: positiveInteger(options.pageSize, '--page-size'),
          ...(options.bookmark ? { bookmark: options.bookmark } : {}),
        });
        printResult(context, command, page, () => {
          const lines = page.items.map(describeListItem);
          return lines.length > 0 ? lines.join('\n') : `no ${options.status} requests`;
        });
        if (page.bookmark && !command.optsWithGlobals<{ json?: boolean }>().json) {
          context.cli.writeErr(`next page: --bookmark ${page.bookmark}\n`);
        }
      },
    );

  withClient(request.command('receipt'))
    .description('fetch a receipt that can be verified offline')
    .argument('<id>', 'request id')
    .option('--out <file>', 'write the receipt to a file instead of stdout')
    .option(
      '--proof <record:field>',
      "include a proof: 'record' or 'record:field' (repeatable)",
      collect,
      [],
    )
    .action(
      async (
        id: string,
        options: ClientOptions & { out?: string; proof: string[] },
        command: Command,
      ) => {
        options.proof.forEach(assertProofSpec);
        const receipt = await (await clientFor(context, options)).getReceipt(id, options.proof);
        const verification = verifyReceipt(receipt);
        if (!verification.valid) {
          throw new CliError(
            'INVALID_RECEIPT',
            `the gateway sent a receipt that does not verify:\n${describeFailures(verification)}`,
          );
        }
        const text = serializeReceipt(receipt as Receipt);
        if (options.out === undefined) {
          context.cli.writeOut(text);
          return;
        }
        await context.cli.writeFile(options.out, text);
        const summary = {
          file: options.out,
          blockId: verification.blockId,
          status: verification.status,
          digest: (receipt as Receipt).digest,
        };
        printResult(
          context,
          command,
          summary,
          () => `wrote ${options.out} (request ${verification.blockId}, ${verification.status})`,
        );
      },
    );
}

async function clientFor(context: CliContext, options: ClientOptions): Promise<GatewayClient> {
  const { env } = context.cli;
  const apiKey = options.apiKey ?? env.CORROBORATE_API_KEY;
  const caFile = options.caFile ?? (env.CORROBORATE_CA_FILE || undefined);
  const ca = caFile === undefined ? undefined : await readCaFile(context, caFile);
  return newGatewayClient({
    url: options.url ?? env.CORROBORATE_URL ?? defaultUrl,
    ...(apiKey ? { apiKey } : {}),
    fetch: (url, init) => context.cli.fetch(url, init, ca === undefined ? {} : { ca }),
  });
}

async function readCaFile(context: CliContext, path: string): Promise<string> {
  let text: string;
  try {
    text = await context.cli.readFile(path);
  } catch (error) {
    throw usage(`--ca-file ${path}: ${(error as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw usage(`--ca-file ${path}: no PEM certificate in it`);
  }
  return text;
}

async function submitBodyOf(context: CliContext, options: SubmitOptions): Promise<SubmitRequest> {
  const kinds = [
    options.table !== undefined,
    options.path !== undefined,
    options.reads !== undefined,
  ].filter(Boolean).length;
  if (kinds !== 1) {
    throw usage('give exactly one of --table (SQL), --path (HTTP) or --reads (a batch)');
  }
  const common = {
    sourceId: options.source,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.deadline !== undefined
      ? { deadlineSeconds: positiveInteger(options.deadline, '--deadline') }
      : {}),
    ...(options.hashOnly ? { hashOnly: true } : {}),
  };
  if (options.reads !== undefined) {
    let reads: unknown;
    try {
      reads = JSON.parse(await readInput(context, options.reads));
    } catch (error) {
      throw usage(`--reads: not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(reads) || reads.length === 0) {
      throw usage('--reads: expected a JSON array of read parameters');
    }
    return { ...common, reads: reads as ReadParameter[] };
  }
  if (options.path !== undefined) {
    if (options.pointer === undefined) throw usage('--path needs --pointer');
    return { ...common, read: { kind: 'http', path: options.path, pointer: options.pointer } };
  }
  if (options.key.length === 0 || options.columns === undefined) {
    throw usage('--table needs at least one --key column=value and --columns');
  }
  const columns = options.columns
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
  return {
    ...common,
    read: {
      kind: 'sql',
      table: options.table ?? '',
      key: Object.fromEntries(options.key.map(parseKey)),
      columns,
    },
  };
}

/** `col=value` is text; `col:=42`, `col:=true` or `col:="x"` is JSON, for typed key values. */
export function parseKey(pair: string): [string, string | number | boolean] {
  const typed = /^([^=:]+):=(.*)$/s.exec(pair);
  if (typed) {
    let value: unknown;
    try {
      value = JSON.parse(typed[2] ?? '');
    } catch {
      throw usage(`--key ${pair}: the value after ':=' must be JSON`);
    }
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw usage(`--key ${pair}: a key value is a string, number or boolean`);
    }
    return [typed[1] ?? '', value as string | number | boolean];
  }
  const plain = /^([^=]+)=(.*)$/s.exec(pair);
  if (!plain) throw usage(`--key ${pair}: expected column=value`);
  return [plain[1] ?? '', plain[2] ?? ''];
}

function assertProofSpec(spec: string): void {
  if (!/^(0|[1-9]\d*)(:.+)?$/s.test(spec)) {
    throw usage(`--proof ${spec}: expected 'record' or 'record:field', e.g. 0:balance`);
  }
}

async function waitForOutcome(
  context: CliContext,
  client: GatewayClient,
  id: string,
  options: SubmitOptions,
): Promise<RequestView> {
  const { cli } = context;
  const timeout = positiveInteger(options.timeout, '--timeout') * 1000;
  const interval = positiveInteger(options.interval, '--interval');
  const giveUpAt = cli.now() + timeout;
  for (;;) {
    const view = await client.getRequest(id);
    const status = view.outcome?.status ?? 'pending';
    if (status !== 'pending') return view;
    if (cli.now() + interval > giveUpAt) {
      throw new CliError(
        'WAIT_TIMEOUT',
        `request ${id} is still pending after ${options.timeout}s; follow it with 'corroborate request show ${id}'`,
      );
    }
    await cli.sleep(interval);
  }
}

/** Polls the request until every participant of its snapshot has attested in the round. */
async function waitForAttestations(
  context: CliContext,
  client: GatewayClient,
  opened: Recheck,
  options: { timeout: string; interval: string },
): Promise<RecheckRoundView> {
  const { cli } = context;
  const timeout = positiveInteger(options.timeout, '--timeout') * 1000;
  const interval = positiveInteger(options.interval, '--interval');
  const giveUpAt = cli.now() + timeout;
  for (;;) {
    const view = await client.getRequest(opened.id);
    const round = view.rechecks.find((candidate) => candidate.round === opened.round);
    const attested = new Set(round?.attestations.map((attestation) => attestation.participant));
    const missing = view.block.participants.filter((participant) => !attested.has(participant));
    if (round && missing.length === 0) return round;
    if (cli.now() + interval > giveUpAt) {
      throw new CliError(
        'WAIT_TIMEOUT',
        `round ${opened.round} of ${opened.id} still waits for ${missing.join(', ')} after ${options.timeout}s; follow it with 'corroborate request show ${opened.id}'`,
      );
    }
    await cli.sleep(interval);
  }
}

/** The drift history, a round per block of lines: who attested what, and which fields differ. */
function describeRounds(rounds: readonly RecheckRoundView[]): string {
  return rounds
    .map((round) => {
      const rows = round.attestations.map(
        (attestation) =>
          [
            attestation.participant,
            attestation.result === 'drifted'
              ? `drifted: ${attestation.differingFields
                  .map((entry) => `record ${entry.record} (${entry.fields.join(', ')})`)
                  .join('; ')}`
              : attestation.result === 'unreadable'
                ? `unreadable: ${attestation.reason}`
                : 'matches',
          ] as const,
      );
      return [
        `round ${round.round}, asked by ${round.requestedBy} at ${round.requestedAt}`,
        rows.length > 0 ? formatRows(rows, '  ') : '  no attestations yet',
      ].join('\n');
    })
    .join('\n');
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw usage(`${option}: expected a positive integer, got '${text}'`);
  }
  return value;
}

function usage(message: string): CliError {
  return new CliError('USAGE', message, 2);
}

function describeRequest(view: RequestView): string {
  const { block, outcome, verdicts } = view;
  // A gateway from before re-verification sends no drift history.
  const rechecks: readonly RecheckRoundView[] = (view as Partial<RequestView>).rechecks ?? [];
  const { content } = block;
  const rows: Array<[string, string]> = [
    ['request', view.id],
    [
      'status',
      `${outcome.status}${outcome.recorded ? ' (recorded)' : ''}: ` +
        `${outcome.valid} valid, ${outcome.invalid} invalid, ` +
        `${outcome.unverifiable} unverifiable ` +
        `of ${outcome.participants}, threshold ${outcome.threshold}`,
    ],
    [
      'source',
      `${content.interface.sourceId} (${content.interface.connector}), ` +
        `${content.records.length} record(s)${content.hashOnly ? ', hash-only' : ''}`,
    ],
    ['mode', content.mode],
    ['requester', content.requester.mspId],
    ['created', block.createdAt],
    ['deadline', content.deadline],
    ['batch root', content.batchRoot],
  ];
  const described = verdicts.map(
    (verdict) =>
      [
        verdict.participant,
        `${verdict.result} ${verdict.reason} (` +
          (verdict.result === 'unverifiable' ? 'abstained, counts for neither side; ' : '') +
          `attempts ${verdict.attempts}, ${verdict.recordedAt})`,
      ] as const,
  );
  // Only the voters verify: the requester's own verdict never counts.
  const waiting = votersOf(block.participants, content.requester.mspId).filter(
    (participant) => !verdicts.some((verdict) => verdict.participant === participant),
  );
  return [
    formatRows(rows),
    'verdicts',
    described.length > 0 ? formatRows(described, '  ') : '  none yet',
    ...(waiting.length > 0 ? [`waiting for ${waiting.join(', ')}`] : []),
    // Abstentions never reject: a request they keep from acceptance waits for its deadline.
    ...(outcome.status === 'pending' && !view.progress.canBeAccepted
      ? [`cannot be accepted any more: it expires after its deadline ${content.deadline}`]
      : []),
    ...(rechecks.length > 0 ? ['re-checks', describeRounds(rechecks)] : []),
  ].join('\n');
}

function describeListItem(item: RequestPage['items'][number]): string {
  return `${item.blockId}  ${item.status}  ${item.createdAt}`.trimEnd();
}
