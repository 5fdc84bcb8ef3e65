import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT, startServer, type RunningServer } from "../helpers/server.ts";

const exec = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  // The same build `npm start` runs: the client SDK must bundle for browsers.
  await exec(process.execPath, ["examples/build-pages.mjs"], { cwd: ROOT });
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("browser bundle and demo page", () => {
  it("bundles the client SDK for the browser without Node built-ins or the validators", async () => {
    const js = await readFile(path.join(ROOT, "examples/arena/page/build/page.js"), "utf8");
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toMatch(/from\s*"node:|require\("(fs|net|http)"\)/);
    // zod stays server-side: its error map text must not be in the bundle.
    expect(js).not.toContain("Invalid input: expected");
  });

  it("serves the demo page and its script at /", async () => {
    const page = await fetch(`${server.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('src="page.js"');
    const script = await fetch(`${server.httpUrl}/page.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
  });
});
