/**
 * `npm run docs:tables`: writes the tables in docs/ that mirror code — error codes, contract
 * events, metrics, HTTP routes — from the code itself, between markers such as
 *
 *   <!-- BEGIN GENERATED events (npm run docs:tables) -->
 *   <!-- END GENERATED events -->
 *
 * A table written by hand drifts from the catalogue it copies; test/unit/docs fails when the
 * committed docs differ from what this script would write. Run it after changing a catalogue, an
 * event, a metric or a route, and commit the result. `--check` only reports what differs.
 */
import {
  contractErrorCatalogue,
  isContractErrorCode,
  LEDGER_EVENT_NAMES,
} from '@corroborate/protocol';
import { errorCatalogue } from '@corroborate/gateway';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry, type MetricObject } from 'prom-client';
import ts from 'typescript';
// Not on the gateway's public entry: the app that serves the OpenAPI document and the gateway's
// metrics, and the worker's metrics. Read from what the code builds, never from its source text.
import { newApp } from '../gateway/src/app';
import type { Ledger } from '../gateway/src/fabric/ledger';
import { openApiDocument } from '../gateway/src/openapi';
import type { RequestService } from '../gateway/src/requests';
import { newWorkerMetrics } from '../gateway/src/worker/metrics';

export const repoDir = resolve(__dirname, '..');

/** One generated table: the file it lives in, the marker name, and its markdown. */
export interface GeneratedSection {
  readonly file: string;
  readonly name: string;
  readonly markdown: string;
}

/**
 * What the codes the gateway raises itself mean. The catalogue holds only status and
 * retryability; these sentences are checked to cover exactly its codes, so none goes missing.
 */
export const gatewayErrorMeanings: Readonly<Record<string, string>> = {
  INVALID_REQUEST:
    'The body, a parameter or a header does not match the API document (unknown fields, wrong types, bad identifiers, too many records).',
  INVALID_JSON: 'The body is not valid JSON.',
  UNAUTHENTICATED: 'No API key, or one this gateway does not know.',
  FORBIDDEN: "The API key lacks the route's role.",
  NOT_FOUND: 'No such route.',
  UNSUPPORTED_MEDIA_TYPE: 'The body is not UTF-8 `application/json`.',
  RATE_LIMITED: 'Too many requests for this API key (or, before authentication, this address).',
  IDEMPOTENCY_KEY_REUSED: 'The `Idempotency-Key` was used before with a different request.',
  METHOD_NOT_ALLOWED:
    'The path exists but not with this method; the `Allow` header lists its methods.',
  NOT_ACCEPTABLE:
    'The `Accept` header rules out what the route serves (health, metrics, the document).',
  UNKNOWN_SOURCE: 'This member has no source with that id.',
  READ_REFUSED:
    "The read is malformed or outside the source's allow-list, the key is not unique, or the source refused it.",
  RECORD_NOT_FOUND: 'The source has no such record.',
  RECORD_CHANGED:
    "A field proof of a hash-only block takes its value from this member's source, whose record no longer hashes to the block's record hash.",
  SOURCE_UNAVAILABLE:
    'The source cannot be reached, refused the credentials, or did not answer in time.',
  INVALID_VALUE: 'A value read from the source has no canonical form under the hashing rule.',
  MVCC_READ_CONFLICT:
    'Fabric invalidated the transaction: a key it read changed before it committed.',
  PHANTOM_READ_CONFLICT:
    'Fabric invalidated the transaction: a range it read changed before it committed.',
  ENDORSEMENT_FAILED:
    'The peers did not endorse the transaction, for a reason that carries no code.',
  COMMIT_FAILED: 'The transaction was ordered but invalidated for another reason.',
  LEDGER_UNAVAILABLE: 'The Fabric peer cannot be reached.',
  LEDGER_TIMEOUT: 'The Fabric peer did not answer in time.',
  COMMIT_UNCONFIRMED:
    'The transaction was submitted, and submitted again, but no commit status came within `ledger.commitTimeoutMs` each time (the ordering service lost it or is down); it may still commit, so retry with the same `Idempotency-Key`.',
  INTERNAL: 'An unexpected failure; the gateway logs it with the request id.',
};

