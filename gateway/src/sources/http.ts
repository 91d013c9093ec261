import { LIMITS } from '@corroborate/protocol';
import { assertNotAborted } from './abort';
import type { JsonNode } from './json-document';
import {
  isJsonObject,
  isJsonPointer,
  JsonNumber,
  parseJsonDocument,
  resolveJsonPointer,
  toPlainJson,
} from './json-document';
import type {
  CanonicalRecord,
  FieldType,
  HttpRead,
  HttpSourceConfig,
  ReadOptions,
  ReadParameter,
  SourceConnector,
} from './source';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, SourceError } from './source';
import { toCanonical } from './sql';

// RFC 3986 path and query characters, and '%' only as the start of an escape.
const pathCharacters = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
const percentEscape = /%(?![0-9A-Fa-f]{2})/;
// Escaped '.', '/', '\' and NUL would let a server decode its way out of the base path.
const dangerousEscape = /%(?:2[eEfF]|5[cC]|00)/;

/**
 * A connector to an HTTP JSON API: a GET of the configured base URL plus the read's path, no
 * redirects, a time limit on the whole exchange and a size limit on the body. The read's JSON
 * Pointer selects the record object; its top-level numbers keep their exact digits.
 */
export function newHttpConnector(config: Readonly<HttpSourceConfig>): SourceConnector {
  return new HttpConnector(config);
}

/**
 * The URL a read fetches: the base URL with the read's path appended.
 *
 * @throws {@link SourceError} `READ_REFUSED` when the path could leave the base URL.
 */
export function buildHttpUrl(baseUrl: string, path: unknown, sourceId: string): URL {
  const refuse = (why: string): never => {
    throw new SourceError('READ_REFUSED', `source ${sourceId}: path ${why}`, { sourceId });
  };
  if (typeof path !== 'string' || path.length === 0 || path.length > LIMITS.maxPathLength) {
    return refuse(`must be a string of 1..${LIMITS.maxPathLength} characters`);
  }
  if (!path.startsWith('/')) {
    refuse("must start with '/'");
  }
  if (!pathCharacters.test(path)) {
    refuse(
      'has characters outside RFC 3986 paths and queries (spaces, backslashes, fragments, non-ASCII)',
    );
  }
  if (path.includes('//')) {
    refuse("must not contain '//'");
  }
  const route = path.split('?', 1)[0] as string;
  if (path.includes('..') || route.split('/').some((segment) => segment === '.')) {
    refuse("must not contain '..' or '.' segments");
  }
  if (percentEscape.test(path) || dangerousEscape.test(path)) {
    refuse("has a malformed escape or an escaped '.', '/', '\\' or NUL");
  }
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${base.origin}${basePath}${path}`);
  // Defence in depth: whatever the checks above missed, the result must stay under the base.
  if (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}/`)) {
    refuse('leaves the base URL');
  }
  return url;
}

interface Exchange {
  response: Response;
  timeout: AbortSignal;
  timeoutMs: number;
}

class HttpConnector implements SourceConnector {
  readonly id: string;
  readonly kind = 'http';
  readonly #config: Readonly<HttpSourceConfig>;
  #closed = false;

  constructor(config: Readonly<HttpSourceConfig>) {
    this.id = config.id;
    this.#config = config;
  }

