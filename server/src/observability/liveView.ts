import type { Client, Room } from "@colyseus/core";
import { channelOf } from "../transport/unreliable/channel.ts";
import type { Metrics } from "./metrics.ts";
import { PROCESS_RECENT_MS, quantileSince, RecentTimings } from "./recent.ts";

/** Rooms listed in one answer at most (the busiest first): the view stays light with thousands. */
export const LIVE_ROOMS_LISTED = 100;
/** Clients of the chosen room listed at most. */
export const LIVE_CLIENTS_LISTED = 100;

/** Figures of one room: its latest ticks and flushes, players and what its clients were sent. */
export interface LiveRoom {
  roomId: string;
  name: string;
  players: number;
  tickP99Ms: number | null;
  flushP99Ms: number | null;
  /** Payload bytes sent to the room's clients, those gone included. */
  bytesSent: number;
  framesDropped: number;
}

/** One client of the chosen room, as its unreliable channel sees it. */
export interface LiveClient {
  sessionId: string;
  /** Newest round trip, and the lowest of the last few seconds. */
  rttMs: number | null;
  minRttMs: number | null;
  jitterMs: number | null;
  windowBytes: number;
  framesInFlight: number;
  framesSent: number;
  framesDropped: number;
  bytesSent: number;
  backlogBytes: number;
}

/**
 * What `/monitor/api/tickwire` answers: this process now. Counters are totals since start (the
 * page turns two answers into rates); timings are quantiles over the process's steps of the last
 * few seconds (PROCESS_RECENT_MS), and over each listed room's last RECENT_SAMPLES.
 */
export interface LiveView {
  at: number;
  processId: string;
  uptimeSeconds: number;
  players: number;
  rooms: number;
  /** User plus system CPU time of the process since start. */
  cpuSeconds: number;
  rssBytes: number;
  tickMs: { p50: number | null; p99: number | null };
  latenessMs: { p99: number | null };
  flushMs: { p50: number | null; p99: number | null };
  totals: {
    bytesSent: number;
    bytesReceived: number;
    framesSent: number;
    framesReceived: number;
    unreliableSent: number;
    unreliableDropped: number;
    backpressureCloses: number;
    limitCloses: number;
  };
  clientsBacklogged: number;
  roomList: LiveRoom[];
  /** The room asked for (`?roomId=`), else the busiest; null when there is none. */
  room: { roomId: string; name: string; clients: LiveClient[] } | null;
}

/**
 * What a room's departed clients were sent, so that the room's totals only grow as clients come
 * and go (the view turns them into rates). Each channel counts once: a dropped client leaves
 * later, a reconnected one comes back on a new channel.
 */
export class DepartedTraffic {
  bytesSent = 0;
  framesDropped = 0;
  readonly #counted = new WeakSet<object>();

