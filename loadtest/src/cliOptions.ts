import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { positiveInt } from "./args.ts";
import type { BotKind } from "./protocol.ts";

// The load tester's flags: usage, parsing, defaults.

export const USAGE = `Usage: npm run loadtest -- [options]

  --endpoint URL   ws://host:port of a running server (default: start one on a free port)
  --clients N      bots to connect (default 20)
  --rooms N        arenas to spread them over (default 2)
  --duration S     seconds to run after the ramp (default 15)
  --ramp S         seconds over which bots join (default 3)
  --bot thin|full  thin: wire protocol only, no state decoding (one core drives thousands);
                   full: real SDK connections (decode, predict, interpolate).
                   Default: thin above 100 clients, else full
  --workers N      bot worker threads (default: thin, one per 2000 bots; full, one per 100 bots;
                   at least 1, at most cores - 1)
  --input-hz N     inputs per second per bot (default 30)
  --server-env K=V environment for the local server (repeatable), e.g. --server-env AOI_RADIUS=800;
                   MAX_PLAYERS_PER_ROOM is raised to fit the bots per room unless given here
  --out FILE       JSON report path (default loadtest/results/loadtest-<time>.json); the HTML
                   report goes next to it (.html)
  --report-from F  only render the HTML report of an existing JSON result F
  --help`;

/** Bots one worker thread is given by default, by kind. */
const BOTS_PER_WORKER: Record<BotKind, number> = { thin: 2000, full: 100 };
/** Above this many clients the default bot is thin. */
const FULL_BOTS_UP_TO = 100;

/** A run's settings, from its flags. */
export interface RunOptions {
  /** A running server's ws:// URL; undefined: start a local one with `serverEnv`. */
  endpoint: string | undefined;
  clients: number;
  rooms: number;
  durationSeconds: number;
  rampSeconds: number;
  inputHz: number;
  bot: BotKind;
  workers: number;
  serverEnv: Record<string, string>;
  out: string | undefined;
}

/** What the command line asks for: usage, an old result's HTML again, or a run. Throws a message naming a bad flag. */
export function parseOptions(
  args: string[],
): { kind: "help" } | { kind: "report-from"; json: string } | { kind: "run"; options: RunOptions } {
  const { values } = parseArgs({
    args,
    options: {
      endpoint: { type: "string" },
      clients: { type: "string" },
      rooms: { type: "string" },
      duration: { type: "string" },
      ramp: { type: "string" },
      workers: { type: "string" },
      bot: { type: "string" },
      "input-hz": { type: "string" },
      "server-env": { type: "string", multiple: true },
      out: { type: "string" },
      "report-from": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return { kind: "help" };
  if (values["report-from"]) return { kind: "report-from", json: values["report-from"] };
  const clients = positiveInt("clients", values.clients, 20);
  const rooms = Math.min(positiveInt("rooms", values.rooms, 2), clients);
  const durationSeconds = positiveInt("duration", values.duration, 15);
  const rampSeconds = positiveInt("ramp", values.ramp, 3, 0);
  const inputHz = positiveInt("input-hz", values["input-hz"], 30);
  if (values.bot !== undefined && values.bot !== "thin" && values.bot !== "full")
    throw new Error(`--bot must be thin or full, got "${values.bot}"`);
  const bot: BotKind = (values.bot as BotKind | undefined) ?? (clients > FULL_BOTS_UP_TO ? "thin" : "full");
  const workers = Math.min(
    clients,
    positiveInt(
      "workers",
      values.workers,
      Math.max(1, Math.min(availableParallelism() - 1, Math.ceil(clients / BOTS_PER_WORKER[bot]))),
    ),
  );

  const serverEnv: Record<string, string> = { MAX_PLAYERS_PER_ROOM: String(Math.max(64, Math.ceil(clients / rooms))) };
  for (const pair of values["server-env"] ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--server-env takes KEY=VALUE, got "${pair}"`);
    serverEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (values.endpoint && values["server-env"])
    throw new Error("--server-env applies to the local server only (not with --endpoint)");
  return {
    kind: "run",
    options: {
      endpoint: values.endpoint,
      clients,
      rooms,
      durationSeconds,
      rampSeconds,
      inputHz,
      bot,
      workers,
      serverEnv,
      out: values.out,
    },
  };
}
