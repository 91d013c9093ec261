import type { GatewayClient, RequestView } from '@corroborate/gateway';

/** Polls a request until its outcome is decided and recorded on the ledger. */
export async function waitForOutcome(
  client: GatewayClient,
  id: string,
  timeoutMs: number,
  intervalMs = 250,
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await client.getRequest(id);
    if (view.status !== 'pending' && view.outcome.recorded) return view;
    if (Date.now() > deadline) {
      throw new Error(`request ${id} still ${view.status} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