  add(client: Client): void {
    const channel = channelOf(client);
    if (!channel || this.#counted.has(channel)) return;
    this.#counted.add(channel);
    this.bytesSent += channel.bytesSent;
    this.framesDropped += channel.framesDropped;
  }

  /** True for a channel already added (its client is gone, or waits to reconnect). */
  has(channel: object): boolean {
    return this.#counted.has(channel);
  }
}

/** How long an answer is reused: however many pages poll, a process builds one a second or so. */
export const LIVE_VIEW_REUSE_MS = 900;

export interface LiveSource {
  processId(): string;
  startedAt: number;
  metrics: Metrics;
  rooms(): Iterable<Room>;
}

type TimedRoom = Room & { readonly recent: RecentTimings; readonly departed: DepartedTraffic };

const timed = (room: Room): room is TimedRoom => {
  const r = room as { recent?: unknown; departed?: unknown };
  return r.recent instanceof RecentTimings && r.departed instanceof DepartedTraffic;
};
const orNull = (v: number | undefined): number | null => (v === undefined ? null : Math.round(v * 1000) / 1000);

/** The sum of a metric's samples (all label sets), collecting it first as a scrape would. */
async function total(metrics: Metrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let n = 0;
  for (const v of values) n += v.value;
  return n;
}

function roomTotals(room: TimedRoom): { bytesSent: number; framesDropped: number } {
  let { bytesSent, framesDropped } = room.departed;
  for (const c of room.clients) {
    const channel = channelOf(c);
    if (!channel || room.departed.has(channel)) continue;
    bytesSent += channel.bytesSent;
    framesDropped += channel.framesDropped;
  }
  return { bytesSent, framesDropped };
}

function liveClient(client: Client, now: number): LiveClient {
  const s = channelOf(client)?.stats(now);
  return {
    sessionId: client.sessionId,
    rttMs: orNull(s?.latestRttMs),
    minRttMs: orNull(s?.minRttMs),
    jitterMs: orNull(s?.jitterMs),
    windowBytes: s?.windowBytes ?? 0,
    framesInFlight: s?.framesInFlight ?? 0,
    framesSent: s?.framesSent ?? 0,
    framesDropped: s?.framesDropped ?? 0,
    bytesSent: s?.bytesSent ?? 0,
    backlogBytes: s?.backlogBytes ?? 0,
  };
}

/**
 * The live view of `source`: a function that builds it at most once per LIVE_VIEW_REUSE_MS for
 * the same room asked for. Its cost: sorting the process's latest timings (at most
 * PROCESS_RECENT_SAMPLES, of the last PROCESS_RECENT_MS), ordering the rooms by players, the
 * listed rooms' own samples and clients' counters, and the chosen room's clients.
 */
export function liveViewOf(source: LiveSource): (roomId: string | undefined) => Promise<LiveView> {
  let reused: { at: number; roomId: string | undefined; view: Promise<LiveView> } | undefined;
  return (roomId) => {
    const now = performance.now();
    if (reused && reused.roomId === roomId && now - reused.at < LIVE_VIEW_REUSE_MS) return reused.view;
    const view = buildLiveView(source, roomId);
    reused = { at: now, roomId, view };
    return view;
  };
}

async function buildLiveView(source: LiveSource, roomId: string | undefined): Promise<LiveView> {
  const rooms = [...source.rooms()].filter(timed);
  const now = performance.now();
  const all = source.metrics.recent;
  // Steps of rooms gone, or from long ago, do not count: a quiet process shows none.
  const since = now - PROCESS_RECENT_MS;
  const [tickP50, tickP99] = quantileSince([all.tick], since, 0.5, 0.99);
  const [flushP50, flushP99] = quantileSince([all.flush], since, 0.5, 0.99);
  const [latenessP99] = quantileSince([all.lateness], since, 0.99);
  let players = 0;
  for (const r of rooms) players += r.clients.length;
  const busiest = [...rooms].sort((a, b) => b.clients.length - a.clients.length);
  const roomList = busiest.slice(0, LIVE_ROOMS_LISTED).map((r) => ({
    roomId: r.roomId,
    name: r.roomName,
    players: r.clients.length,
    tickP99Ms: orNull(r.recent.tick.quantile(0.99)),
    flushP99Ms: orNull(r.recent.flush.quantile(0.99)),
    ...roomTotals(r),
  }));
  const chosen = (roomId ? rooms.find((r) => r.roomId === roomId) : undefined) ?? busiest[0];
  const cpu = process.cpuUsage();
  const m = source.metrics;
  const [bytesSent, bytesReceived, framesSent, framesReceived, unreliableSent, unreliableDropped, backpressure] =
    await Promise.all(
      [
        "tickwire_bytes_sent_total",
        "tickwire_bytes_received_total",
        "tickwire_messages_sent_total",
        "tickwire_messages_received_total",
        "tickwire_unreliable_frames_sent_total",
        "tickwire_unreliable_frames_dropped_total",
        "tickwire_backpressure_closes_total",
      ].map((name) => total(m, name)),
    );
  return {
    at: Date.now(),
    processId: source.processId(),
    uptimeSeconds: Math.round((Date.now() - source.startedAt) / 1000),
    players,
    rooms: rooms.length,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssBytes: process.memoryUsage.rss(),
    tickMs: { p50: orNull(tickP50), p99: orNull(tickP99) },
    latenessMs: { p99: orNull(latenessP99) },
    flushMs: { p50: orNull(flushP50), p99: orNull(flushP99) },
    totals: {
      bytesSent: bytesSent!,
      bytesReceived: bytesReceived!,
      framesSent: framesSent!,
      framesReceived: framesReceived!,
      unreliableSent: unreliableSent!,
      unreliableDropped: unreliableDropped!,
      backpressureCloses: backpressure!,
      limitCloses: await total(m, "tickwire_limit_closes_total"),
    },
    clientsBacklogged: await total(m, "tickwire_clients_backlogged"),
    roomList,
    room: chosen
      ? {
          roomId: chosen.roomId,
          name: chosen.roomName,
          clients: chosen.clients.slice(0, LIVE_CLIENTS_LISTED).map((c) => liveClient(c, now)),
        }
      : null,
  };
}
