/**
 * The processes of a benchmark run and what /proc says of them: CPU time (utime + stime) and
 * resident set size. Linux only, as the local network is.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second of /proc/PID/stat's times (`getconf CLK_TCK`, 100 where unknown). */
export const CLOCK_TICKS = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds (user + system) a process has used, or undefined if it has gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes (VmRSS), or undefined if the process has gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** True if the process's environment holds exactly `entry` (NAME=value). */
export function hasEnvironment(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/**
 * The running nodes of the local network by name (orderer1, peer0.org1, chaincode.org1, …): the
 * pid files network.sh keeps in its run folder, each trusted only if that pid's command line is
 * the one network.sh recorded for the node (the check network.sh itself makes).
 */
export function networkProcesses(home: string): Map<string, number> {
  const runDir = join(home, 'network', 'run');
  const processes = new Map<string, number>();
  for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
    const name = file.replace(/\.pid$/, '');
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let recorded: string[];
    try {
      recorded = readFileSync(join(runDir, `${name}.cmd`), 'utf8')
        .split('\n')
        .slice(0, -1);
    } catch {
      continue;
    }
    const actual = commandLine(pid);
    if (actual && actual.join('\n') === recorded.join('\n')) processes.set(name, pid);
  }
  return processes;
}

/** The kind of a process by its name: orderer, peer, chaincode, baseline, gateway or worker. */
export function kindOf(name: string): string {
  return name.replace(/\d*(\..*)?$/, '');
}

export function snapshotCpu(processes: ReadonlyMap<string, number>): Map<string, number> {
  const snapshot = new Map<string, number>();
  for (const [name, pid] of processes) {
    const value = cpuMs(pid);
    if (value !== undefined) snapshot.set(name, value);
  }
  return snapshot;
}

/** CPU milliseconds each process used between two snapshots. */
export function cpuDelta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, value] of after) {
    const start = before.get(name);
    if (start !== undefined) delta.set(name, value - start);
  }
  return delta;
}
