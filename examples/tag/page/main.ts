import {
  cameraStart,
  CloseCodes,
  joinTag,
  panCamera,
  sanitizeStick,
  type Stick,
  type TagConnection,
  TickwireClient,
} from "../client/index.ts";
import { Hud } from "./hud.ts";
import { TagRenderer } from "./render.ts";

// Tag's page, served at `/tag/`: your runner is predicted, the others and the balls are
// interpolated. WASD/arrows skate; `?spectate=1` watches instead, the keys panning the camera.
// `?name=` sets your name.

const canvas = document.getElementById("field") as HTMLCanvasElement;
const renderer = new TagRenderer(canvas);
const hud = new Hud();
const held = new Set<string>();

addEventListener("keydown", (e) => {
  if (e.key.startsWith("Arrow")) e.preventDefault();
  held.add(e.key.toLowerCase());
});
addEventListener("keyup", (e) => held.delete(e.key.toLowerCase()));
addEventListener("blur", () => held.clear());

function axis(neg: string[], pos: string[]): number {
  return (pos.some((k) => held.has(k)) ? 1 : 0) - (neg.some((k) => held.has(k)) ? 1 : 0);
}

function stick(): Stick {
  return { moveX: axis(["a", "arrowleft"], ["d", "arrowright"]), moveY: axis(["w", "arrowup"], ["s", "arrowdown"]) };
}

function wireEvents(tag: TagConnection): void {
  tag.on("dropped", () => hud.status("connection lost…"));
  tag.on("reconnecting", (n, max) => hud.status(`reconnecting (${n}/${max})…`));
  tag.on("reconnected", () => hud.status(""));
  tag.on("reconnectFailed", () => hud.status("could not reconnect; reload to join again"));
  tag.on("error", (n) => hud.status(`${n.type}: ${n.detail}`));
  tag.on("leave", (code) => {
    if (code !== CloseCodes.CONSENTED) hud.status(`disconnected (${code}); reload to join again`);
  });
}

/** Sets the "watch" / "play" link to the other mode, keeping the name. */
function modeLink(name: string, spectating: boolean): void {
  const link = document.getElementById("mode") as HTMLAnchorElement;
  const params = new URLSearchParams({ name });
  if (!spectating) params.set("spectate", "1");
  link.href = `?${params}`;
  link.textContent = spectating ? "play" : "watch";
  (document.getElementById("help-keys") as HTMLElement).textContent = spectating
    ? "WASD or arrows: pan the camera"
    : "WASD or arrows: skate";
}

async function start(): Promise<void> {
  const endpoint = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
  const params = new URLSearchParams(location.search);
  const name = params.get("name") ?? `skater-${Math.floor(Math.random() * 1000)}`;
  const spectating = params.get("spectate") === "1";
  modeLink(name, spectating);
  // `?token=` for a server with AUTH_SECRET (e.g. from `npm run token`).
  const client = new TickwireClient(endpoint, { token: params.get("token") ?? undefined });
  const tag = await joinTag(client, { name, spectate: spectating });
  wireEvents(tag);

  // A spectator's camera, panned here with the server's own rule for each stick sent, so the
  // page knows where the server looks from without being told.
  const camera = cameraStart();
  tag.startInputLoop(() => {
    const s = stick();
    if (spectating && tag.connected) {
      sanitizeStick(s);
      panCamera(camera, s, 1 / tag.tickRate);
    }
    return s;
  });
  // Exposed for end-to-end tests and for poking at from the devtools console.
  (window as unknown as { tickwire: unknown }).tickwire = { tag, camera, spectating, renderer };

  const frame = () => {
    const now = performance.now();
    const me = spectating ? undefined : tag.predicted(now);
    renderer.draw(tag, me ?? camera, now);
    hud.update(tag, spectating, now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

start().catch((err) => hud.status(`could not join: ${(err as Error).message}`));
