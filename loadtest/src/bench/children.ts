import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "../localServer.ts";

// A benchmark's child processes: every one is tracked and stopped, on success, error and signal
// alike, and its last output kept for error messages.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** How the repository's TypeScript entry points run. */
export const NODE_ARGS = ["--conditions=tickwire-source", "--import", "tsx"];

const children = new Set<ChildProcess>();
const output = new WeakMap<ChildProcess, { text: string }>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function spawnNode(script: string, args: string[], ipc = false): ChildProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, script, ...args], {
    cwd: ROOT,
    env: process.env,
    stdio: ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  const buf = { text: "" };
  output.set(child, buf);
  const keep = (d: Buffer) => {
    buf.text = (buf.text + d.toString()).slice(-64 * 1024);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return track(child);
}

export function tail(child: ChildProcess, lines = 25): string {
  return (output.get(child)?.text ?? "").trimEnd().split("\n").slice(-lines).join("\n");
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

let stopping = false;

/** True once a signal asked the harness to stop. */
export function isStopping(): boolean {
  return stopping;
}

/**
 * On SIGINT, SIGTERM or SIGHUP every child is stopped and the harness exits 130; on any exit,
 * children still running are killed: nothing may outlive the harness.
 */
export function stopChildrenOnExit(name: string): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${name}: ${signal}, stopping ${children.size} child process(es)`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  process.on("exit", () => {
    for (const c of children) if (alive(c)) c.kill("SIGKILL");
  });
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(output.get(child)?.text ?? "");
      if (!m) return;
      done();
      resolve(m);
    };
    const onExit = () => {
      done();
      reject(new Error(`process exited before it was ready:\n${tail(child)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`process not ready within ${timeoutMs / 1000} s:\n${tail(child)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.off("exit", onExit);
    };
    child.stdout!.on("data", check);
    child.once("exit", onExit);
    check();
  });
}
