import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

// What the test helpers that fetch a missing tool (a browser, Redis) share: finding a program,
// knowing whether this machine may install Debian packages, and running an install once while
// other test workers wait for it.

const exec = promisify(execFile);

/** True for a file this process may execute (a directory is not one). */
export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** True when `command` is an executable file in a directory of PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && isExecutableFile(path.join(dir, command)));
}

/** True where this process may install Debian packages: root on Linux, with apt-get. */
export function canAptInstall(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && onPath("apt-get");
}

/**
 * The shell command that installs a Debian package. A stale package list may not know it:
 * then the list is refreshed and the install tried again (an update that fails for one
 * unreachable source may still have refreshed the rest).
 */
export function aptInstall(pkg: string): string {
  const install = `apt-get install -y -q -o DPkg::Lock::Timeout=120 ${pkg}`;
  return `${install} || { apt-get update -q; ${install}; }`;
}

/**
 * Runs `script` with `sh` under an exclusive lock shared by every test worker (apt holds its
 * own lock and fails on contention), so the script must check again whether its work is
 * still to do. Bounded by `timeoutMs`, so that an install does not outlive a failed run. A
 * failure throws with `what` and the script's last lines of output.
 */
export async function runLocked(lock: string, script: string, timeoutMs: number, what: string): Promise<void> {
  try {
    await exec("flock", [lock, "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutMs,
      killSignal: "SIGTERM",
    });
  } catch (err) {
    const out = `${(err as { stderr?: string }).stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${what} failed (${out || (err as Error).message})`);
  }
}
