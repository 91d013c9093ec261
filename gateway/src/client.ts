import type {
  ErrorBody,
  InitParticipantsRequest,
  ParticipantChangeRequest,
  ParticipantSetView,
  ProposalView,
  Recheck,
  RequestPage,
  RequestStatus,
  RequestView,
  SubmitRequest,
  Submitted,
} from './api';

/**
 * A refusal or failure of a gateway call: the gateway's own error code (e.g.
 * `FIRST_BLOCK_NOT_FOUND`), or `GATEWAY_UNREACHABLE`, `HTTP_<status>` for an answer without the
 * error envelope, and `BAD_RESPONSE` for a success that is not JSON.
 */
export class GatewayError extends Error {
  readonly code: string;
  /** The HTTP status, absent when the gateway could not be reached. */
  readonly status?: number;
  readonly requestId?: string;
  readonly transactionId?: string;

  constructor(
    code: string,
    message: string,
    details: { status?: number; requestId?: string; transactionId?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GatewayError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.transactionId !== undefined) this.transactionId = details.transactionId;
  }
}

export interface ListRequestsQuery {
  readonly status?: RequestStatus;
  readonly pageSize?: number;
  readonly bookmark?: string;
}

export interface SendOptions {
  /** JSON-encoded unless it is a string, which is sent as it is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer as it came, whatever its status. */
export interface GatewayResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON, or undefined when the answer is empty or not JSON. */
  readonly body: unknown;
}

/**
 * A member's gateway API (`/v1`), typed by the OpenAPI document's schemas. Each method answers
 * the success body or throws a {@link GatewayError}.
 */
export interface GatewayClient {
  /** `POST /v1/requests`; a retry with the same idempotency key answers the same request. */
  submit(body: SubmitRequest, idempotencyKey?: string): Promise<Submitted>;
  /** `GET /v1/requests/{id}`. */
  getRequest(id: string): Promise<RequestView>;
  /** `POST /v1/requests/{id}/recheck`: opens a re-verification round of an accepted request. */
  recheck(id: string): Promise<Recheck>;
  /** `GET /v1/requests`: one page of the requests with a status (default pending). */
  listRequests(query?: ListRequestsQuery): Promise<RequestPage>;
  /**
   * `GET /v1/requests/{id}/receipt`, with `RECORD` or `RECORD:FIELD` proofs. Answers the parsed
   * receipt; verify it before trusting it.
   */
  getReceipt(id: string, proofs?: readonly string[]): Promise<unknown>;
  /** `GET /v1/participants`. */
  getParticipants(): Promise<ParticipantSetView>;
  /**
   * `POST /v1/admin/participants`: propose or approve the initialisation of the participant set;
   * it is applied once a strict majority of the listed members' gateways have posted the same.
   */
  initParticipants(body: InitParticipantsRequest): Promise<ProposalView>;
  /** `POST /v1/admin/participant-changes`. */
  proposeParticipantChange(body: ParticipantChangeRequest): Promise<ProposalView>;
  /** `POST /v1/admin/participant-changes/{proposalId}/approve`. */
  approveParticipantChange(proposalId: string): Promise<ProposalView>;
  /**
   * Any call, answered whatever its status: for what the typed methods cannot send (malformed
   * bodies, other headers) and for looking at a refusal itself. Throws only when the gateway
   * cannot be reached.
   */
  send(method: string, path: string, options?: SendOptions): Promise<GatewayResponse>;
}

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8101`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer KEY`; none when absent or empty. */
  readonly apiKey?: string;
  /** Default: the global `fetch`. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Gives up on a call after this many milliseconds; default: never. */
  readonly timeoutMs?: number;
}

class HttpGatewayClient implements GatewayClient {
  readonly #base: string;
  readonly #options: Readonly<GatewayClientOptions>;

  constructor(options: Readonly<GatewayClientOptions>) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#options = options;
  }

  submit(body: SubmitRequest, idempotencyKey?: string): Promise<Submitted> {
    return this.#call<Submitted>('POST', '/v1/requests', {
      body,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
  }

  getRequest(id: string): Promise<RequestView> {
    return this.#call<RequestView>('GET', `/v1/requests/${encodeURIComponent(id)}`);
  }

  recheck(id: string): Promise<Recheck> {
    return this.#call<Recheck>('POST', `/v1/requests/${encodeURIComponent(id)}/recheck`);
  }

  listRequests(query: ListRequestsQuery = {}): Promise<RequestPage> {
    const search = new URLSearchParams();
    if (query.status) search.set('status', query.status);
    if (query.pageSize !== undefined) search.set('pageSize', String(query.pageSize));
    if (query.bookmark) search.set('bookmark', query.bookmark);
    return this.#call<RequestPage>('GET', `/v1/requests${suffix(search)}`);
  }

  getReceipt(id: string, proofs: readonly string[] = []): Promise<unknown> {
    const search = new URLSearchParams(proofs.map((proof): [string, string] => ['proof', proof]));
    return this.#call<unknown>(
      'GET',
      `/v1/requests/${encodeURIComponent(id)}/receipt${suffix(search)}`,
    );
  }

  getParticipants(): Promise<ParticipantSetView> {
    return this.#call<ParticipantSetView>('GET', '/v1/participants');
  }

  initParticipants(body: InitParticipantsRequest): Promise<ProposalView> {
    return this.#call<ProposalView>('POST', '/v1/admin/participants', { body });
  }

  proposeParticipantChange(body: ParticipantChangeRequest): Promise<ProposalView> {
    return this.#call<ProposalView>('POST', '/v1/admin/participant-changes', { body });
  }

  approveParticipantChange(proposalId: string): Promise<ProposalView> {
    return this.#call<ProposalView>(
      'POST',
      `/v1/admin/participant-changes/${encodeURIComponent(proposalId)}/approve`,
    );
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<GatewayResponse> {
    const { body } = options;
    const init: RequestInit = {
      method,
      headers: {
        accept: 'application/json',
        ...(this.#options.apiKey ? { authorization: `Bearer ${this.#options.apiKey}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      ...(this.#options.timeoutMs === undefined
        ? {}
        : { signal: AbortSignal.timeout(this.#options.timeoutMs) }),
    };
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(`${this.#base}${path}`, init);
    } catch (error) {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new GatewayError(
        'GATEWAY_UNREACHABLE',
        `cannot reach the gateway at ${this.#base}: ${reason}`,
        { cause: error },
      );
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: parseJson(text) };
  }

  async #call<T>(method: string, path: string, options?: SendOptions): Promise<T> {
    const { status, body } = await this.send(method, path, options);
    if (status < 200 || status > 299) throw refusal(method, path, status, body);
    if (body === undefined) {
      throw new GatewayError('BAD_RESPONSE', `${method} ${path} did not answer with JSON`, {
        status,
      });
    }
    return body as T;
  }
}

/** A client of a member's gateway; one per gateway and API key. */
export function newGatewayClient(options: Readonly<GatewayClientOptions>): GatewayClient {
  return new HttpGatewayClient(options);
}

function refusal(method: string, path: string, status: number, body: unknown): GatewayError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message =
    typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${status}`;
  return new GatewayError(code, message, {
    status,
    ...(typeof error?.requestId === 'string' ? { requestId: error.requestId } : {}),
    ...(typeof error?.transactionId === 'string' ? { transactionId: error.transactionId } : {}),
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function suffix(search: URLSearchParams): string {
  return search.size > 0 ? `?${search.toString()}` : '';
}
