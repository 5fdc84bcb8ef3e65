import net from "node:net";

export interface TcpProxyOptions {
  /** Port of the server on 127.0.0.1. */
  targetPort: number;
  /** Added to each direction (so the round trip grows by twice this). Default 0. */
  delayMs?: number;
  /**
   * Reads from the server at most this many bytes per second (a client on a slow link, or one
   * that reads slowly): the server's socket backs up as it would behind a bottleneck.
   */
  downstreamBytesPerSec?: number;
}

/**
 * A loopback TCP proxy for tests and benchmarks: it can stop reading from the server (so the
 * client looks like one that stopped reading its socket: the server's socket backs up), read
 * from the server at a limited rate, and delay every chunk by a fixed time in each direction
 * (a long but uncongested path).
 */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #opts: TcpProxyOptions;
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  #paused = false;

  private constructor(server: net.Server, opts: TcpProxyOptions) {
    this.#server = server;
    this.#opts = opts;
  }

  static async start(opts: TcpProxyOptions): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, opts);
    server.on("connection", (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `ws://` endpoint of the proxy, for a client SDK. */
  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Stops reading what the server sends, on every connection (new ones included). */
  pauseDownstream(): void {
    this.#paused = true;
    for (const { upstream } of this.#pairs) upstream.pause();
  }

  resumeDownstream(): void {
    this.#paused = false;
    for (const { upstream } of this.#pairs) upstream.resume();
  }

  /** Cuts every connection at once, as a network failure would (no close frame reaches either side). */
  dropAll(): void {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  /** Connections open now. */
  get connections(): number {
    return this.#pairs.size;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    const upstream = net.connect(this.#opts.targetPort, "127.0.0.1");
    const pair = { client, upstream };
    this.#pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (this.#paused) upstream.pause();
    this.#forward(client, upstream);
    if (this.#opts.downstreamBytesPerSec) this.#forwardLimited(upstream, client, this.#opts.downstreamBytesPerSec);
    else this.#forward(upstream, client);
    // A side that ends or fails ends the other after what it already sent has been written
    // (destroying it would throw away bytes still queued, the close frame among them).
    const done = () => this.#pairs.delete(pair);
    client.on("close", done);
    upstream.on("close", done);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.end());
  }

  #forward(from: net.Socket, to: net.Socket): void {
    const delay = this.#opts.delayMs ?? 0;
    // Timers of equal delay fire in the order they were set, so the byte order holds.
    const later = (fn: () => void) => (delay <= 0 ? fn() : setTimeout(fn, delay));
    from.on("data", (chunk: Buffer) => later(() => to.writable && to.write(chunk)));
    from.on("end", () => later(() => to.end()));
  }

  // Each chunk is passed on when the byte budget allows; the server side is paused meanwhile,
  // so the backlog stays in the server's socket, as behind a slow link.
  #forwardLimited(from: net.Socket, to: net.Socket, bytesPerSec: number): void {
    let nextFreeAt = 0;
    from.on("data", (chunk: Buffer) => {
      const now = performance.now();
      const start = Math.max(now, nextFreeAt);
      nextFreeAt = start + (chunk.byteLength / bytesPerSec) * 1000;
      const wait = nextFreeAt - now;
      if (wait > 1) {
        from.pause();
        setTimeout(() => {
          if (to.writable) to.write(chunk);
          if (!this.#paused) from.resume();
        }, wait);
      } else if (to.writable) {
        to.write(chunk);
      }
    });
    from.on("end", () => setTimeout(() => to.end(), Math.max(0, nextFreeAt - performance.now())));
  }
}
