import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Ticks of /proc's clock a second (CLK_TCK, 100 on Linux). */
export const CLK_TCK = 100;

const statFields = (pid: number | string): string[] | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
};

/** CPU ticks (user + system) of a process, from /proc; undefined once it is gone. */
export const cpuTicks = (pid: number): number | undefined => {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : undefined;
};

/**
 * CPU ticks of a process and everything under it: its own, its reaped children's (cutime,
 * cstime) and its live children's, theirs counted the same way. The difference of two readings is
 * the tree's CPU between them, children that came or went meanwhile included: a child's ticks move
 * into its parent's cutime as it is reaped. For PostgreSQL's postmaster, its backends and workers.
 * Undefined once the process is gone.
 */
export const treeCpuTicks = (pid: number): number | undefined => {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(entry)?.[1]);
    if (Number.isFinite(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const ticksOf = (of: number): number | undefined => {
    const fields = statFields(of);
    if (!fields) return undefined;
    const own = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return own + (children.get(of) ?? []).reduce((sum, child) => sum + (ticksOf(child) ?? 0), 0);
  };
  return ticksOf(pid);
};

/** The process listening on 127.0.0.1 (or any address) at `port`, from /proc/net/tcp and the processes' sockets; undefined if none is found. */
export const listenerPid = (port: number): number | undefined => {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT, st 0A is LISTEN, the inode is the tenth column.
      if (cols.length > 9 && cols[1].endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
};

/**
 * A thread's scheduler figures since it started (/proc/<pid>/schedstat, nanoseconds): time on a
 * core, and time runnable but waiting on a run queue for one. The pid's own figures are its main
 * thread's: for Node, the event loop. Undefined once it is gone (or without schedstats).
 */
export interface ThreadSchedule {
  onCpuNs: number;
  runQueueWaitNs: number;
}

export const threadSchedule = (pid: number): ThreadSchedule | undefined => {
  try {
    const [onCpuNs, runQueueWaitNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(onCpuNs) && Number.isFinite(runQueueWaitNs) ? { onCpuNs, runQueueWaitNs } : undefined;
  } catch {
    return undefined;
  }
};

/** Of `wallMs` between two readings, the shares the thread ran and waited for a core. */
export const scheduleShares = (from: ThreadSchedule | undefined, to: ThreadSchedule | undefined, wallMs: number) => {
  if (!from || !to || wallMs <= 0) return undefined;
  const share = (ns: number) => Number((ns / 1e6 / wallMs).toFixed(3));
  return { onCpuShare: share(to.onCpuNs - from.onCpuNs), runQueueWaitShare: share(to.runQueueWaitNs - from.runQueueWaitNs) };
};

/** The whole machine's CPU time, in ticks since boot, from the first line of /proc/stat. */
export interface MachineTicks {
  busy: number;
  idle: number;
  /** Taken by the hypervisor for other guests while this one had work to run. */
  steal: number;
}

export const machineTicks = (): MachineTicks => {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
};

/** How the machine's CPU time went between two readings: shares of busy, idle and stolen time. */
export const machineShares = (from: MachineTicks, to: MachineTicks) => {
  const busy = to.busy - from.busy;
  const idle = to.idle - from.idle;
  const steal = to.steal - from.steal;
  const total = Math.max(1, busy + idle + steal);
  const share = (n: number) => Number((n / total).toFixed(3));
  return { busyShare: share(busy), idleShare: share(idle), stealShare: share(steal) };
};

/**
 * Kills `child` if this process exits first: a benchmark that fails past its clean-up (an
 * uncaught error) still leaves no process running. A SIGKILL of the benchmark itself skips exit
 * handlers; nothing in-process can cover that.
 */
export const killWithParent = (child: ChildProcess): ChildProcess => {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
};

export interface ChildServer {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the child wrote, for the report when it fails. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server in a process of its own (so the load generator never shares its event loop)
 * and resolves once `healthPath` answers 200. Bounded: rejects after `timeoutMs`.
 */
export const startChildServer = async (
  label: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; port: number; healthPath?: string; timeoutMs?: number; nodeOptions?: readonly string[] },
): Promise<ChildServer> => {
  const child = killWithParent(
    spawn(process.execPath, [...(options.nodeOptions ?? []), '--import', 'tsx', ...args], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    }),
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode} before it was healthy:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}${options.healthPath ?? '/healthz'}`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} not healthy after ${options.timeoutMs ?? 120_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    child,
    baseUrl,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/**
 * A Node process's event-loop delay since the previous call, ms, from its `/metrics`: prom-client's
 * gauges over `monitorEventLoopDelay`, which it resets at each scrape. Each sample is the time
 * between two of its 10 ms ticks, so an idle loop reads 10 ms and the rest is how long a ready
 * callback (an answer from PostgreSQL, a new request) waited for the one thread.
 */
export const eventLoopDelaySinceLastScrape = async (metricsUrl: string) => {
  const text = await (await fetch(metricsUrl)).text();
  const gauge = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`nodejs_eventloop_lag_${name}_seconds `));
    return line === undefined ? undefined : Number((Number(line.split(' ')[1]) * 1000).toFixed(1));
  };
  return { p50: gauge('p50'), p90: gauge('p90'), p99: gauge('p99'), max: gauge('max') };
};

/** One route's `http_request_duration_seconds` histogram in a process's `/metrics`, summed over its labels' statuses. */
export interface RouteDurations {
  count: number;
  sumS: number;
  /** Cumulative count per upper bound, seconds (`le`), ascending; +Inf last. */
  buckets: [number, number][];
}

export const routeDurations = async (metricsUrl: string, method: string, route: string): Promise<RouteDurations> => {
  const text = await (await fetch(metricsUrl)).text();
  const ofRoute = (line: string) => line.includes(`method="${method}"`) && line.includes(`route="${route}"`);
  const value = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
  const byBound = new Map<number, number>();
  let count = 0;
  let sumS = 0;
  for (const line of text.split('\n')) {
    if (!ofRoute(line)) continue;
    if (line.startsWith('http_request_duration_seconds_bucket{')) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const bound = le === '+Inf' ? Infinity : Number(le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + value(line));
    } else if (line.startsWith('http_request_duration_seconds_count{')) count += value(line);
    else if (line.startsWith('http_request_duration_seconds_sum{')) sumS += value(line);
  }
  return { count, sumS, buckets: [...byBound].sort(([a], [b]) => a - b) };
};

/**
 * The requests between two readings of a route's histogram: their count, mean, and the bucket
 * bounds their median and 99th percentile fall under (`≤ bound` ms; undefined past the last).
 */
export const routeDurationsBetween = (before: RouteDurations, after: RouteDurations) => {
  const count = after.count - before.count;
  const earlier = new Map(before.buckets);
  const within = after.buckets.map(([bound, n]) => [bound, n - (earlier.get(bound) ?? 0)] as const);
  const underMs = (share: number) => {
    if (count <= 0) return undefined;
    const bucket = within.find(([, n]) => n >= share * count);
    return bucket === undefined || bucket[0] === Infinity ? undefined : bucket[0] * 1000;
  };
  return { count, meanMs: count > 0 ? Number((((after.sumS - before.sumS) / count) * 1000).toFixed(1)) : undefined, p50UnderMs: underMs(0.5), p99UnderMs: underMs(0.99) };
};
