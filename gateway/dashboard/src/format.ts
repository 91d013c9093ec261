/** Ledger timestamps (RFC 3339 UTC, up to nanoseconds) as a person reads them, in UTC. */
export function formatTime(timestamp: string | undefined): string {
  if (!timestamp) return '—';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(timestamp);
  if (!match) return timestamp;
  const fraction = (match[3] ?? '').slice(0, 4);
  return `${match[1]} ${match[2]}${fraction} UTC`;
}

export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined) return '—';
  if (milliseconds < 1000) return `${milliseconds} ms`;
  if (milliseconds < 120_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  return `${(milliseconds / 60_000).toFixed(1)} min`;
}

/** A long hex digest shortened for a table, whole in its title. */
export function shortHash(hash: string | undefined): string {
  if (!hash) return '—';
  return hash.length > 16 ? `${hash.slice(0, 8)}…${hash.slice(-6)}` : hash;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
