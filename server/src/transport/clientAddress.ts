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

/** `1.2.3.4:80` and `[2001:db8::1]:443` (some proxies add the port) without the port. */
function withoutPort(hop: string): string {
  const text = hop.trim();
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (v6) return v6[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}

/**
 * Resolves a request's client address. With no trusted proxy the socket's address is the answer
 * and `X-Forwarded-For` is ignored (`onIgnoredForward` hears of the first such header, so that
 * a proxy left out of TRUSTED_PROXIES is noticed). Otherwise the header is walked from the right,
 * through the hops that are trusted proxies, to the first address that is not one: what a client
 * puts at the left of the header itself never counts.
 */
export function addressResolver(
  trustedProxies: readonly string[],
  onIgnoredForward?: (socketAddress: string) => void,
): AddressResolver {
  if (trustedProxies.length === 0) {
    let told = false;
    return (socketAddress, headers) => {
      if (!told && onIgnoredForward && headers.has("x-forwarded-for")) {
        told = true;
        onIgnoredForward(socketAddress);
      }
      return socketAddress;
    };
  }
  const trust = proxyaddr.compile([...trustedProxies]);
  return (socketAddress, headers) => {
    const header = headers.get("x-forwarded-for");
    if (!header) return socketAddress;
    const forwarded = header.split(",").map(withoutPort).join(",");
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
 * its network for IPv6, /64 by default (one host is usually handed a whole /64, and could
 * otherwise take a fresh address for every request).
 */
export function limitKey(address: string, ipv6PrefixBits = 64): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (!(ip instanceof ipaddr.IPv6)) return ip.toString();
  const bytes = ip.toByteArray();
  for (let bit = ipv6PrefixBits; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6PrefixBits}`;
}
