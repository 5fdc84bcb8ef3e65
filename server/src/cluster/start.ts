import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { clusterMemberEnv } from "../config.ts";

// `npm run start:cluster -- --processes N [--port 2567] [--redis redis://127.0.0.1:6379]`:
// N server processes (of the entry script `--entry`, which the npm script sets to the
// examples' server) on consecutive ports sharing one Redis, for local use and tests. Each
// gets its own PUBLIC_ADDRESS (localhost:<its port>), so a client sent to a room on another
// process connects to that process. Everything else comes from the environment as for
// `npm start` (the processes inherit it; REDIS_URL, PORT and PUBLIC_ADDRESS are set here). SIGTERM/SIGINT are passed to every process; it exits when they all have.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const USAGE =
  "usage: start.ts --entry <server script> --processes <N> [--port <first port, default 2567>] [--redis <url, default redis://127.0.0.1:6379>] [--host <public host, default localhost>]";

function fail(message: string): never {
  process.stderr.write(`start:cluster: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const OPTIONS = {
  entry: { type: "string" },
  processes: { type: "string", short: "n" },
  port: { type: "string", default: "2567" },
  redis: { type: "string", default: "redis://127.0.0.1:6379" },
  host: { type: "string", default: "localhost" },
  help: { type: "boolean" },
} as const;

function parse() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}
const values = parse();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.entry) fail("--entry is required (the server script each process runs)");
const entry = path.resolve(values.entry);
const count = Number(values.processes);
const firstPort = Number(values.port);
if (!Number.isInteger(count) || count < 1 || count > 64) fail("--processes must be a whole number from 1 to 64");
if (!Number.isInteger(firstPort) || firstPort < 1 || firstPort + count - 1 > 65535)
  fail("--port must leave room for every process below 65536");
const redisUrl = values.redis!;

const children: ChildProcess[] = [];
let stopping = false;
for (let i = 0; i < count; i++) {
  const port = firstPort + i;
  const child = spawn(process.execPath, ["--conditions=tickwire-source", "--import", "tsx", entry], {
    cwd: ROOT,
    env: clusterMemberEnv(port, redisUrl, values.host!),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tag = `[p${i} :${port}] `;
  const relay = (out: NodeJS.WriteStream) => {
    let rest = "";
    return (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) out.write(`${tag + line}\n`);
    };
  };
  child.stdout!.on("data", relay(process.stdout));
  child.stderr!.on("data", relay(process.stderr));
  child.on("exit", (code, signal) => {
    process.stdout.write(`${tag}exited (${signal ?? `code ${code}`})\n`);
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(stopping ? 0 : 1);
  });
  children.push(child);
}

const stop = (signal: NodeJS.Signals) => {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
