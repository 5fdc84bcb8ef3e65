import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { tagGame } from "@tickwire/example-tag/server";
import { ROOT } from "../helpers/server.ts";
import { useTagServer } from "../helpers/tag.ts";

// Tag's page as `npm start` builds and serves it: a browser bundle without zod or Node
// built-ins, at /tag/ with its script referenced relatively.

const exec = promisify(execFile);
const BUILD = path.join(ROOT, "examples/tag/page/build");
const fx = useTagServer({ tag: tagGame() }, {}, { "/tag/": BUILD });

beforeAll(async () => {
  await exec(process.execPath, ["examples/build-pages.mjs"], { cwd: ROOT });
});

describe("tag's page bundle", () => {
  it("bundles for the browser without Node built-ins or zod", async () => {
    const js = await readFile(path.join(BUILD, "page.js"), "utf8");
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toMatch(/from\s*"node:|require\("(fs|net|http|path)"\)/);
    // zod stays server-side (the join options are validated there): its error text is not here.
    expect(js).not.toContain("Invalid input: expected");
    const map = JSON.parse(await readFile(path.join(BUILD, "page.js.map"), "utf8")) as { sources: string[] };
    // Nor any server code: tag's own (../../server/) or the engine's (../../../../server/src/).
    expect(map.sources.filter((s) => /(^|\/)(zod|server)\//.test(s))).toEqual([]);
    expect(map.sources).toContain("../../client/index.ts");
  });

  it("is served at /tag/ with its script next to it", async () => {
    const page = await fetch(`${fx.server.httpUrl}/tag/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<script type="module" src="page.js">');
    const script = await fetch(`${fx.server.httpUrl}/tag/page.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
  });
});
