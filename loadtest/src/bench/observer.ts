import { joinArenaById, TickwireClient, type ArenaConnection } from "@tickwire/example-arena/client";

/** Wall-clock milliseconds, comparable between processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

export interface Observation {
  /** [tick, wall ms] when each new tick was first applied (one per unreliable frame). */
  arrivals: Array<[number, number]>;
  /** [newest tick applied, wall ms], sampled at 60 Hz like a render loop. */
  samples: Array<[number, number]>;
  unreliableFrames: number;
  unreliableBytes: number;
}

/** Joins a room as a passive client and records when each server tick reaches it. */
export async function observe(endpoint: string, roomId: string, durationMs: number): Promise<Observation> {
  const conn: ArenaConnection = await joinArenaById(new TickwireClient(endpoint, { pingIntervalMs: 0 }), roomId, {
    name: "observer",
  });
  const arrivals: Array<[number, number]> = [];
  const samples: Array<[number, number]> = [];
  let newest = -1;
  let recording = true;
  conn.on("state", (s) => {
    if (!recording || s.tick === newest) return;
    newest = s.tick;
    arrivals.push([s.tick, wallNow()]);
  });
  const sampler = setInterval(() => newest >= 0 && samples.push([newest, wallNow()]), 1000 / 60);
  await new Promise((r) => setTimeout(r, durationMs));
  clearInterval(sampler);
  recording = false;
  const { unreliableFrames, unreliableBytes } = conn.counters;
  // Not awaited: behind a queued backlog the close handshake can take a long time.
  void conn.leave().catch(() => {});
  return { arrivals, samples, unreliableFrames, unreliableBytes };
}

// Run as a process (inside a network namespace): `observer.ts <endpoint> <roomId> <durationMs>`;
// prints one JSON line.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [endpoint, roomId, duration] = process.argv.slice(2);
  const result = await observe(endpoint!, roomId!, Number(duration));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
