import os from "node:os";
import type { Plan, Scenario, ServerResult } from "./capacityRun.ts";

// bench:capacity's report: the rows stock against Tickwire with their ratios and targets, the
// printed table, and the warnings of a run.

export interface Row {
  label: string;
  stock: number;
  tickwire: number;
  digits: number;
  target?: { text: string; met: boolean };
}

export function rowsOf(sc: Scenario, stock: ServerResult, tw: ServerResult): Row[] {
  const cpuTarget =
    sc.name === "visible"
      ? { text: "<= 0.50x stock", met: tw.cpu.usPerClientTick <= stock.cpu.usPerClientTick / 2 }
      : { text: "<= 15 us", met: tw.cpu.usPerClientTick <= 15 };
  const maxBots = (r: ServerResult) => Math.max(...r.window.bots.map((b) => b.cores));
  return [
    {
      label: "CPU us per client-tick",
      stock: stock.cpu.usPerClientTick,
      tickwire: tw.cpu.usPerClientTick,
      digits: 2,
      target: cpuTarget,
    },
    {
      label: "  same, idle server's CPU off",
      stock: stock.cpu.usOverIdlePerClientTick,
      tickwire: tw.cpu.usOverIdlePerClientTick,
      digits: 2,
    },
    { label: "players per core at 30 Hz", stock: stock.cpu.playersPerCore, tickwire: tw.cpu.playersPerCore, digits: 0 },
    {
      label: "RSS KB per player",
      stock: stock.rss.kbPerPlayer,
      tickwire: tw.rss.kbPerPlayer,
      digits: 1,
      target: { text: "<= stock", met: tw.rss.kbPerPlayer <= stock.rss.kbPerPlayer },
    },
    {
      label: "bytes per client per s",
      stock: stock.downstream.bytesPerClientPerSecond,
      tickwire: tw.downstream.bytesPerClientPerSecond,
      digits: 0,
    },
    { label: "tick p99 ms", stock: stock.tickMs.p99, tickwire: tw.tickMs.p99, digits: 3 },
    { label: "flush/patch p99 ms", stock: stock.flushMs.p99, tickwire: tw.flushMs.p99, digits: 3 },
    { label: "players held per client", stock: stock.playersHeld, tickwire: tw.playersHeld, digits: 1 },
    { label: "server CPU (cores)", stock: stock.window.server.cores, tickwire: tw.window.server.cores, digits: 2 },
    { label: "idle server CPU (cores)", stock: stock.cpu.idleCores, tickwire: tw.cpu.idleCores, digits: 3 },
    { label: "bot process CPU (cores)", stock: maxBots(stock), tickwire: maxBots(tw), digits: 2 },
  ];
}

export function printTable(sc: Scenario, plan: Plan, rows: Row[]): void {
  const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  const header = ["metric", "stock", "Tickwire", "Tickwire/stock", "target"];
  const body = rows.map((r) => [
    r.label,
    fmt(r.stock, r.digits),
    fmt(r.tickwire, r.digits),
    r.stock ? fmt(r.tickwire / r.stock, 2) : "n/a",
    r.target ? `${r.target.text}: ${r.target.met ? "MET" : "MISSED"}` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\n${sc.name}: ${sc.title}; ${plan.players} players in ${plan.rooms} rooms, ${plan.window} s window`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
}

export function warningsOf(sc: Scenario, r: ServerResult): string[] {
  const w: string[] = [];
  const who = `${sc.name}/${r.server}`;
  for (const b of r.window.bots) {
    if (b.cores >= 0.9 || b.busiestThread.cores >= 0.9)
      w.push(
        `${who}: the bot process (${b.role}) used ${(b.cores * 100).toFixed(0)} % of a core (busiest thread "${b.busiestThread.name}" ${(b.busiestThread.cores * 100).toFixed(0)} %): the bots, not the server, may be the bottleneck`,
      );
  }
  if (r.window.otherCores >= 0.25)
    w.push(
      `${who}: other processes on this machine used ${r.window.otherCores.toFixed(2)} cores during the window: figures may be disturbed`,
    );
  if (r.window.machineBusyCores >= os.cpus().length * 0.9)
    w.push(
      `${who}: the machine was saturated (${r.window.machineBusyCores.toFixed(2)} cores busy of ${os.cpus().length})`,
    );
  if (r.window.clientsAtStart !== r.clients.target || r.window.clientsAtEnd !== r.clients.target)
    w.push(
      `${who}: ${r.window.clientsAtStart} clients at the window's start and ${r.window.clientsAtEnd} at its end, of ${r.clients.target}`,
    );
  if (r.clients.failed || r.clients.disconnects)
    w.push(`${who}: ${r.clients.failed} joins failed, ${r.clients.disconnects} clients dropped`);
  if (Math.abs(r.ticks.perRoomMeasured - r.ticks.nominal) > r.ticks.nominal * 0.05)
    w.push(`${who}: rooms ran ${r.ticks.perRoomMeasured} steps each in the window, not ${r.ticks.nominal} (30 Hz)`);
  if (!/native|uws/i.test(r.transport)) w.push(`${who}: not on native uWebSockets.js (${r.transport})`);
  return w;
}
