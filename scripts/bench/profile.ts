/**
 * `npm run bench -- --profile DIR`: CPU profiles of every process over one phase of the run.
 * Node processes (chaincode servers, gateways, workers) run the agent of cpu-profile-agent.cjs,
 * which SIGUSR2 starts and stops; the orderer and the peers serve Go's pprof when the network was
 * started with CORROBORATE_PPROF=1, and are sampled in back-to-back 5-second profiles.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  summariseCpuProfiles,
  summarisePprofTop,
  type CpuProfile,
  type CpuSummary,
} from './cpu-profile';
import { hasEnvironment, kindOf } from './procfs';

export const NODE_PROFILE_VARIABLE = 'CORROBORATE_CPU_PROFILE_DIR';
export const AGENT_PATH = join(__dirname, 'cpu-profile-agent.cjs');
const GO_SLICE_SECONDS = 5;

/** The environment that makes the network and the consortium profilable, for `dir`. */
export function profilingEnvironment(dir: string, nodeOptions = ''): Record<string, string> {
  return {
    NODE_OPTIONS: `${nodeOptions} --require "${AGENT_PATH}"`.trim(),
    [NODE_PROFILE_VARIABLE]: join(dir, 'node'),
    CORROBORATE_PPROF: '1',
  };
}

/** True if `pid` was started with the agent writing to `dir`. */
export function runsAgent(pid: number, dir: string): boolean {
  return hasEnvironment(pid, `${NODE_PROFILE_VARIABLE}=${join(dir, 'node')}`);
}

export interface ProfileReport {
  readonly dir: string;
  readonly seconds: number;
  readonly byKind: Record<string, CpuSummary>;
  readonly notes: string[];
}

export class PhaseProfiler {
  readonly #dir: string;
  readonly #node: Map<string, number>;
  readonly #go: Map<string, string>;
  readonly #notes: string[] = [];
  #stopped = false;
  #goLoops: Array<Promise<string[]>> = [];
  #startedAt = 0;

  /**
   * @param node Node processes by name (chaincode.org1, gateway.org1, …); only those started with
   *   the agent are signalled, since SIGUSR2 would end any other.
   * @param go pprof base URLs of the Go nodes by name (orderer1, peer0.org1, …).
   */
  constructor(dir: string, node: ReadonlyMap<string, number>, go: ReadonlyMap<string, string>) {
    this.#dir = dir;
    this.#node = new Map([...node].filter(([, pid]) => runsAgent(pid, dir)));
    for (const name of node.keys()) {
      if (!this.#node.has(name)) this.#notes.push(`${name}: not started with the profiling agent`);
    }
    this.#go = new Map(go);
    mkdirSync(join(dir, 'node'), { recursive: true });
    mkdirSync(join(dir, 'go'), { recursive: true });
  }

  start(): void {
    this.#startedAt = Date.now();
    for (const pid of this.#node.values()) process.kill(pid, 'SIGUSR2');
    this.#goLoops = [...this.#go].map(([name, url]) => this.#sampleGo(name, url));
  }

  async #sampleGo(name: string, url: string): Promise<string[]> {
    const files: string[] = [];
    while (!this.#stopped) {
      try {
        const response = await fetch(`${url}/debug/pprof/profile?seconds=${GO_SLICE_SECONDS}`, {
          signal: AbortSignal.timeout((GO_SLICE_SECONDS + 30) * 1000),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const file = join(this.#dir, 'go', `${name}.${files.length}.pb.gz`);
        writeFileSync(file, Buffer.from(await response.arrayBuffer()));
        files.push(file);
      } catch (error) {
        this.#notes.push(`${name}: pprof at ${url} failed (${(error as Error).message})`);
        break;
      }
    }
    return files;
  }

  async stop(): Promise<ProfileReport> {
    this.#stopped = true;
    const seconds = (Date.now() - this.#startedAt) / 1000;
    for (const pid of this.#node.values()) process.kill(pid, 'SIGUSR2');
    const nodeProfiles = new Map<string, CpuProfile>();
    for (const [name, pid] of this.#node) {
      const written = join(this.#dir, 'node', `${pid}.cpuprofile`);
      for (let attempt = 0; attempt < 100 && !existsSync(written); attempt++) await sleep(100);
      if (!existsSync(written)) {
        this.#notes.push(`${name}: no CPU profile written`);
        continue;
      }
      const file = join(this.#dir, 'node', `${name}.cpuprofile`);
      renameSync(written, file);
      nodeProfiles.set(name, JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    }
    const goFiles = new Map<string, string[]>();
    const loops = await Promise.all(this.#goLoops);
    [...this.#go.keys()].forEach((name, index) => goFiles.set(name, loops[index] ?? []));

    const byKind: Record<string, CpuSummary> = {};
    const rootDir = join(__dirname, '..', '..');
    for (const kind of new Set([...nodeProfiles.keys()].map(kindOf))) {
      const profiles = [...nodeProfiles].filter(([name]) => kindOf(name) === kind);
      byKind[kind] = summariseCpuProfiles(
        profiles.map(([, profile]) => profile),
        12,
        rootDir,
      );
    }
    for (const kind of new Set([...goFiles.keys()].map(kindOf))) {
      const entries = [...goFiles].filter(([name]) => kindOf(name) === kind);
      const files = entries.flatMap(([, list]) => list);
      if (files.length === 0) continue;
      try {
        const text = execFileSync(
          'go',
          ['tool', 'pprof', '-top', '-nodecount=100000', '-unit=ms', '-symbolize=none', ...files],
          { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        writeFileSync(join(this.#dir, 'go', `${kind}.top.txt`), text);
        byKind[kind] = summarisePprofTop(text, entries.length);
      } catch (error) {
        this.#notes.push(
          `${kind}: go tool pprof could not read the profiles (${(error as Error).message.split('\n')[0]}); they are in ${join(this.#dir, 'go')}`,
        );
      }
    }
    const report: ProfileReport = {
      dir: this.#dir,
      seconds: Math.round(seconds * 10) / 10,
      byKind,
      notes: this.#notes,
    };
    writeFileSync(join(this.#dir, 'summary.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(this.#dir, 'summary.md'), profileMarkdown(report));
    return report;
  }
}

/** Top functions and modules of each kind of process, as Markdown. */
export function profileMarkdown(report: ProfileReport): string {
  const lines = [`# CPU profile of the saturation consensus phase (${report.seconds} s)`, ''];
  for (const [kind, summary] of Object.entries(report.byKind).sort()) {
    lines.push(
      `## ${kind} (${summary.profiles} process(es), ${summary.busyMs} ms busy)`,
      '',
      '| function | self ms | share |',
      '|---|---|---|',
      ...summary.topFunctions.map(
        (entry) => `| \`${entry.name}\` | ${entry.ms} | ${(entry.share * 100).toFixed(1)} % |`,
      ),
      '',
      '| module or package | self ms | share |',
      '|---|---|---|',
      ...summary.topModules.map(
        (entry) => `| \`${entry.name}\` | ${entry.ms} | ${(entry.share * 100).toFixed(1)} % |`,
      ),
      '',
    );
    if (summary.topFabric && summary.topFabric.length > 0) {
      lines.push(
        '| Fabric function (cumulative: with what it calls) | ms | share |',
        '|---|---|---|',
        ...summary.topFabric.map(
          (entry) => `| \`${entry.name}\` | ${entry.ms} | ${(entry.share * 100).toFixed(1)} % |`,
        ),
        '',
      );
    }
  }
  if (report.notes.length > 0) lines.push('Notes:', ...report.notes.map((note) => `- ${note}`), '');
  return lines.join('\n');
}
