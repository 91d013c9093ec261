// Validates a member's configuration against config-schema.ts in one Ajv pass, then applies the
// few rules a JSON Schema cannot state (unique ids, key types within the table's columns, the
// backoff bounds, what a base URL may hold). Every problem of both steps is reported, each with
// its path, in the order the settings appear in the file. Messages never quote a value: a value
// may be a password or a header holding a token.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { ConfigFile } from './config-schema';
import { configFileSchema } from './config-schema';

/** Where a problem is: property names and array indexes from the document's root. */
export type ProblemPath = readonly (string | number)[];

export interface ConfigProblem {
  readonly path: ProblemPath;
  readonly message: string;
}

interface LocatedProblem extends ConfigProblem {
  // Where the problem is anchored for ordering: an unknown or missing field is a problem of the
  // object that holds it, so it is listed with that object rather than after its last field.
  readonly anchor: ProblemPath;
}

interface Checked<T> {
  readonly value: T;
  readonly problems: readonly ConfigProblem[];
}

const ajv = new Ajv2020({
  allErrors: true,
  // parentSchema carries `errorMessage`; the offending data that verbose mode also adds is never
  // put into a message.
  verbose: true,
  discriminator: true,
  useDefaults: true,
  allowUnionTypes: true,
  strict: true,
});
ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
ajv.addSchema(configFileSchema, 'config');

const validateFile = ajv.compile<ConfigFile>({ $ref: 'config' });
const validateSourceList = ajv.compile({ $ref: 'config#/properties/sources' });
const validateSource = ajv.compile({ $ref: 'config#/properties/sources/items' });

/**
 * Validates a whole configuration file. The value returned is a copy with every default filled
 * in; it is a {@link ConfigFile} only when there are no problems.
 */
export function validateConfigFile(raw: unknown): Checked<ConfigFile> {
  // Ajv writes the defaults into the value it validates; the caller's object stays as it was.
  const value = structuredClone(raw);
  const problems = [...schemaProblems(validateFile, value)];
  if (isRecord(value)) {
    problems.push(...ruleProblems(value));
  }
  return { value: value as ConfigFile, problems: inDocumentOrder(value, problems) };
}

/** Validates a list of source configurations, paths relative to the list. */
export function validateSourceConfigs(raw: unknown): readonly ConfigProblem[] {
  const problems = [...schemaProblems(validateSourceList, raw), ...sourceListProblems(raw, [])];
  return inDocumentOrder(raw, problems);
}

/** Validates one source configuration, paths relative to it. */
export function validateSourceConfig(raw: unknown): readonly ConfigProblem[] {
  const problems = [...schemaProblems(validateSource, raw), ...sourceProblems(raw, [])];
  return inDocumentOrder(raw, problems);
}

/** `/gateway/port must be ...`, or `(root) ...`: JSON Pointer, as Ajv and the HTTP API report. */
export function formatAsPointer(problem: ConfigProblem): string {
  const pointer = problem.path
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
  return `${pointer || '(root)'} ${problem.message}`;
}

