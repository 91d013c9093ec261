/**
 * Where the CPU goes: summaries of V8 CPU profiles (.cpuprofile, from the Node processes) and of
 * `go tool pprof -top` output (from the peers and the orderer), as top functions and top modules.
 */
import { round } from './stats';

/** The part of a V8 `.cpuprofile` (Profiler.stop's result) the summary reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface CpuEntry {
  readonly name: string;
  /** Self time; cumulative time in `topFabric`. */
  readonly ms: number;
  /** Of the busy time (all samples less idle). */
  readonly share: number;
}

export interface CpuSummary {
  readonly profiles: number;
  /** CPU time sampled, idle excluded (ms). */
  readonly busyMs: number;
  readonly topFunctions: CpuEntry[];
  readonly topModules: CpuEntry[];
  /**
   * Go only: Fabric's own functions by cumulative time (with what they call), which says which
   * of the peer's or orderer's jobs the flat time of the runtime and crypto belongs to.
   */
  readonly topFabric?: CpuEntry[];
}

const IDLE = new Set(['(idle)']);

/**
 * `node_modules/@scope/name/...` → `@scope/name`; `node:...` → `node`; no script (V8's builtins,
 * native bindings, the garbage collector) → `(native)`; else the project file.
 */
export function moduleOfUrl(url: string, rootDir = ''): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node';
  const path = url.replace(/^file:\/\//, '');
  const marker = path.lastIndexOf('/node_modules/');
  if (marker >= 0) {
    const [first = '', second = ''] = path.slice(marker + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  return rootDir !== '' && path.startsWith(`${rootDir}/`) ? path.slice(rootDir.length + 1) : path;
}

function top(totals: Map<string, number>, busyMs: number, count: number): CpuEntry[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([name, ms]) => ({
      name,
      ms: round(ms),
      share: busyMs > 0 ? round(ms / busyMs, 3) : 0,
    }));
}

/**
 * Self time by function and by module over one or more profiles of the same kind of process;
 * each sample counts the profile's mean sampling interval.
 */
export function summariseCpuProfiles(
  profiles: readonly CpuProfile[],
  count = 12,
  rootDir = '',
): CpuSummary {
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyMs = 0;
  for (const profile of profiles) {
    const samples = profile.samples ?? [];
    if (samples.length === 0) continue;
    const intervalMs = (profile.endTime - profile.startTime) / 1000 / samples.length;
    const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    for (const id of samples) {
      const frame = byId.get(id);
      if (!frame || IDLE.has(frame.functionName)) continue;
      const module = moduleOfUrl(frame.url, rootDir);
      const where = frame.url === '' ? '' : ` (${module}:${frame.lineNumber + 1})`;
      const name = `${frame.functionName || '(anonymous)'}${where}`;
      functions.set(name, (functions.get(name) ?? 0) + intervalMs);
      modules.set(module, (modules.get(module) ?? 0) + intervalMs);
      busyMs += intervalMs;
    }
  }
  return {
    profiles: profiles.length,
    busyMs: round(busyMs),
    topFunctions: top(functions, busyMs, count),
    topModules: top(modules, busyMs, count),
  };
}

/** A Go function's package: `github.com/a/b/c.(*T).m` → `github.com/a/b/c`. */
export function goPackageOf(functionName: string): string {
  const slash = functionName.lastIndexOf('/');
  const dot = functionName.indexOf('.', slash + 1);
  return dot < 0 ? functionName : functionName.slice(0, dot);
}

const FABRIC_PREFIX = 'github.com/hyperledger/fabric/';

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000 };

/**
 * Reads the rows of `go tool pprof -top` (flat, flat%, sum%, cum, cum%, function) into the same
 * summary as the Node profiles: flat time by function and by package.
 */
export function summarisePprofTop(text: string, profiles: number, count = 12): CpuSummary {
  const row =
    /^\s*([\d.]+)(ns|us|µs|ms|s)\s+[\d.]+%\s+[\d.]+%\s+([\d.]+)(ns|us|µs|ms|s)\s+[\d.]+%\s+(.+?)\s*$/;
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const fabric = new Map<string, number>();
  let busyMs = 0;
  for (const line of text.split('\n')) {
    const match = row.exec(line);
    if (!match) continue;
    const flatMs = Number(match[1]) * unitMs[match[2]!]!;
    const cumMs = Number(match[3]) * unitMs[match[4]!]!;
    const name = match[5]!.replace(/ \(inline\)$/, '');
    functions.set(name, (functions.get(name) ?? 0) + flatMs);
    const pkg = goPackageOf(name);
    packages.set(pkg, (packages.get(pkg) ?? 0) + flatMs);
    if (name.startsWith(FABRIC_PREFIX)) {
      fabric.set(name.slice(FABRIC_PREFIX.length), cumMs);
    }
    busyMs += flatMs;
  }
  return {
    profiles,
    busyMs: round(busyMs),
    topFunctions: top(functions, busyMs, count),
    topModules: top(packages, busyMs, count),
    topFabric: top(fabric, busyMs, count),
  };
}
