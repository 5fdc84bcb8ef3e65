import { TAG, type Camera, type Rendered, type Runner, type TagConnection } from "../client/index.ts";

/** World units shown across the smaller side of the window: a runner's whole view, and a little more. */
const VIEW_SPAN = 2 * TAG.RUNNER_VIEW + 200;
/** Spacing of the lines scored in the ice (units), so gliding reads even on an empty field. */
const ICE_GRID = 200;
/** Side of the minimap in pixels. */
const MINIMAP_PX = 140;

const COLORS = {
  outside: "#06111a",
  ice: "#16324a",
  iceSeen: "#1d4563",
  grid: "#24506f",
  wall: "#9fd3ff",
  self: "#7fd1ff",
  other: "#c3a6ff",
  it: "#ff6b6b",
  frost: "#e8f6ff",
  ball: "#ffb347",
  text: "#e5eef5",
} as const;

/** Draws tag on a canvas each animation frame: the ice, the view, balls, runners and a minimap. */
export class TagRenderer {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  /** Where the last frame looked from, and its pixels per unit. */
  #eye: Camera = { x: 0, y: 0 };
  #scale = 1;

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext("2d")!;
  }

  /** Draws the field around `eye` (the own runner, or a spectator's camera), at local time `now`. */
  draw(tag: TagConnection, eye: Camera, now: number): void {
    const canvas = this.#canvas;
    const ctx = this.#ctx;
    if (canvas.width !== innerWidth || canvas.height !== innerHeight) {
      canvas.width = innerWidth;
      canvas.height = innerHeight;
    }
    const scale = Math.min(canvas.width, canvas.height) / VIEW_SPAN;
    this.#eye = { x: eye.x, y: eye.y };
    this.#scale = scale;
    const sx = (x: number) => canvas.width / 2 + (x - eye.x) * scale;
    const sy = (y: number) => canvas.height / 2 + (y - eye.y) * scale;
    const side = TAG.WORLD_SIZE * scale;

    ctx.fillStyle = COLORS.outside;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = COLORS.ice;
    ctx.fillRect(sx(0), sy(0), side, side);
    // What this client is sent: runners within RUNNER_VIEW, balls within BALL_VIEW.
    ctx.fillStyle = COLORS.iceSeen;
    ctx.beginPath();
    ctx.arc(sx(eye.x), sy(eye.y), TAG.RUNNER_VIEW * scale, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = 0; v <= TAG.WORLD_SIZE; v += ICE_GRID) {
      ctx.moveTo(sx(v), sy(0));
      ctx.lineTo(sx(v), sy(TAG.WORLD_SIZE));
      ctx.moveTo(sx(0), sy(v));
      ctx.lineTo(sx(TAG.WORLD_SIZE), sy(v));
    }
    ctx.stroke();
    ctx.strokeStyle = COLORS.wall;
    ctx.lineWidth = 3;
    ctx.strokeRect(sx(0), sy(0), side, side);
    ctx.setLineDash([6, 8]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = `${COLORS.ball}66`;
    ctx.beginPath();
    ctx.arc(sx(eye.x), sy(eye.y), TAG.BALL_VIEW * scale, 0, Math.PI * 2);
    ctx.stroke();
    ctx.setLineDash([]);

    const balls = tag.entities("balls", now);
    const br = Math.max(4, TAG.BALL_RADIUS * scale);
    ctx.fillStyle = COLORS.ball;
    for (const b of balls) {
      ctx.beginPath();
      ctx.arc(sx(b.x), sy(b.y), br, 0, Math.PI * 2);
      ctx.fill();
    }

    const runners = tag.entities("runners", now);
    for (const r of runners) this.#runner(r, sx(r.x), sy(r.y), Math.max(6, TAG.RUNNER_RADIUS * scale), now);
    this.#vignette(scale);
    this.#minimap(tag, eye);
  }

  /** Where the last frame drew the world point (x, y), in canvas pixels. */
  screenOf(x: number, y: number): { x: number; y: number } {
    return {
      x: this.#canvas.width / 2 + (x - this.#eye.x) * this.#scale,
      y: this.#canvas.height / 2 + (y - this.#eye.y) * this.#scale,
    };
  }

  #runner(r: Rendered<Runner>, x: number, y: number, radius: number, now: number): void {
    const ctx = this.#ctx;
    const e = r.entity;
    if (e.it) {
      // "It" pulses, so it is spotted at a glance.
      ctx.fillStyle = `${COLORS.it}55`;
      ctx.beginPath();
      ctx.arc(x, y, radius * (1.6 + 0.25 * Math.sin(now / 150)), 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.fillStyle = e.frozen ? COLORS.frost : e.it ? COLORS.it : r.self ? COLORS.self : COLORS.other;
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, Math.PI * 2);
    ctx.fill();
    if (e.frozen) {
      // Frosted: a pale disc with an ice crystal on it.
      ctx.strokeStyle = COLORS.self;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i < 3; i++) {
        const a = (i * Math.PI) / 3;
        ctx.moveTo(x - Math.cos(a) * radius * 0.8, y - Math.sin(a) * radius * 0.8);
        ctx.lineTo(x + Math.cos(a) * radius * 0.8, y + Math.sin(a) * radius * 0.8);
      }
      ctx.stroke();
    }
    if (r.self) {
      ctx.strokeStyle = COLORS.text;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, radius + 3, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.fillStyle = COLORS.text;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(`${e.it ? "IT · " : ""}${e.name} (${e.score})`, x, y - radius - 8);
    ctx.textAlign = "start";
  }

  // Darkens the screen towards its edges: past the view, nothing is sent to this client.
  #vignette(scale: number): void {
    const ctx = this.#ctx;
    const { width, height } = this.#canvas;
    const g = ctx.createRadialGradient(
      width / 2,
      height / 2,
      TAG.RUNNER_VIEW * scale * 0.8,
      width / 2,
      height / 2,
      TAG.BALL_VIEW * scale * 1.1,
    );
    g.addColorStop(0, "#00000000");
    g.addColorStop(1, "#000000aa");
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, width, height);
  }

  // The whole field in a corner: where this client looks from, and how far it sees.
  #minimap(tag: TagConnection, eye: Camera): void {
    const ctx = this.#ctx;
    const k = MINIMAP_PX / TAG.WORLD_SIZE;
    const left = this.#canvas.width - MINIMAP_PX - 8;
    const top = this.#canvas.height - MINIMAP_PX - 44;
    ctx.fillStyle = "#08121acc";
    ctx.fillRect(left, top, MINIMAP_PX, MINIMAP_PX);
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, MINIMAP_PX, MINIMAP_PX);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, MINIMAP_PX, MINIMAP_PX);
    ctx.clip();
    ctx.strokeStyle = COLORS.wall;
    ctx.beginPath();
    ctx.arc(left + eye.x * k, top + eye.y * k, TAG.RUNNER_VIEW * k, 0, Math.PI * 2);
    ctx.stroke();
    tag.state?.runners?.forEach((r, id) => {
      ctx.fillStyle = r.it ? COLORS.it : id === tag.sessionId ? COLORS.self : COLORS.other;
      ctx.fillRect(left + r.x * k - 2, top + r.y * k - 2, 4, 4);
    });
    ctx.restore();
  }
}
