/** A small client of a member's gateway API, for the demo, the benchmark and the tests. */
export interface GatewayClient {
  request<T>(
    method: string,
    path: string,
    options?: GatewayRequestOptions,
  ): Promise<GatewayResponse<T>>;
}

export interface GatewayRequestOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface GatewayResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; transactionId?: string };
}

export function newGatewayClient(baseUrl: string, apiKey?: string): GatewayClient {
  return {
    async request<T>(method: string, path: string, options: GatewayRequestOptions = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      if (options.body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(new URL(path, baseUrl), {
        method,
        headers,
        ...(options.body !== undefined
          ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
          : {}),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      const body = (text ? JSON.parse(text) : undefined) as T;
      return { status: response.status, body, headers: response.headers };
    },
  };
}

/** Polls a request until its outcome is no longer pending. */
export async function waitForOutcome<T extends { status: string }>(
  client: GatewayClient,
  id: string,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await client.request<T & ErrorBody>(
      'GET',
      `/v1/requests/${encodeURIComponent(id)}`,
    );
    if (status !== 200)
      throw new Error(`GET /v1/requests/${id}: ${status} ${JSON.stringify(body)}`);
    const outcome = (body as unknown as { outcome: { recorded: boolean } }).outcome;
    if (body.status !== 'pending' && outcome.recorded) return body;
    if (Date.now() > deadline) {
      throw new Error(`request ${id} still ${body.status} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
