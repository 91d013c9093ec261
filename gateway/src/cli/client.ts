import type { ReadParameter } from '@corroborate/protocol';
import type { OutcomeStatus } from '@corroborate/protocol';
import { CliError } from './environment';

/** The body of `POST /v1/requests`. */
export interface SubmitBody {
  readonly sourceId: string;
  readonly read?: ReadParameter;
  readonly reads?: readonly ReadParameter[];
  readonly mode?: 'parallel' | 'relay';
  readonly deadlineSeconds?: number;
  readonly hashOnly?: boolean;
}

export interface Submitted {
  readonly id: string;
  readonly status: OutcomeStatus;
  readonly transactionId: string;
  readonly blockNumber: string | number;
}

/** `GET /v1/requests/{id}`: kept loose, the CLI prints what the gateway sends. */
export interface RequestView {
  readonly id: string;
  readonly block?: Record<string, unknown>;
  readonly verdicts?: Array<Record<string, unknown>>;
  readonly outcome?: { status?: OutcomeStatus } & Record<string, unknown>;
  readonly progress?: unknown;
}

export interface RequestPage {
  readonly items: Array<Record<string, unknown>>;
  readonly bookmark?: string;
}

export interface ListQuery {
  readonly status?: string;
  readonly pageSize?: number;
  readonly bookmark?: string;
}

/** The gateway's HTTP API as the CLI uses it. */
export interface GatewayClient {
  submit(body: SubmitBody, idempotencyKey?: string): Promise<Submitted>;
  get(id: string): Promise<RequestView>;
  list(query: ListQuery): Promise<RequestPage>;
  receipt(id: string, proofs: readonly string[]): Promise<unknown>;
}

export interface GatewayClientOptions {
  readonly url: string;
  readonly apiKey?: string;
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
}

export function newGatewayClient(options: Readonly<GatewayClientOptions>): GatewayClient {
  const base = options.url.replace(/\/+$/, '');
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const url = `${base}${path}`;
    const init: RequestInit = {
      method,
      headers: {
        accept: 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    let response: Response;
    try {
      response = await options.fetch(url, init);
    } catch (error) {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new CliError('GATEWAY_UNREACHABLE', `cannot reach the gateway at ${base}: ${reason}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)
        ?.error;
      const code = typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`;
      const message =
        typeof error?.message === 'string'
          ? error.message
          : `${method} ${path} answered ${response.status}`;
      throw new CliError(code, message);
    }
    if (parsed === undefined) {
      throw new CliError('BAD_RESPONSE', `${method} ${path} did not answer with JSON`);
    }
    return parsed as T;
  };
  return {
    submit: (body, idempotencyKey) =>
      call<Submitted>(
        'POST',
        '/v1/requests',
        body,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    get: (id) => call<RequestView>('GET', `/v1/requests/${encodeURIComponent(id)}`),
    list: (query) => {
      const search = new URLSearchParams();
      if (query.status) search.set('status', query.status);
      if (query.pageSize !== undefined) search.set('pageSize', String(query.pageSize));
      if (query.bookmark) search.set('bookmark', query.bookmark);
      const suffix = search.size > 0 ? `?${search.toString()}` : '';
      return call<RequestPage>('GET', `/v1/requests${suffix}`);
    },
    receipt: (id, proofs) => {
      const search = new URLSearchParams(proofs.map((proof): [string, string] => ['proof', proof]));
      const suffix = proofs.length > 0 ? `?${search.toString()}` : '';
      return call<unknown>('GET', `/v1/requests/${encodeURIComponent(id)}/receipt${suffix}`);
    },
  };
}