/** `sources[0].tables.t: ...`: the path as a property access on a value named `root`. */
export function formatAsAccess(root: string, problem: ConfigProblem): string {
  const access = problem.path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`))
    .join('');
  return `${root}${access}: ${problem.message}`;
}

function schemaProblems(validate: ValidateFunction, value: unknown): LocatedProblem[] {
  if (validate(value)) {
    return [];
  }
  const problems: LocatedProblem[] = [];
  for (const error of validate.errors ?? []) {
    // These summarise errors reported in full by their subschemas (or, for a bad `kind`, by the
    // `enum` beside the discriminator).
    if (['propertyNames', 'discriminator', 'oneOf'].includes(error.keyword)) {
      continue;
    }
    const anchor = pathOf(value, error.instancePath);
    const field =
      error.propertyName ??
      (error.keyword === 'additionalProperties'
        ? String((error.params as { additionalProperty: unknown }).additionalProperty)
        : undefined);
    problems.push({
      anchor,
      path: field === undefined ? anchor : [...anchor, field],
      message: messageOf(error),
    });
  }
  return problems;
}

function messageOf(error: ErrorObject): string {
  const schema = (error.parentSchema ?? {}) as {
    errorMessage?: string | Record<string, string>;
    type?: unknown;
    minimum?: unknown;
    maximum?: unknown;
  };
  const custom = schema.errorMessage;
  if (typeof custom === 'string') {
    return custom;
  }
  const byKeyword = custom?.[error.keyword];
  if (byKeyword !== undefined) {
    return byKeyword;
  }
  if (error.keyword === 'additionalProperties') {
    return 'unknown field';
  }
  if (
    schema.type === 'integer' &&
    typeof schema.minimum === 'number' &&
    typeof schema.maximum === 'number' &&
    ['type', 'minimum', 'maximum'].includes(error.keyword)
  ) {
    return `must be an integer in ${schema.minimum}..${schema.maximum}`;
  }
  return error.message ?? 'is invalid';
}

function ruleProblems(file: Record<string, unknown>): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const gateway = file.gateway;
  if (isRecord(gateway)) {
    problems.push(...duplicateIds(gateway.apiKeys, ['gateway', 'apiKeys'], 'duplicate API key id'));
  }
  const worker = file.worker;
  if (
    isRecord(worker) &&
    typeof worker.initialBackoffMs === 'number' &&
    typeof worker.maxBackoffMs === 'number' &&
    worker.initialBackoffMs > worker.maxBackoffMs
  ) {
    problems.push(problemAt(['worker', 'initialBackoffMs'], 'must not exceed maxBackoffMs'));
  }
  problems.push(...sourceListProblems(file.sources, ['sources']));
  return problems;
}

function sourceListProblems(sources: unknown, path: ProblemPath): LocatedProblem[] {
  if (!Array.isArray(sources)) {
    return [];
  }
  return [
    ...duplicateIds(sources, path, 'duplicate source id'),
    ...sources.flatMap((source, index) => sourceProblems(source, [...path, index])),
  ];
}

function sourceProblems(source: unknown, path: ProblemPath): LocatedProblem[] {
  if (!isRecord(source)) {
    return [];
  }
  const problems: LocatedProblem[] = [];
  if (source.kind === 'http' && typeof source.baseUrl === 'string') {
    problems.push(
      ...baseUrlProblems(source.baseUrl).map((message) => problemAt([...path, 'baseUrl'], message)),
    );
  }
  if (isRecord(source.tables)) {
    for (const [table, config] of Object.entries(source.tables)) {
      if (!isRecord(config) || !Array.isArray(config.columns) || !isRecord(config.types)) {
        continue;
      }
      const columns = new Set<unknown>(config.columns);
      for (const column of Object.keys(config.types)) {
        if (!columns.has(column)) {
          problems.push(
            problemAt([...path, 'tables', table, 'types', column], "not in the table's columns"),
          );
        }
      }
    }
  }
  return problems;
}

// A base URL is joined with read paths, so it must be a plain http(s) location: credentials
// belong in headers (which are redacted), and a query or fragment would swallow the read path.
function baseUrlProblems(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ['must be an absolute URL'];
  }
  const problems: string[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push('must be an http: or https: URL');
  }
  if (url.username !== '' || url.password !== '') {
    problems.push('must not hold credentials; send them in headers');
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    problems.push('must not have a query or fragment');
  }
  return problems;
}

function duplicateIds(list: unknown, path: ProblemPath, message: string): LocatedProblem[] {
  if (!Array.isArray(list)) {
    return [];
  }
  const seen = new Set<string>();
  const problems: LocatedProblem[] = [];
  list.forEach((entry, index) => {
    const id = isRecord(entry) ? entry.id : undefined;
    if (typeof id !== 'string') {
      return;
    }
    if (seen.has(id)) {
      problems.push(problemAt([...path, index, 'id'], `${message} ${JSON.stringify(id)}`));
    }
    seen.add(id);
  });
  return problems;
}

function problemAt(path: ProblemPath, message: string): LocatedProblem {
  return { anchor: path, path, message };
}

// Ajv reports JSON Pointers; walking the value tells array indexes from property names.
function pathOf(value: unknown, pointer: string): ProblemPath {
  const path: (string | number)[] = [];
  let current = value;
  for (const encoded of pointer.split('/').slice(1)) {
    const segment = encoded.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      path.push(Number(segment));
      current = current[Number(segment)] as unknown;
    } else {
      path.push(segment);
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return path;
}

function inDocumentOrder(value: unknown, problems: readonly LocatedProblem[]): ConfigProblem[] {
  const positions = new Map<string, number>();
  const visit = (node: unknown, key: string): void => {
    positions.set(key, positions.size);
    if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, `${key}/${index}`));
    } else if (isRecord(node)) {
      for (const [name, child] of Object.entries(node)) {
        visit(child, `${key}/${name}`);
      }
    }
  };
  visit(value, '');
  const positionOf = (anchor: ProblemPath): number => {
    for (let length = anchor.length; length >= 0; length--) {
      const position = positions.get(
        anchor
          .slice(0, length)
          .map((s) => `/${s}`)
          .join(''),
      );
      if (position !== undefined) {
        return position;
      }
    }
    return 0;
  };
  const ordered = problems
    .map((problem, index) => ({ problem, index, position: positionOf(problem.anchor) }))
    .sort((a, b) => a.position - b.position || a.index - b.index);
  // Two keywords of one setting can fail with the same message (a custom one, or a field both
  // the discriminator's base and the kind's branch check): report it once.
  const unique = new Map<string, ConfigProblem>();
  for (const { problem } of ordered) {
    unique.set(formatAsPointer(problem), { path: problem.path, message: problem.message });
  }
  return [...unique.values()];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
