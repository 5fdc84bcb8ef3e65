// The load-test report's charts, inlined into the page by reportHtml.ts: one uPlot per panel,
// drawn from the page's data object as its chart specs say (reportCharts.ts). The cursor is
// shared across charts, so one moment of the run reads across all of them.
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const AXIS = "#94a3b8";
  const GRID = "rgba(148, 163, 184, 0.12)";
  const HEIGHT = 250;

  const fmt = (v, digits) =>
    v == null || !Number.isFinite(v) ? "–" : v.toLocaleString("en-US", { maximumFractionDigits: digits });

  // The ramp, shaded behind the series: rates there are still climbing.
  const rampBand = {
    hooks: {
      drawClear: (u) => {
        const ramp = data.rampSeconds;
        if (!ramp) return;
        const { ctx, bbox } = u;
        const x0 = Math.max(bbox.left, u.valToPos(0, "x", true));
        const x1 = Math.min(bbox.left + bbox.width, u.valToPos(ramp, "x", true));
        if (x1 <= x0) return;
        ctx.save();
        ctx.fillStyle = "rgba(148, 163, 184, 0.08)";
        ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
        ctx.fillStyle = AXIS;
        ctx.font = `${11 * devicePixelRatio}px ${FONT}`;
        ctx.textBaseline = "top";
        ctx.fillText("ramp", x0 + 6 * devicePixelRatio, bbox.top + 6 * devicePixelRatio);
        ctx.restore();
      },
    },
  };

  // Also asked for before the first layout (the legend's marker): a flat tint then.
  const gradient = (color) => (u) => {
    if (!Number.isFinite(u.bbox?.height)) return `${color}33`;
    const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
    g.addColorStop(0, `${color}55`);
    g.addColorStop(1, `${color}05`);
    return g;
  };

  // From zero, with headroom above the highest point (an empty series still gets an axis).
  const fromZero = (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1];

  const axis = (extra) => ({
    stroke: AXIS,
    font: `12px ${FONT}`,
    labelFont: `600 12px ${FONT}`,
    grid: { stroke: GRID, width: 1 },
    ticks: { stroke: GRID, width: 1 },
    ...extra,
  });

  // Away from the cursor the legend reads the run's last point, not dashes.
  const lastInLegend = {
    hooks: {
      ready: (u) => u.setLegend({ idx: u.data[0].length - 1 }, false),
      setLegend: (u) => {
        if (u.legend.idx == null && u.data[0].length > 0) u.setLegend({ idx: u.data[0].length - 1 }, false);
      },
    },
  };

  const charts = [];
  for (const spec of data.charts) {
    const el = document.querySelector(`[data-chart="${spec.id}"]`);
    const src = data[spec.source];
    if (spec.missing || !el || !src) continue;
    const xs = src.t;
    const ys = spec.series.map((s) => src[s.key].map((v) => (v == null ? null : v * (s.factor ?? 1))));
    const end = Math.max(data.runSeconds || 0, xs.at(-1) ?? 0);
    const scales = { x: { time: false, range: [0, end] }, y: { range: fromZero } };
    const axes = [
      axis({ label: "time (s)", labelSize: 22, values: (_u, splits) => splits.map((v) => fmt(v, 2)) }),
      axis({ label: spec.yLabel, labelSize: 22, size: 56 }),
    ];
    if (spec.rightLabel) {
      scales.right = { range: fromZero };
      axes.push(
        axis({ scale: "right", side: 1, label: spec.rightLabel, labelSize: 22, size: 56, grid: { show: false } }),
      );
    }
    const opts = {
      width: el.clientWidth,
      height: HEIGHT,
      scales,
      axes,
      plugins: [rampBand, lastInLegend],
      cursor: { sync: { key: "run", setSeries: false }, points: { size: 7 } },
      legend: { live: true },
      series: [
        { label: "time", value: (_u, v) => (v == null ? "–" : `${fmt(v, 1)} s`) },
        ...spec.series.map((s) => ({
          label: s.label,
          scale: s.right ? "right" : "y",
          stroke: s.color,
          width: 2,
          fill: s.fill ? gradient(s.color) : undefined,
          dash: s.dash ? [6, 4] : undefined,
          spanGaps: false,
          points: { show: xs.length <= 60, size: 4, fill: s.color },
          value: (_u, v) => (v == null ? "–" : `${fmt(v, s.digits)}${s.unit ? ` ${s.unit}` : ""}`),
        })),
      ],
    };
    charts.push({ id: spec.id, plot: new uPlot(opts, [xs, ...ys], el), el, colors: spec.series.map((s) => s.color) });
  }

  // Charts follow their panel's width (the grid reflows with the window).
  const resize = new ResizeObserver(() => {
    for (const c of charts)
      if (c.el.clientWidth !== c.plot.width) c.plot.setSize({ width: c.el.clientWidth, height: HEIGHT });
  });
  for (const c of charts) resize.observe(c.el);

  // For a reader with the devtools open (and the browser test): the data and the charts.
  window.tickwireReport = { data, charts };
})();
