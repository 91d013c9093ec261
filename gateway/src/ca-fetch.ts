// The part of `fetch` the gateway client uses, over node:https with the trust anchors given and no
// others: a member's gateway serves a certificate from its organisation's CA, which no system
// store holds, and trusting that CA for one client must not widen what the rest of the process
// trusts (as NODE_EXTRA_CA_CERTS would).
import { request as httpsRequest } from 'node:https';

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface CaFetchOptions {
  /** PEM certificates the server's chain must lead to; the system store is not consulted. */
  readonly ca: string | Buffer;
  /** Gives up on a request after this many milliseconds of socket inactivity; default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * A fetch for HTTPS URLs that verifies the server against `ca` only, and checks that the name
 * dialled is in its certificate. Plain HTTP URLs are refused: a CA was given to be used.
 */
export function newCaFetch(options: Readonly<CaFetchOptions>): FetchFunction {
  return (url, init) => caFetch(url, init, options);
}

function caFetch(
  url: string,
  init: RequestInit,
  options: Readonly<CaFetchOptions>,
): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== 'https:') {
    return Promise.reject(
      new Error(`${target.origin}: a CA file was given, so only https:// URLs are dialled`),
    );
  }
  const headers = Object.fromEntries(new Headers(init.headers).entries());
  const payload = typeof init.body === 'string' ? init.body : undefined;
  return new Promise((resolveResponse, reject) => {
    const request = httpsRequest(
      target,
      {
        method: init.method ?? 'GET',
        headers,
        ca: options.ca,
        // No kept-alive sockets: one that the server closes while idle fails the next request.
        agent: false,
        timeout: options.timeoutMs ?? 120_000,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') responseHeaders.set(name, value);
            else if (Array.isArray(value))
              for (const item of value) responseHeaders.append(name, item);
          }
          const status = response.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolveResponse(new Response(body, { status, headers: responseHeaders }));
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}
