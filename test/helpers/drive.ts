import type { ArenaConnection } from "@tickwire/example-arena/client";

const TICK_HZ = 30;

/** Sends an arena input every tick (at the default 30 Hz) until the returned function is called. */
export function drive(
  conn: ArenaConnection,
  intent: (t: number) => { moveX: number; moveY: number; aim?: number },
): () => void {
  let t = 0;
  const timer = setInterval(() => conn.sendInput(intent(t++)), 1000 / TICK_HZ);
  return () => clearInterval(timer);
}
