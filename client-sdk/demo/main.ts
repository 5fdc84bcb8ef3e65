import { TickwireClient, SIM, COMBAT, Buttons, type ArenaConnection, type ShotInfo } from "../src/index.ts";

// The demo page served at `/`: joins an arena, sends WASD/arrow input at the tick rate,
// aims at the mouse, fires on click, and draws players, pickups, shots, health, the kill feed
// and the scoreboard. It renders the latest server state as is.

const canvas = document.getElementById("arena") as HTMLCanvasElement;
const hud = document.getElementById("hud") as HTMLDivElement;
const ctx = canvas.getContext("2d")!;
const held = new Set<string>();
const mouse = { x: 0, y: 0 };
const INPUT_HZ = 30;
let firing = false;
/** Shots drawn for a short while after they were fired. */
const recentShots: Array<{ shot: ShotInfo; until: number }> = [];
const SHOT_VISIBLE_MS = 150;

addEventListener("keydown", (e) => held.add(e.key.toLowerCase()));
addEventListener("keyup", (e) => held.delete(e.key.toLowerCase()));
addEventListener("blur", () => held.clear());
canvas.addEventListener("mousemove", (e) => { mouse.x = e.clientX; mouse.y = e.clientY; });
canvas.addEventListener("mousedown", () => { firing = true; });
addEventListener("mouseup", () => { firing = false; });

function axis(neg: string[], pos: string[]): number {
  return (pos.some((k) => held.has(k)) ? 1 : 0) - (neg.some((k) => held.has(k)) ? 1 : 0);
}

/** World → screen: the whole world fits the window. */
function view(arena: ArenaConnection) {
  const w = arena.state?.width || SIM.WORLD_WIDTH;
  const h = arena.state?.height || SIM.WORLD_HEIGHT;
  const scale = Math.min(canvas.width / w, canvas.height / h);
  const ox = (canvas.width - w * scale) / 2;
  const oy = (canvas.height - h * scale) / 2;
  return { scale, ox, oy, w, h };
}

function draw(arena: ArenaConnection): void {
  canvas.width = innerWidth;
  canvas.height = innerHeight;
  const { scale, ox, oy, w, h } = view(arena);
  ctx.fillStyle = "#10141c";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#3b4252";
  ctx.strokeRect(ox, oy, w * scale, h * scale);
  // The area of interest: other players appear only inside it.
  const me = arena.self;
  const radius = arena.state?.viewRadius ?? 0;
  if (me && radius > 0) {
    ctx.fillStyle = "#161c27";
    ctx.beginPath();
    ctx.arc(ox + me.x * scale, oy + me.y * scale, radius * scale, 0, Math.PI * 2);
    ctx.fill();
  }
  arena.state?.pickups?.forEach((k) => {
    if (!k.active) return;
    ctx.fillStyle = "#a3be8c";
    ctx.fillRect(ox + k.x * scale - 3, oy + k.y * scale - 3, 6, 6);
  });
  const now = performance.now();
  while (recentShots.length > 0 && recentShots[0]!.until < now) recentShots.shift();
  ctx.strokeStyle = "#ebcb8b";
  for (const { shot } of recentShots) {
    ctx.beginPath();
    ctx.moveTo(ox + shot.x * scale, oy + shot.y * scale);
    ctx.lineTo(ox + (shot.x + Math.cos(shot.aim) * shot.length) * scale, oy + (shot.y + Math.sin(shot.aim) * shot.length) * scale);
    ctx.stroke();
  }
  arena.state?.players?.forEach((p, id) => {
    const x = ox + p.x * scale;
    const y = oy + p.y * scale;
    const r = Math.max(3, SIM.PLAYER_RADIUS * scale);
    ctx.globalAlpha = p.connected && p.alive ? 1 : 0.3;
    ctx.fillStyle = id === arena.sessionId ? "#88c0d0" : "#bf616a";
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = "#eceff4";
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + Math.cos(p.aim) * r * 2, y + Math.sin(p.aim) * r * 2);
    ctx.stroke();
    ctx.fillStyle = "#d8dee9";
    ctx.fillText(p.name, x - r, y - r - 4);
    ctx.fillStyle = "#bf616a";
    ctx.fillRect(x - r, y + r + 3, 2 * r * (p.health / COMBAT.MAX_HEALTH), 2);
  });
  ctx.globalAlpha = 1;
  const board = arena.state?.scoreboard?.map((e) => `${e.name} ${e.score}`).join("  ·  ") ?? "";
  const feed = arena.state?.killFeed?.map((k) => `${k.killerName} ✕ ${k.victimName}`).join("  ·  ") ?? "";
  hud.textContent = `room ${arena.roomId}  in view ${arena.state?.players?.size ?? 0}  tick ${arena.state?.tick ?? 0}  rtt ${Number.isNaN(arena.latencyMs) ? "-" : arena.latencyMs} ms` +
    `  |  health ${me?.health ?? "-"}${me && !me.alive ? " (respawning)" : ""}  score ${me?.score ?? 0}  |  top: ${board}  |  ${feed}`;
}

async function start(): Promise<void> {
  const endpoint = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
  const name = new URLSearchParams(location.search).get("name") ?? `guest-${Math.floor(Math.random() * 1000)}`;
  const arena = await new TickwireClient(endpoint).joinArena({ name });
  arena.on("shots", ({ shots }) => {
    for (const shot of shots) recentShots.push({ shot, until: performance.now() + SHOT_VISIBLE_MS });
  });
  // Exposed for end-to-end tests and for poking at from the devtools console.
  (window as unknown as { tickwire: unknown }).tickwire = { arena };

  setInterval(() => {
    const self = arena.self;
    let aim = 0;
    if (self) {
      const { scale, ox, oy } = view(arena);
      aim = Math.atan2(mouse.y - (oy + self.y * scale), mouse.x - (ox + self.x * scale));
    }
    arena.sendInput({ moveX: axis(["a", "arrowleft"], ["d", "arrowright"]), moveY: axis(["w", "arrowup"], ["s", "arrowdown"]), aim, buttons: firing ? Buttons.FIRE : 0 });
  }, 1000 / INPUT_HZ);

  const frame = () => {
    draw(arena);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  arena.on("leave", (code) => { hud.textContent = `disconnected (${code}); reload to rejoin`; });
}

start().catch((err) => { hud.textContent = `could not join: ${(err as Error).message}`; });
