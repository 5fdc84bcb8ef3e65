// Bundles each example's page (examples/<game>/page/main.ts, with its index.html) into
// examples/<game>/page/build, which examples/serve.ts serves. Run by `npm start`.
import { copyFile, mkdir, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const games = (await readdir(here, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
for (const game of games) {
  const page = path.join(here, game, "page");
  const entries = await readdir(page).catch(() => []);
  if (!entries.includes("main.ts")) continue;
  const out = path.join(page, "build");
  await mkdir(out, { recursive: true });
  const result = await build({
    entryPoints: [path.join(page, "main.ts")],
    outfile: path.join(out, "page.js"),
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
    write: false,
  });
  // Each file is written beside its place and renamed into it: a server (or a test) reading
  // the page while another build runs never gets half a file.
  const files = [
    ...result.outputFiles.map((f) => ({ to: f.path, write: (tmp) => writeFile(tmp, f.contents) })),
    { to: path.join(out, "index.html"), write: (tmp) => copyFile(path.join(page, "index.html"), tmp) },
  ];
  for (const { to, write } of files) {
    const tmp = `${to}.${process.pid}.tmp`;
    await write(tmp);
    await rename(tmp, to);
  }
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + (o.bytes ?? 0), 0);
  console.log(`page built: ${path.relative(process.cwd(), out)} (${Math.round(bytes / 1024)} KiB with source map)`);
}