  async read(read: ReadParameter, options: ReadOptions = {}): Promise<CanonicalRecord> {
    this.#assertOpen();
    const { path, pointer } = this.#assertHttpRead(read);
    const url = buildHttpUrl(this.#config.baseUrl, path, this.id);
    assertNotAborted(options.signal, this.id);
    const document = await this.#fetchJson(url, options.signal);
    const selected = resolveJsonPointer(document, pointer);
    if (selected === undefined) {
      throw new SourceError(
        'RECORD_NOT_FOUND',
        `source ${this.id}: the document has nothing at the pointer`,
        {
          sourceId: this.id,
        },
      );
    }
    if (!isJsonObject(selected)) {
      throw this.#refuse('the pointer must select a JSON object (the record)');
    }
    return toCanonical(...toRawRecord(selected, this.#config.types), this.id);
  }

  async ping(options: ReadOptions = {}): Promise<void> {
    this.#assertOpen();
    // Any HTTP answer shows the source is reachable; only no answer at all is a failure.
    const { response } = await this.#startFetch(new URL(this.#config.baseUrl), options.signal);
    await response.body?.cancel();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #assertHttpRead(read: ReadParameter): HttpRead {
    if (typeof read !== 'object' || read === null || read.kind !== 'http') {
      throw this.#refuse('an HTTP source serves only http reads');
    }
    if (
      typeof read.pointer !== 'string' ||
      read.pointer.length > LIMITS.maxPointerLength ||
      !isJsonPointer(read.pointer)
    ) {
      throw this.#refuse('pointer must be an RFC 6901 JSON Pointer');
    }
    return read;
  }

  async #startFetch(url: URL, signal: AbortSignal | undefined): Promise<Exchange> {
    const timeoutMs = this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One deadline for the whole exchange: the same signal aborts the body stream too.
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json', ...this.#config.headers },
        // A redirect could lead anywhere, including to another host; the base URL is the source.
        redirect: 'error',
        signal: combined,
      });
      return { response, timeout, timeoutMs };
    } catch (error) {
      throw this.#classifyFetchError(error, timeout, timeoutMs);
    }
  }

  async #fetchJson(url: URL, signal: AbortSignal | undefined): Promise<JsonNode> {
    const { response, timeout, timeoutMs } = await this.#startFetch(url, signal);
    if (!response.ok) {
      await response.body?.cancel();
      throw this.#statusError(response.status);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
      await response.body?.cancel();
      throw this.#refuse(
        `response is not JSON (content-type ${JSON.stringify(contentType.slice(0, 80))})`,
      );
    }
    let text: string;
    try {
      text = await this.#readBody(response);
    } catch (error) {
      throw error instanceof SourceError
        ? error
        : this.#classifyFetchError(error, timeout, timeoutMs);
    }
    try {
      return parseJsonDocument(text);
    } catch (error) {
      throw this.#refuse(`response is not valid JSON: ${(error as Error).message}`);
    }
  }

  // Counts bytes as they arrive and stops past the limit, so a huge or endless body costs at
  // most maxBytes of memory; Content-Length is checked first but not trusted.
  async #readBody(response: Response): Promise<string> {
    const maxBytes = this.#config.maxBytes ?? DEFAULT_MAX_BYTES;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw this.#tooLarge(maxBytes);
    }
    if (response.body === null) {
      return '';
    }
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel();
        throw this.#tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw this.#refuse('response is not valid UTF-8');
    }
  }

  #statusError(status: number): SourceError {
    const sourceId = this.id;
    if (status === 404 || status === 410) {
      return new SourceError('RECORD_NOT_FOUND', `source ${sourceId}: HTTP ${status}`, {
        sourceId,
      });
    }
    if (status === 408 || status === 429 || status >= 500) {
      return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: HTTP ${status}`, {
        sourceId,
      });
    }
    if (status === 401 || status === 403) {
      return new SourceError(
        'SOURCE_UNAVAILABLE',
        `source ${sourceId}: HTTP ${status} (credentials refused)`,
        {
          sourceId,
          retryable: false,
        },
      );
    }
    return this.#refuse(`HTTP ${status}`);
  }

  #classifyFetchError(error: unknown, timeout: AbortSignal, timeoutMs: number): SourceError {
    const sourceId = this.id;
    if (timeout.aborted) {
      return new SourceError(
        'SOURCE_UNAVAILABLE',
        `source ${sourceId}: no complete answer within ${timeoutMs} ms`,
        {
          sourceId,
          cause: error,
        },
      );
    }
    const cause = (error as { cause?: unknown }).cause;
    const causeMessage = cause instanceof Error ? cause.message : '';
    if (/redirect/i.test(causeMessage)) {
      return this.#refuse('the server answered with a redirect, which is not followed');
    }
    const name = (error as { name?: unknown }).name;
    const reason =
      name === 'AbortError' ? 'read aborted' : causeMessage || (error as Error).message;
    return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: ${reason}`, {
      sourceId,
      cause: error,
    });
  }

  #tooLarge(maxBytes: number): SourceError {
    return this.#refuse(`response is larger than ${maxBytes} bytes`);
  }

  #refuse(why: string): SourceError {
    return new SourceError('READ_REFUSED', `source ${this.id}: ${why}`, { sourceId: this.id });
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SourceError('SOURCE_UNAVAILABLE', `source ${this.id}: connector is closed`, {
        sourceId: this.id,
        retryable: false,
      });
    }
  }
}

/**
 * The record's fields as the rule takes them: a top-level number as its exact text (typed
 * 'number' unless configured otherwise), nested objects and arrays as plain JSON.
 */
function toRawRecord(
  object: { [key: string]: JsonNode },
  configured: Readonly<Record<string, FieldType>> | undefined,
): [Record<string, unknown>, Record<string, FieldType>] {
  const raw: Record<string, unknown> = {};
  const types: Record<string, FieldType> = {};
  for (const name of Object.keys(object)) {
    const node = object[name] as JsonNode;
    const configuredType =
      configured !== undefined && Object.hasOwn(configured, name) ? configured[name] : undefined;
    const value = node instanceof JsonNumber ? node.text : toPlainJson(node);
    const type = configuredType ?? (node instanceof JsonNumber ? 'number' : undefined);
    define(raw, name, value);
    if (type !== undefined) {
      define(types, name, type);
    }
  }
  return [raw, types];
}

// Plain assignment to '__proto__' would set the prototype instead of adding a field.
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
