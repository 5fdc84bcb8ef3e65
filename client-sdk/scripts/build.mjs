// Bundles the browser demo (client-sdk/demo) into client-sdk/demo/build, served by the server at `/`.
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../demo");
const out = path.join(demo, "build");
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(demo, "main.ts")],
  outfile: path.join(out, "demo.js"),
  bundle: true,
  // Workspace packages from their sources (see their exports).
  conditions: ["tickwire-source"],
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: true,
  metafile: true,
  logLevel: "warning",
});
await copyFile(path.join(demo, "index.html"), path.join(out, "index.html"));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + (o.bytes ?? 0), 0);
console.log(`demo built: ${path.relative(process.cwd(), out)} (${Math.round(bytes / 1024)} KiB with source map)`);
