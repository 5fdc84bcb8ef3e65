import { TickwireClient, SIM, type ArenaConnection } from "../src/index.ts";

// The demo page served at `/`: joins an arena, sends WASD/arrow input at the tick rate,
// aims at the mouse and draws every player. It renders the latest server state as is.

const canvas = document.getElementById("arena") as HTMLCanvasElement;
const hud = document.getElementById("hud") as HTMLDivElement;
const ctx = canvas.getContext("2d")!;
const held = new Set<string>();
const mouse = { x: 0, y: 0 };
const INPUT_HZ = 30;

addEventListener("keydown", (e) => held.add(e.key.toLowerCase()));
addEventListener("keyup", (e) => held.delete(e.key.toLowerCase()));
addEventListener("blur", () => held.clear());
canvas.addEventListener("mousemove", (e) => { mouse.x = e.clientX; mouse.y = e.clientY; });

function axis(neg: string[], pos: string[]): number {
  return (pos.some((k) => held.has(k)) ? 1 : 0) - (neg.some((k) => held.has(k)) ? 1 : 0);
}

/** World → screen: the whole world fits the window. */
function view() {
  const scale = Math.min(canvas.width / SIM.WORLD_WIDTH, canvas.height / SIM.WORLD_HEIGHT);
  const ox = (canvas.width - SIM.WORLD_WIDTH * scale) / 2;
  const oy = (canvas.height - SIM.WORLD_HEIGHT * scale) / 2;
  return { scale, ox, oy };
}

function draw(arena: ArenaConnection): void {
  canvas.width = innerWidth;
  canvas.height = innerHeight;
  const { scale, ox, oy } = view();
  ctx.fillStyle = "#10141c";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#3b4252";
  ctx.strokeRect(ox, oy, SIM.WORLD_WIDTH * scale, SIM.WORLD_HEIGHT * scale);
  arena.state?.players?.forEach((p, id) => {
    const x = ox + p.x * scale;
    const y = oy + p.y * scale;
    const r = Math.max(3, SIM.PLAYER_RADIUS * scale);
    ctx.globalAlpha = p.connected ? 1 : 0.35;
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
  });
  ctx.globalAlpha = 1;
  hud.textContent = `room ${arena.roomId}  players ${arena.state?.players?.size ?? 0}  tick ${arena.state?.tick ?? 0}  rtt ${Number.isNaN(arena.latencyMs) ? "-" : arena.latencyMs} ms`;
}

async function start(): Promise<void> {
  const endpoint = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
  const name = new URLSearchParams(location.search).get("name") ?? `guest-${Math.floor(Math.random() * 1000)}`;
  const arena = await new TickwireClient(endpoint).joinArena({ name });
  // Exposed for end-to-end tests and for poking at from the devtools console.
  (window as unknown as { tickwire: unknown }).tickwire = { arena };

  setInterval(() => {
    const self = arena.self;
    let aim = 0;
    if (self) {
      const { scale, ox, oy } = view();
      aim = Math.atan2(mouse.y - (oy + self.y * scale), mouse.x - (ox + self.x * scale));
    }
    arena.sendInput({ moveX: axis(["a", "arrowleft"], ["d", "arrowright"]), moveY: axis(["w", "arrowup"], ["s", "arrowdown"]), aim });
  }, 1000 / INPUT_HZ);

  const frame = () => {
    draw(arena);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  arena.on("leave", (code) => { hud.textContent = `disconnected (${code}); reload to rejoin`; });
}

start().catch((err) => { hud.textContent = `could not join: ${(err as Error).message}`; });
