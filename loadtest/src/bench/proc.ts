import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

// A process's CPU time and memory as Linux reports them in /proc: what the benchmarks measure
// a server by (CPU time, never wall time).

/** Clock ticks per second of the /proc counters. */
export const CLK_TCK = clockTicks();

function clockTicks(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime (clock ticks) and the name from a /proc stat file. */
export function readStat(file: string): { ticks: number; name: string } {
  const text = readFileSync(file, "utf8");
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" "); // rest[0] is field 3 (state): utime is field 14, stime 15
  return { ticks: Number(rest[11]) + Number(rest[12]), name: text.slice(text.indexOf("(") + 1, close) };
}

export function processTicks(pid: number): number {
  return readStat(`/proc/${pid}/stat`).ticks;
}

export function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, readStat(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Busy and total clock ticks of the whole machine (/proc/stat, first line). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}
