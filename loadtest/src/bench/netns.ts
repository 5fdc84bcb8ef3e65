import { execFileSync, spawn, type ChildProcess } from "node:child_process";

/**
 * A network namespace joined to the host by a veth pair, with a `tbf` rate limit on the host
 * side (server to client). Needs root and iproute2; the namespace and its veth go away on
 * `remove()` (and with the process's namespace name if it is killed: rerun removes leftovers).
 */
export class SlowLink {
  readonly ns: string;
  readonly hostIp: string;
  readonly #hostDev: string;

  private constructor(id: number) {
    this.ns = `twbench${id}`;
    this.#hostDev = `twh${id}`;
    this.hostIp = `10.199.${id % 250}.1`;
  }

  /** True when this process may create namespaces (root, with `ip` and `tc`). */
  static available(): boolean {
    if (process.getuid?.() !== 0) return false;
    try {
      execFileSync("ip", ["-V"], { stdio: "ignore" });
      execFileSync("tc", ["-V"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  }

  static create(rateKbit: number): SlowLink {
    const link = new SlowLink(process.pid % 10_000);
    const nsDev = `twn${process.pid % 10_000}`;
    const clientIp = `10.199.${(process.pid % 10_000) % 250}.2`;
    link.remove();
    const run = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: "pipe" });
    run("ip", "netns", "add", link.ns);
    try {
      run("ip", "link", "add", link.#hostDev, "type", "veth", "peer", "name", nsDev);
      run("ip", "link", "set", nsDev, "netns", link.ns);
      run("ip", "addr", "add", `${link.hostIp}/30`, "dev", link.#hostDev);
      run("ip", "link", "set", link.#hostDev, "up");
      run("ip", "netns", "exec", link.ns, "ip", "addr", "add", `${clientIp}/30`, "dev", nsDev);
      run("ip", "netns", "exec", link.ns, "ip", "link", "set", nsDev, "up");
      run("ip", "netns", "exec", link.ns, "ip", "link", "set", "lo", "up");
      // The burst must exceed the MTU or full-size packets never pass.
      run(
        "tc",
        "qdisc",
        "add",
        "dev",
        link.#hostDev,
        "root",
        "tbf",
        "rate",
        `${rateKbit}kbit`,
        "burst",
        "16kbit",
        "latency",
        "100ms",
      );
    } catch (e) {
      link.remove();
      throw e;
    }
    return link;
  }

  /** Runs `node --import tsx <script> ...args` inside the namespace. */
  spawnNode(cwd: string, script: string, args: string[]): ChildProcess {
    return spawn(
      "ip",
      ["netns", "exec", this.ns, process.execPath, "--conditions=tickwire-source", "--import", "tsx", script, ...args],
      {
        cwd,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  }

  remove(): void {
    try {
      execFileSync("ip", ["netns", "del", this.ns], { stdio: "ignore" });
    } catch {
      // Not there.
    }
    try {
      execFileSync("ip", ["link", "del", this.#hostDev], { stdio: "ignore" });
    } catch {
      // Went with the namespace.
    }
  }
}
