/**
 * Distance along a ray (origin, angle) to where it first touches a circle, or undefined when
 * it misses or the circle is further than `range`. Hitscan: the shot is instant.
 */
export function rayHitsCircle(
  ox: number,
  oy: number,
  angle: number,
  range: number,
  cx: number,
  cy: number,
  radius: number,
): number | undefined {
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  // Project the circle's centre on the ray, then step back to the entry point.
  const along = (cx - ox) * dx + (cy - oy) * dy;
  if (along < 0) return undefined;
  const px = ox + dx * along - cx;
  const py = oy + dy * along - cy;
  const miss2 = px * px + py * py;
  const r2 = radius * radius;
  if (miss2 > r2) return undefined;
  const entry = along - Math.sqrt(r2 - miss2);
  return entry <= range ? Math.max(0, entry) : undefined;
}
