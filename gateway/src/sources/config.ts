import { inspect } from 'node:util';
import {
  formatAsAccess,
  validateSourceConfig,
  validateSourceConfigs,
  type ConfigProblem,
} from '../config-validation';
import type { SourceConfig } from './source';
import { SourceError } from './source';

const redacted = '[redacted]';

// Source lists that passed validation (here or as part of a whole configuration file), so that
// building a registry from one does not validate it a second time.
const validatedLists = new WeakSet<readonly SourceConfig[]>();

/**
 * Validates a member's source configuration (typically a parsed JSON file) against the
 * configuration schema and reports every problem at once. The returned configurations redact
 * their secrets (password, header values) from `JSON.stringify` and `util.inspect`, so logging
 * one cannot leak them.
 *
 * @throws {@link SourceError} `INVALID_CONFIG` listing each problem with its path.
 */
export function parseSourceConfigs(json: unknown): readonly SourceConfig[] {
  if (isValidatedList(json)) {
    return json;
  }
  assertValid(validateSourceConfigs(json), 'sources');
  return validatedSourceList(json as SourceConfig[]);
}

/**
 * Validates one source configuration; see {@link parseSourceConfigs}.
 *
 * @throws {@link SourceError} `INVALID_CONFIG`.
 */
export function parseSourceConfig(json: unknown): SourceConfig {
  assertValid(validateSourceConfig(json), 'source');
  return withRedaction(json as SourceConfig);
}

/** A copy of a configuration that is safe to log: passwords and header values replaced. */
export function redactSourceConfig(config: SourceConfig): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  if (config.kind === 'http') {
    if (config.headers !== undefined) {
      copy.headers = Object.fromEntries(
        Object.keys(config.headers).map((name) => [name, redacted]),
      );
    }
  } else if (config.kind !== 'sqlite' && config.password !== undefined) {
    copy.password = redacted;
  }
  return copy;
}

/**
 * The list of source configurations that the configuration schema has accepted, each frozen and
 * redacted (see {@link parseSourceConfigs}), marked so that {@link parseSourceConfigs} returns it
 * as it is.
 */
export function validatedSourceList(configs: readonly SourceConfig[]): readonly SourceConfig[] {
  const list = Object.freeze(configs.map(withRedaction));
  validatedLists.add(list);
  return list;
}

function withRedaction(config: SourceConfig): SourceConfig {
  const copy = { ...config };
  // Non-enumerable, so that the methods neither show up nor travel with a spread copy.
  Object.defineProperties(copy, {
    toJSON: { value: () => redactSourceConfig(copy) },
    [inspect.custom]: {
      value: (depth: number, options: object) =>
        inspect(redactSourceConfig(copy), { ...options, depth }),
    },
  });
  return Object.freeze(copy);
}

function isValidatedList(value: unknown): value is readonly SourceConfig[] {
  return Array.isArray(value) && validatedLists.has(value);
}

function assertValid(problems: readonly ConfigProblem[], root: string): void {
  if (problems.length > 0) {
    const detail = problems.map((problem) => formatAsAccess(root, problem)).join('; ');
    throw new SourceError('INVALID_CONFIG', detail);
  }
}