/** Every generated table, in the order they appear in docs/. */
export function renderSections(): GeneratedSection[] {
  return [
    { file: 'docs/reference/error-codes.md', name: 'contract-errors', markdown: contractErrors() },
    { file: 'docs/reference/error-codes.md', name: 'gateway-errors', markdown: gatewayErrors() },
    { file: 'docs/reference/contract.md', name: 'events', markdown: events() },
    { file: 'docs/reference/http-api.md', name: 'routes', markdown: routes() },
    { file: 'docs/operating.md', name: 'gateway-metrics', markdown: gatewayMetrics() },
    { file: 'docs/operating.md', name: 'worker-metrics', markdown: workerMetrics() },
  ];
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (text: string): string => `\`${text}\``;

function contractErrors(): string {
  const gateway = errorCatalogue as Readonly<
    Record<string, { readonly status: number; readonly retryable: boolean }>
  >;
  return table(
    ['code', 'meaning', 'HTTP status at the gateway', 'retryable'],
    Object.entries(contractErrorCatalogue).map(([name, meaning]) => {
      const entry = gateway[name];
      if (!entry) throw new Error(`the gateway's errorCatalogue has no ${name}`);
      return [code(name), meaning, String(entry.status), entry.retryable ? 'yes' : 'no'];
    }),
  );
}

function gatewayErrors(): string {
  const own = Object.entries(errorCatalogue).filter(([name]) => !isContractErrorCode(name));
  const described = new Set(Object.keys(gatewayErrorMeanings));
  const missing = own.filter(([name]) => !described.has(name)).map(([name]) => name);
  const stale = [...described].filter((name) => !own.some(([other]) => other === name));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `gatewayErrorMeanings in scripts/docs-tables.ts must describe exactly the gateway's own codes: missing ${missing.join(', ') || 'none'}; not in the catalogue ${stale.join(', ') || 'none'}`,
    );
  }
  return table(
    ['code', 'HTTP status', 'retryable', 'meaning'],
    own.map(([name, { status, retryable }]) => [
      code(name),
      String(status),
      retryable ? 'yes' : 'no',
      gatewayErrorMeanings[name] ?? '',
    ]),
  );
}

/**
 * The event table, from the `LedgerEventPayloads` interface as `@corroborate/protocol` declares
 * it: each property is an event, its TSDoc says when it is emitted, its type is the payload.
 */
function events(): string {
  const packageJson = require.resolve('@corroborate/protocol/package.json');
  const { types } = JSON.parse(readFileSync(packageJson, 'utf8')) as { types: string };
  const entry = join(dirname(packageJson), types);
  const program = ts.createProgram([entry], { strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  const exported = module && checker.getExportsOfModule(module);
  const symbol = exported?.find((candidate) => candidate.name === 'LedgerEventPayloads');
  if (!symbol) throw new Error(`${entry} does not export LedgerEventPayloads`);
  const payloads = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(symbol));
  const names = checker.getPropertiesOfType(payloads).map((property) => property.name);
  if (names.join() !== LEDGER_EVENT_NAMES.join()) {
    throw new Error(
      `LedgerEventPayloads (${names.join(', ')}) and LEDGER_EVENT_NAMES (${LEDGER_EVENT_NAMES.join(', ')}) differ`,
    );
  }
  const typeText = (type: ts.Type): string => {
    const literals = type.isUnion() ? type.types.filter((member) => member.isStringLiteral()) : [];
    if (type.isUnion() && literals.length === type.types.length) {
      return literals.map((member) => `'${member.value}'`).join(' or ');
    }
    return checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
  };
  return table(
    ['event', 'emitted when', 'payload'],
    checker.getPropertiesOfType(payloads).map((event) => {
      const payload = checker.getTypeOfSymbol(event);
      const fields = checker.getPropertiesOfType(payload).map((field) => {
        const fieldType = checker.getTypeOfSymbol(field);
        const resolved = checker.getBaseConstraintOfType(fieldType) ?? fieldType;
        return `${field.name}: ${typeText(resolved)}`;
      });
      const when = ts
        .displayPartsToString(event.getDocumentationComment(checker))
        .replace(/\s+/g, ' ');
      return [code(event.name), when, code(`{${fields.join(', ')}}`)];
    }),
  );
}

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly security?: readonly unknown[];
  readonly responses: Readonly<Record<string, unknown>>;
}

