/** Memory growth over a soak, from resident-set-size samples of each process. */

/** The fraction of the samples after the warm-up that each end's mean is taken over. */
export const RSS_WINDOW = 0.1;

/**
 * Relative growth of the resident set over a soak: (mean of the last 10 % of the samples − mean
 * of the first 10 %) / the latter, over the samples taken after the warm-up (each window at least
 * one sample). Undefined with fewer than two samples, or a first window of zero.
 */
export function rssGrowth(samplesAfterWarmUp: readonly number[]): number | undefined {
  if (samplesAfterWarmUp.length < 2) return undefined;
  const window = Math.max(1, Math.floor(samplesAfterWarmUp.length * RSS_WINDOW));
  const mean = (values: readonly number[]) =>
    values.reduce((sum, value) => sum + value, 0) / values.length;
  const first = mean(samplesAfterWarmUp.slice(0, window));
  const last = mean(samplesAfterWarmUp.slice(-window));
  if (first <= 0) return undefined;
  return (last - first) / first;
}

export interface RssSample {
  /** Milliseconds since the soak began. */
  readonly atMs: number;
  /** Resident set size in bytes, by process name; a process that had exited is missing. */
  readonly rss: Readonly<Record<string, number>>;
}

export interface SoakMemory {
  /** The largest growth of any process: the figure the target is about. */
  readonly rssGrowth: number | null;
  readonly worstProcess: string | null;
  readonly byProcess: Record<
    string,
    { growth: number | null; firstMiB: number; lastMiB: number; samples: number }
  >;
}

/** Each process's growth over the samples taken at or after `warmUpMs`, and the largest. */
export function soakMemory(samples: readonly RssSample[], warmUpMs: number): SoakMemory {
  const kept = samples.filter((sample) => sample.atMs >= warmUpMs);
  const names = [...new Set(kept.flatMap((sample) => Object.keys(sample.rss)))].sort();
  const byProcess: SoakMemory['byProcess'] = {};
  let rssGrowthMax: number | undefined;
  let worstProcess: string | undefined;
  for (const name of names) {
    const values = kept.flatMap((sample) => {
      const value = sample.rss[name];
      return value === undefined ? [] : [value];
    });
    const growth = rssGrowth(values);
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    byProcess[name] = {
      growth: growth === undefined ? null : Math.round(growth * 1e4) / 1e4,
      firstMiB: mib(values[0] ?? 0),
      lastMiB: mib(values.at(-1) ?? 0),
      samples: values.length,
    };
    if (growth !== undefined && (rssGrowthMax === undefined || growth > rssGrowthMax)) {
      rssGrowthMax = growth;
      worstProcess = name;
    }
  }
  return {
    rssGrowth: rssGrowthMax === undefined ? null : Math.round(rssGrowthMax * 1e4) / 1e4,
    worstProcess: worstProcess ?? null,
    byProcess,
  };
}
