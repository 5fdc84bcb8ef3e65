import { spawn } from "node:child_process";
import { ROOT } from "./server.ts";

/** Runs `npm run loadtest -- <args>` (its source, as the npm script does): its exit code and everything it printed. */
export function runLoadtest(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--conditions=tickwire-source", "--import", "tsx", "loadtest/src/cli.ts", ...args],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}