function routes(): string {
  const rows: string[][] = [];
  for (const [path, methods] of Object.entries(
    openApiDocument.paths as Readonly<Record<string, Readonly<Record<string, Operation>>>>,
  )) {
    for (const [method, operation] of Object.entries(methods)) {
      const role = /Role: (\w+)\./.exec(operation.description ?? '')?.[1];
      const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      rows.push([
        code(`${method.toUpperCase()} ${path}`),
        operation.security?.length === 0 ? 'none' : (role ?? 'any key'),
        success.join(', '),
        operation.summary ??
          (operation.responses[success[0] ?? ''] as { description?: string })?.description ??
          '',
      ]);
    }
  }
  return table(['route', 'role', 'success', 'what it does'], rows);
}

function metricRows(registry: Registry, prefix: string): string {
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix });
  const standard = new Set(defaults.getMetricsAsArray().map((metric) => metric.name));
  const own = registry.getMetricsAsArray().filter((metric) => !standard.has(metric.name));
  return table(
    ['metric', 'type', 'labels', 'meaning'],
    own.map((metric: MetricObject) => {
      const labels = (metric as MetricObject & { labelNames?: readonly string[] }).labelNames ?? [];
      return [code(metric.name), String(metric.type), labels.map(code).join(', '), metric.help];
    }),
  );
}

function gatewayMetrics(): string {
  const { registry, closeStreams } = newApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      apiKeys: [],
      rateLimit: { windowMs: 60_000, max: 1 },
      bodyLimitBytes: 1024,
      defaultDeadlineSeconds: 3600,
      maxBatchRecords: 1,
    },
    // Only the registry is read: no request reaches the ledger or the request service.
    ledger: {} as Ledger,
    requests: {} as RequestService,
    logger: pino({ level: 'silent' }),
  });
  closeStreams();
  return metricRows(registry, 'corroborate_gateway_');
}

function workerMetrics(): string {
  return metricRows(newWorkerMetrics().registry, 'corroborate_worker_');
}

const begin = (name: string): string => `<!-- BEGIN GENERATED ${name} (npm run docs:tables) -->`;
const end = (name: string): string => `<!-- END GENERATED ${name} -->`;

/** `text` with the section between its markers replaced; throws when a marker is missing. */
export function applySection(text: string, section: GeneratedSection): string {
  const start = text.indexOf(begin(section.name));
  const stop = text.indexOf(end(section.name));
  if (start < 0 || stop < start) {
    throw new Error(`${section.file} lacks the markers of the ${section.name} table`);
  }
  return `${text.slice(0, start)}${begin(section.name)}\n${section.markdown}\n${text.slice(stop)}`;
}

/** Every file that holds a generated table, with its text as the generator would write it. */
export function renderFiles(
  sections: readonly GeneratedSection[] = renderSections(),
): Map<string, { readonly current: string; readonly expected: string }> {
  const files = new Map<string, { current: string; expected: string }>();
  for (const section of sections) {
    const path = join(repoDir, section.file);
    const entry = files.get(section.file) ?? {
      current: readFileSync(path, 'utf8'),
      expected: readFileSync(path, 'utf8'),
    };
    entry.expected = applySection(entry.expected, section);
    files.set(section.file, entry);
  }
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, { current, expected }] of renderFiles()) {
    if (current === expected) continue;
    stale += 1;
    if (check) {
      process.stderr.write(`${file} differs from what the code generates\n`);
    } else {
      writeFileSync(join(repoDir, file), expected);
      process.stderr.write(`wrote ${file}\n`);
    }
  }
  if (check && stale > 0) process.exitCode = 1;
}

if (require.main === module) {
  main();
}
