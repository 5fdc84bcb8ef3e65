import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/src/config.ts";
import {
  addressResolver,
  limitKey,
  normalizeAddress,
  trustedProxyProblem,
} from "../../server/src/transport/clientAddress.ts";
import { LoginBackoff } from "../../server/src/http/loginBackoff.ts";
import { retryAfterSeconds } from "../../server/src/transport/requestScope.ts";
import { retryAfterMs } from "../../loadtest/src/thinWire.ts";

// The pure parts of the abuse limits: which address a request counts under, the monitor's
// login back-off stepped on a clock of the test's own, and the configuration.

const xff = (value?: string) => new Headers(value === undefined ? {} : { "x-forwarded-for": value });

describe("client address", () => {
  it("writes an address one way whatever the transport printed", () => {
    // uWS on a dual-stack socket, Node on one, and plain IPv4: the same client.
    expect(normalizeAddress("0000:0000:0000:0000:0000:ffff:7f00:0001")).toBe("127.0.0.1");
    expect(normalizeAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("0000:0000:0000:0000:0000:0000:0000:0001")).toBe("::1");
    expect(normalizeAddress("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(normalizeAddress(" not an address ")).toBe("not an address");
  });

  it("ignores X-Forwarded-For when no proxy is trusted, and says so once", () => {
    const told: string[] = [];
    const resolve = addressResolver([], (peer) => told.push(peer));
    expect(resolve("198.51.100.7", xff())).toBe("198.51.100.7");
    expect(told).toEqual([]);
    expect(resolve("198.51.100.7", xff("203.0.113.9"))).toBe("198.51.100.7");
    expect(resolve("198.51.100.8", xff("203.0.113.9"))).toBe("198.51.100.8");
    expect(told).toEqual(["198.51.100.7"]);
  });

  it("reads a forwarded address that carries a port", () => {
    const resolve = addressResolver(["127.0.0.1"]);
    expect(resolve("127.0.0.1", xff("203.0.113.9:5123"))).toBe("203.0.113.9");
    expect(resolve("127.0.0.1", xff("[2001:db8::7]:443"))).toBe("2001:db8::7");
    expect(resolve("127.0.0.1", xff("[2001:db8::7]"))).toBe("2001:db8::7");
  });

  it("believes X-Forwarded-For from a trusted proxy only, read from the right", () => {
    const resolve = addressResolver(["127.0.0.1", "10.0.0.0/8"]);
    expect(resolve("127.0.0.1", xff("203.0.113.9"))).toBe("203.0.113.9");
    // A client's own entries sit to the left of what the trusted hops appended: never believed.
    expect(resolve("127.0.0.1", xff("6.6.6.6, 203.0.113.9"))).toBe("203.0.113.9");
    // Through two trusted hops.
    expect(resolve("127.0.0.1", xff("203.0.113.9, 10.1.2.3"))).toBe("203.0.113.9");
    // From a peer that is not trusted, the header is the peer's own claim.
    expect(resolve("198.51.100.7", xff("203.0.113.9"))).toBe("198.51.100.7");
    // A trusted proxy without the header is the client itself.
    expect(resolve("127.0.0.1", xff())).toBe("127.0.0.1");
    // Mapped addresses from the proxy come out as IPv4.
    expect(resolve("127.0.0.1", xff("::ffff:203.0.113.9"))).toBe("203.0.113.9");
    // A trusted proxy that forwarded something that is no address: the nearest hop that is one.
    expect(resolve("127.0.0.1", xff("garbage"))).toBe("127.0.0.1");
    expect(resolve("127.0.0.1", xff("garbage, 10.1.2.3"))).toBe("10.1.2.3");
  });

  it("counts IPv4 by address and IPv6 by its /64", () => {
    expect(limitKey("203.0.113.9")).toBe("203.0.113.9");
    expect(limitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(limitKey("2001:db8:1:2:bbbb::2")).toBe(limitKey("2001:db8:1:2:aaaa::1"));
    expect(limitKey("2001:db8:1:3::1")).not.toBe(limitKey("2001:db8:1:2::1"));
    // The monitor login counts a whole /48 as one.
    expect(limitKey("2001:db8:1:3::1", 48)).toBe("2001:db8:1::/48");
    expect(limitKey("2001:db8:1:ffff::1", 48)).toBe(limitKey("2001:db8:1:2::1", 48));
  });

  it("Retry-After is whole seconds, rounded up, at least 1", () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    // The load tester reads it back, in seconds or as a date.
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(retryAfterMs(null)).toBe(1000);
  });
});

describe("abuse limit configuration", () => {
  it("has defaults, and lists trusted proxies", () => {
    const c = loadConfig({});
    expect(c.matchmakeJoinsPerSecond).toBe(10);
    expect(c.matchmakeCreatesPerWindow).toBe(20);
    expect(c.matchmakeCreateWindowSeconds).toBe(60);
    expect(c.trustedProxies).toEqual([]);
    expect(c.monitorLoginFailures).toBe(5);
    expect(c.monitorLoginBackoffSeconds).toBe(1);
    expect(c.seatReservationSeconds).toBe(10);
    const t = loadConfig({ TRUSTED_PROXIES: " 10.0.0.0/8, 127.0.0.1 ,loopback" });
    expect(t.trustedProxies).toEqual(["10.0.0.0/8", "127.0.0.1", "loopback"]);
    expect(loadConfig({ MATCHMAKE_JOINS_PER_SECOND: "0" }).matchmakeJoinsPerSecond).toBe(0);
  });

  it.each([
    ["TRUSTED_PROXIES", "10.0.0.0/33"],
    ["TRUSTED_PROXIES", "127.0.0.1, proxy.example"],
    ["MATCHMAKE_JOINS_PER_SECOND", "-1"],
    ["MATCHMAKE_CREATES_PER_WINDOW", "many"],
    ["MATCHMAKE_CREATE_WINDOW_SECONDS", "0"],
    ["MONITOR_LOGIN_FAILURES", "0"],
    ["MONITOR_LOGIN_BACKOFF_SECONDS", "901"],
    ["SEAT_RESERVATION_SECONDS", "0"],
  ])("refuses %s=%s, naming the variable", (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}=`));
  });

  it("says what is wrong with a trusted proxy entry", () => {
    expect(trustedProxyProblem("10.0.0.0/8")).toBeUndefined();
    expect(trustedProxyProblem("uniquelocal")).toBeUndefined();
    expect(trustedProxyProblem("10.0.0.0/33")).toMatch(/invalid range/);
  });
});

describe("login back-off", () => {
  const policy = { failures: 3, baseMs: 1000, maxMs: 8000 };

  it("locks a key out after the allowed failures, for the base time", () => {
    const b = new LoginBackoff(policy);
    expect(b.failed("a", 0)).toEqual({ lockMs: 0, firstLock: false, shared: false });
    expect(b.failed("a", 10)).toEqual({ lockMs: 0, firstLock: false, shared: false });
    expect(b.lockedFor("a", 10)).toBe(0);
    expect(b.failed("a", 20)).toEqual({ lockMs: 1000, firstLock: true, shared: false });
    expect(b.lockedFor("a", 20)).toBe(1000);
    expect(b.lockedFor("a", 520)).toBe(500);
    expect(b.lockedFor("a", 1020)).toBe(0);
    // Another key is untouched.
    expect(b.lockedFor("b", 20)).toBe(0);
  });

  it("doubles the lock-out with each further failure, up to the cap, and says so once", () => {
    const b = new LoginBackoff(policy);
    let now = 0;
    for (let i = 0; i < 3; i++) b.failed("a", now);
    const locks: number[] = [];
    const firsts: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      now += b.lockedFor("a", now);
      const out = b.failed("a", now);
      locks.push(out.lockMs);
      firsts.push(out.firstLock);
    }
    expect(locks).toEqual([2000, 4000, 8000, 8000, 8000]);
    expect(firsts).toEqual([false, false, false, false, false]);
  });

  it("a success clears the key: it starts afresh and a new lock-out is announced again", () => {
    const b = new LoginBackoff(policy);
    for (let i = 0; i < 3; i++) b.failed("a", 0);
    b.succeeded("a");
    expect(b.lockedFor("a", 1)).toBe(0);
    expect(b.failed("a", 2).lockMs).toBe(0);
    b.failed("a", 3);
    expect(b.failed("a", 4)).toEqual({ lockMs: 1000, firstLock: true, shared: false });
  });

  it("forgets a key quiet for the cap after its lock, and holds at most maxEntries", () => {
    const b = new LoginBackoff(policy, 100);
    for (let i = 0; i < 3; i++) b.failed("a", 0);
    // Locked until 1000; forgotten once quiet for maxMs after that.
    expect(b.failed("a", 1000 + 8000).lockMs).toBe(2000);
    expect(b.lockedFor("a", 11_000 + 8001)).toBe(0);
    expect(b.failed("a", 11_000 + 8001)).toEqual({ lockMs: 0, firstLock: false, shared: false });
    for (let i = 0; i < 500; i++) b.failed(`k${i}`, 20_000);
    expect(b.size).toBeLessThanOrEqual(100);
    // The least recently failed went first: k0's failure is forgotten, k499's is kept.
    b.failed("k0", 20_001);
    expect(b.failed("k0", 20_002).lockMs).toBe(0);
    b.failed("k499", 20_001);
    expect(b.failed("k499", 20_002).lockMs).toBe(1000);
  });

  it("never drops a locked key to make room: failures from many other keys do not unlock it", () => {
    const b = new LoginBackoff(policy, 100);
    for (let i = 0; i < 3; i++) b.failed("victim", 0);
    expect(b.lockedFor("victim", 0)).toBe(1000);
    // 10 000 other keys fail once each while it is locked.
    for (let i = 0; i < 10_000; i++) b.failed(`other${i}`, 10);
    expect(b.size).toBeLessThanOrEqual(100);
    expect(b.lockedFor("victim", 10)).toBe(990);
  });

  it("when every key it holds is locked, new keys share one entry and are locked out together", () => {
    const b = new LoginBackoff(policy, 10);
    for (let k = 0; k < 10; k++) for (let i = 0; i < 3; i++) b.failed(`locked${k}`, 0);
    expect(b.size).toBe(10);
    // Three failures from three fresh keys: the overflow entry's third failure locks it.
    b.failed("fresh1", 1);
    b.failed("fresh2", 2);
    expect(b.lockedFor("fresh3", 3)).toBe(0);
    expect(b.failed("fresh3", 3)).toEqual({ lockMs: 1000, firstLock: true, shared: true });
    // Any key not in the table is locked out with it, even one never seen.
    expect(b.lockedFor("never-seen", 4)).toBe(999);
    for (let k = 0; k < 10; k++) expect(b.lockedFor(`locked${k}`, 4)).toBe(996);
  });

  it("lets a new key in again once a held key's lock has passed, though the shared entry is still locked", () => {
    const b = new LoginBackoff(policy, 10);
    for (let k = 0; k < 10; k++) for (let i = 0; i < 3; i++) b.failed(`locked${k}`, 0);
    for (let i = 0; i < 6; i++) b.failed(`fresh${i}`, 1);
    // The shared entry has failed 6 times: locked for 8 s. The held keys unlock at 1000.
    expect(b.lockedFor("operator", 500)).toBeGreaterThan(0);
    expect(b.lockedFor("operator", 1001)).toBe(0);
    expect(b.failed("operator", 1001).shared).toBe(false);
  });
});
