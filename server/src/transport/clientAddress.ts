import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

// Which address a request comes from: the socket's peer, or with a trusted proxy in front, the
// address that proxy says it forwarded for. Express's own logic (proxy-addr) decides the latter.

/**
 * One spelling per address, whatever the transport printed: IPv4-mapped IPv6 (Node's
 * `::ffff:127.0.0.1`, uWS's `0000:0000:0000:0000:0000:ffff:7f00:0001` on a dual-stack socket)
 * becomes IPv4, and IPv6 is compressed. Text that is no address comes back trimmed.
 */
export function normalizeAddress(raw: string): string {
  const text = raw.trim();
  return ipaddr.isValid(text) ? ipaddr.process(text).toString() : text;
}

/**
 * Checks a TRUSTED_PROXIES entry: an address, a CIDR range, or one of proxy-addr's names
 * (`loopback`, `linklocal`, `uniquelocal`). Returns the problem, or undefined when it is good.
 */
export function trustedProxyProblem(entry: string): string | undefined {
  try {
    proxyaddr.compile([entry]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The client's address from the socket's peer address (normalised) and the request's headers. */
export type AddressResolver = (socketAddress: string, headers: Headers) => string;

/**
 * Resolves a request's client address. With no trusted proxy the socket's address is the answer
 * and `X-Forwarded-For` is ignored. Otherwise the header is walked from the right, through the
 * hops that are trusted proxies, to the first address that is not one: what a client puts at
 * the left of the header itself never counts.
 */
export function addressResolver(trustedProxies: readonly string[]): AddressResolver {
  if (trustedProxies.length === 0) return (socketAddress) => socketAddress;
  const trust = proxyaddr.compile([...trustedProxies]);
  return (socketAddress, headers) => {
    const forwarded = headers.get("x-forwarded-for");
    if (!forwarded) return socketAddress;
    // proxy-addr reads a Node request; these are the only two fields it touches.
    const req = { socket: { remoteAddress: socketAddress }, headers: { "x-forwarded-for": forwarded } };
    const hops = proxyaddr.all(req as unknown as IncomingMessage, trust);
    // A trusted proxy that forwarded something that is no address: the nearest hop that is one.
    for (let i = hops.length - 1; i > 0; i--) {
      const hop = hops[i]!.trim();
      if (ipaddr.isValid(hop)) return normalizeAddress(hop);
    }
    return socketAddress;
  };
}

/**
 * The key an address is counted under by the per-address limits: the address itself for IPv4,
 * its /64 network for IPv6 (one host is usually handed a whole /64, and could otherwise take a
 * fresh address for every request).
 */
export function limitKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (!(ip instanceof ipaddr.IPv6)) return ip.toString();
  return `${new ipaddr.IPv6([...ip.parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
}
