/**
 * The targets of issue 10, as ratios between figures of one benchmark run: what a consensus may
 * cost beside a raw Fabric write on the same network. Computed from the JSON result alone, so a
 * saved result can be judged again.
 */
import { round } from './stats';

/** The figures the targets read; every other part of the result is ignored. */
export interface TargetFigures {
  readonly raw: { readonly tps: number; readonly lone: { readonly p50Ms: number } | null };
  readonly consensus: {
    readonly perSecond: number;
    readonly conflicts: number;
    readonly lone: { readonly p50Ms: number } | null;
    readonly halfLoad: { readonly p95Ms: number } | null;
  };
  readonly batched: ReadonlyArray<{ readonly size: number; readonly recordsPerSecond: number }>;
  readonly soak: { readonly rssGrowth: number | null } | null;
}

export interface Target {
  readonly name: string;
  readonly required: string;
  readonly measured: string;
  /** Null when the run did not measure it (a phase shortened to nothing). */
  readonly met: boolean | null;
}

const NOT_MEASURED = 'not measured';

export function targetsOf(result: TargetFigures): Target[] {
  const { raw, consensus, batched, soak } = result;
  const rawLone = raw.lone?.p50Ms;
  const batch1000 = batched.find((entry) => entry.size === 1000);
  const ratio = (
    name: string,
    measured: number | undefined,
    bound: number | undefined,
    unit: string,
    relation: '≥' | '≤',
  ): Target => {
    if (measured === undefined || bound === undefined) {
      return {
        name,
        required: bound === undefined ? NOT_MEASURED : `${relation} ${round(bound, 2)}${unit}`,
        measured: measured === undefined ? NOT_MEASURED : `${measured}${unit}`,
        met: null,
      };
    }
    return {
      name,
      required: `${relation} ${round(bound, 2)}${unit}`,
      measured: `${measured}${unit}`,
      met: relation === '≥' ? measured >= bound : measured <= bound,
    };
  };
  return [
    ratio('consensus.perSecond ≥ 0.5 × raw.tps', consensus.perSecond, 0.5 * raw.tps, ' /s', '≥'),
    ratio(
      'consensus.lone.p50Ms ≤ 3 × raw.lone.p50Ms',
      consensus.lone?.p50Ms,
      rawLone === undefined ? undefined : 3 * rawLone,
      ' ms',
      '≤',
    ),
    ratio(
      'consensus.halfLoad.p95Ms ≤ 4 × raw.lone.p50Ms',
      consensus.halfLoad?.p95Ms,
      rawLone === undefined ? undefined : 4 * rawLone,
      ' ms',
      '≤',
    ),
    ratio(
      'batches of 1000: records/s ≥ 20 × raw.tps',
      batch1000?.recordsPerSecond,
      20 * raw.tps,
      ' records/s',
      '≥',
    ),
    {
      name: 'consensus.conflicts = 0 (MVCC and phantom-read invalidations)',
      required: '0',
      measured: String(consensus.conflicts),
      met: consensus.conflicts === 0,
    },
    soak?.rssGrowth === null || soak?.rssGrowth === undefined
      ? { name: 'soak.rssGrowth < 0.10', required: '< 0.10', measured: NOT_MEASURED, met: null }
      : {
          name: 'soak.rssGrowth < 0.10',
          required: '< 0.10',
          measured: soak.rssGrowth.toFixed(3),
          met: soak.rssGrowth < 0.1,
        },
  ];
}

/** The targets as a Markdown table: target, required, measured, met. */
export function targetTable(targets: readonly Target[]): string {
  const met = (value: boolean | null) => (value === null ? '—' : value ? 'yes' : 'no');
  return [
    '| target | required | measured | met |',
    '|---|---|---|---|',
    ...targets.map(
      (target) =>
        `| ${target.name} | ${target.required} | ${target.measured} | ${met(target.met)} |`,
    ),
  ].join('\n');
}
