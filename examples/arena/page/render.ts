import { SIM, COMBAT, type ArenaConnection, type ShotInfo } from "../client/index.ts";

/** The camera: world units to canvas pixels, centred on the local player. */
export interface Camera {
  scale: number;
  cx: number;
  cy: number;
}

/** Shots stay on screen this long after they were fired. */
const SHOT_VISIBLE_MS = 150;
/** World units shown across the smaller side of the window. */
const VIEW_SPAN = 1400;
/** Side of the minimap in pixels. */
const MINIMAP_PX = 160;
/** Grid spacing drawn on the floor (units), so movement reads even in an empty arena. */
const FLOOR_GRID = 250;

/** Draws the arena on a canvas each animation frame: floor, area of interest, pickups, shots, players. */
export class ArenaRenderer {
  readonly #ctx: CanvasRenderingContext2D;
  readonly #canvas: HTMLCanvasElement;
  readonly #shots: Array<{ shot: ShotInfo; until: number }> = [];
  camera: Camera = { scale: 1, cx: 0, cy: 0 };

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext("2d")!;
  }

  addShot(shot: ShotInfo, now: number): void {
    this.#shots.push({ shot, until: now + SHOT_VISIBLE_MS });
  }

  draw(arena: ArenaConnection, now: number): void {
    const canvas = this.#canvas;
    const ctx = this.#ctx;
    if (canvas.width !== innerWidth || canvas.height !== innerHeight) {
      canvas.width = innerWidth;
      canvas.height = innerHeight;
    }
    const state = arena.state;
    const entities = arena.entities(now);
    const me = entities.find((e) => e.self);
    const radius = state?.viewRadius || 1200;
    // About 1400 units across the smaller side of the window: players are big enough to aim at,
    // and a shot's full range fits on screen.
    const scale = Math.min(canvas.width, canvas.height) / VIEW_SPAN;
    this.camera = {
      scale,
      cx: me?.x ?? (state?.width ?? SIM.WORLD_WIDTH) / 2,
      cy: me?.y ?? (state?.height ?? SIM.WORLD_HEIGHT) / 2,
    };
    const sx = (x: number) => canvas.width / 2 + (x - this.camera.cx) * scale;
    const sy = (y: number) => canvas.height / 2 + (y - this.camera.cy) * scale;

    ctx.fillStyle = "#0b0e14";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const w = state?.width || SIM.WORLD_WIDTH;
    const h = state?.height || SIM.WORLD_HEIGHT;
    ctx.fillStyle = "#10141c";
    ctx.fillRect(sx(0), sy(0), w * scale, h * scale);
    if (me) {
      ctx.fillStyle = "#161c27";
      ctx.beginPath();
      ctx.arc(sx(me.x), sy(me.y), radius * scale, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.strokeStyle = "#1f2633";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = 0; x <= w; x += FLOOR_GRID) {
      ctx.moveTo(sx(x), sy(0));
      ctx.lineTo(sx(x), sy(h));
    }
    for (let y = 0; y <= h; y += FLOOR_GRID) {
      ctx.moveTo(sx(0), sy(y));
      ctx.lineTo(sx(w), sy(y));
    }
    ctx.stroke();
    ctx.strokeStyle = "#4c566a";
    ctx.strokeRect(sx(0), sy(0), w * scale, h * scale);

    state?.pickups?.forEach((k) => {
      if (!k.active) return;
      const r = Math.max(3, COMBAT.PICKUP_RADIUS * scale * 0.6);
      ctx.fillStyle = "#a3be8c";
      ctx.fillRect(sx(k.x) - r, sy(k.y) - r / 3, 2 * r, (2 * r) / 3);
      ctx.fillRect(sx(k.x) - r / 3, sy(k.y) - r, (2 * r) / 3, 2 * r);
    });

    while (this.#shots.length > 0 && this.#shots[0]!.until < now) this.#shots.shift();
    ctx.lineWidth = 2;
    for (const { shot, until } of this.#shots) {
      ctx.globalAlpha = Math.max(0, (until - now) / SHOT_VISIBLE_MS);
      ctx.strokeStyle = shot.hit ? "#d08770" : "#ebcb8b";
      ctx.beginPath();
      ctx.moveTo(sx(shot.x), sy(shot.y));
      ctx.lineTo(sx(shot.x + Math.cos(shot.aim) * shot.length), sy(shot.y + Math.sin(shot.aim) * shot.length));
      ctx.stroke();
    }
    ctx.globalAlpha = 1;

    const r = Math.max(6, SIM.PLAYER_RADIUS * scale);
    ctx.font = "12px system-ui, sans-serif";
    for (const e of entities) {
      const x = sx(e.x);
      const y = sy(e.y);
      ctx.globalAlpha = e.entity.connected && e.entity.alive ? 1 : 0.3;
      ctx.fillStyle = e.self ? "#88c0d0" : "#bf616a";
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = "#eceff4";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + Math.cos(e.aim) * r * 2, y + Math.sin(e.aim) * r * 2);
      ctx.stroke();
      ctx.fillStyle = "#d8dee9";
      ctx.fillText(e.entity.name, x - r, y - r - 6);
      ctx.fillStyle = "#3b4252";
      ctx.fillRect(x - r, y + r + 4, 2 * r, 3);
      ctx.fillStyle = e.self ? "#88c0d0" : "#bf616a";
      ctx.fillRect(x - r, y + r + 4, 2 * r * (e.entity.health / COMBAT.MAX_HEALTH), 3);
    }
    ctx.globalAlpha = 1;
    this.#minimap(entities, w, h, radius);
  }

  // The whole arena in a corner: every player this client holds, and its area of interest.
  #minimap(entities: ReturnType<ArenaConnection["entities"]>, w: number, h: number, radius: number): void {
    const ctx = this.#ctx;
    const size = MINIMAP_PX;
    const k = size / Math.max(w, h);
    const left = this.#canvas.width - size - 8;
    const top = this.#canvas.height - size - 44;
    ctx.fillStyle = "#0b0e14cc";
    ctx.fillRect(left, top, w * k, h * k);
    ctx.strokeStyle = "#4c566a";
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w * k, h * k);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w * k, h * k);
    ctx.clip();
    for (const e of entities) {
      if (e.self) {
        ctx.strokeStyle = "#3b4252";
        ctx.beginPath();
        ctx.arc(left + e.x * k, top + e.y * k, radius * k, 0, Math.PI * 2);
        ctx.stroke();
      }
      ctx.fillStyle = e.self ? "#88c0d0" : "#bf616a";
      ctx.fillRect(left + e.x * k - 2, top + e.y * k - 2, 4, 4);
    }
    ctx.restore();
  }
}
