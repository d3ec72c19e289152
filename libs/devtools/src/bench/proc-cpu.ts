import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per process group, read from /proc (Linux only; elsewhere every figure is empty). The bench
 * takes a snapshot at the start and at the end of each scenario and reports, per group, how many cores it
 * kept busy: that says at once whether the gateway, a signer, PostgreSQL, Kafka or the load generator is
 * where the time goes, and how much of the machine something outside the bench took.
 */
const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on.

export interface CpuSnapshot {
  atMs: number;
  /** Ticks (user + system) of each process, by group and pid. */
  groups: Record<string, Record<string, number>>;
  /** Busy and total ticks of the whole machine (all cores). */
  busy: number;
  total: number;
}

export interface CpuUsage {
  seconds: number;
  /** Cores kept busy on average, per group; `other` is everything on the machine not in a group. */
  cores: Record<string, number>;
  machineBusyCores: number;
}

function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command name start at field 3 (state); utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait };
}

/** Processes of the infrastructure found by name: every PostgreSQL backend, the Kafka JVM, Redis. */
function infrastructurePids(): Record<string, number[]> {
  const found: Record<string, number[]> = { postgres: [], kafka: [], redis: [] };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres') found.postgres.push(Number(entry));
      else if (comm.startsWith('redis-server')) found.redis.push(Number(entry));
      else if (comm === 'java') {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmdline.includes('kafka.Kafka')) found.kafka.push(Number(entry));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export class CpuSampler {
  readonly available = existsSync('/proc/stat');

  /** `pids` names the groups the caller knows (services, the bench itself); infrastructure is found here. */
  constructor(private readonly pids: () => Record<string, number[]>) {}

  snapshot(): CpuSnapshot {
    const snapshot: CpuSnapshot = { atMs: Date.now(), groups: {}, busy: 0, total: 0 };
    if (!this.available) return snapshot;
    const groups = { ...this.pids(), ...infrastructurePids() };
    for (const [group, pids] of Object.entries(groups)) {
      const ticks: Record<string, number> = {};
      for (const pid of pids) {
        const t = processTicks(pid);
        if (t !== null) ticks[pid] = t;
      }
      snapshot.groups[group] = ticks;
    }
    Object.assign(snapshot, machineTicks());
    return snapshot;
  }

  static usage(from: CpuSnapshot, to: CpuSnapshot): CpuUsage {
    const seconds = (to.atMs - from.atMs) / 1000;
    const cores: Record<string, number> = {};
    if (seconds <= 0 || to.total === 0) return { seconds, cores, machineBusyCores: 0 };
    let known = 0;
    for (const [group, processes] of Object.entries(to.groups)) {
      // Per process: one that appeared during the window counts from zero, and one that ended (a database
      // connection closed by its pool, say) takes nothing away from the others; what an ended process
      // used during the window is lost, and shows up under "other".
      let delta = 0;
      for (const [pid, ticks] of Object.entries(processes)) {
        delta += Math.max(0, ticks - (from.groups[group]?.[pid] ?? 0));
      }
      known += delta;
      cores[group] = delta / TICKS_PER_SECOND / seconds;
    }
    const busy = (to.busy - from.busy) / TICKS_PER_SECOND / seconds;
    cores.other = Math.max(0, busy - known / TICKS_PER_SECOND / seconds);
    return { seconds, cores, machineBusyCores: busy };
  }
}
