// The monitor's Tickwire view: polls /monitor/api/tickwire once a second, turns its totals into
// rates, and keeps five minutes of history in the page (the server keeps none for it).
/* global uPlot */

const POLL_MS = 1000;
const HISTORY = 300;
/** Clients drawn on the round-trip chart at most (all are in the table). */
const RTT_CLIENTS = 12;
const COLORS = [
  "#4fc3f7",
  "#ffb74d",
  "#81c784",
  "#e57373",
  "#ba68c8",
  "#fff176",
  "#4db6ac",
  "#f06292",
  "#a1887f",
  "#90a4ae",
  "#aed581",
  "#7986cb",
];

const $ = (id) => document.getElementById(id);
const state = {
  polls: 0,
  prev: undefined,
  /** The room whose clients are shown; undefined lets the server pick the busiest. */
  chosen: undefined,
  charts: {},
  rttClients: "",
};

// ---------- formatting ----------
const fixed = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits));
const kb = (bytesPerSecond) => bytesPerSecond / 1000;
function duration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

// ---------- charts ----------
function axis(label) {
  return {
    label,
    stroke: "#8593a3",
    grid: { stroke: "#25303b", width: 1 },
    ticks: { stroke: "#25303b", width: 1 },
    labelSize: 18,
    size: 52,
  };
}

/**
 * A time chart of several series. `series`: [{ label, scale, color, dash }]; `scales`: the
 * y scales by name, each with its axis label (the second goes on the right).
 */
function makeChart(id, series, scales) {
  const el = $(id);
  const names = Object.keys(scales);
  const opts = {
    width: el.clientWidth || 460,
    height: el.clientHeight - 34 || 196,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: Object.fromEntries([
      ["x", { time: true }],
      ...names.map((n) => [n, { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.15 : 1] }]),
    ]),
    axes: [
      {
        stroke: "#8593a3",
        grid: { stroke: "#25303b", width: 1 },
        ticks: { stroke: "#25303b", width: 1 },
        space: 70,
        values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString([], { hour12: false })),
      },
      ...names.map((n, i) => ({
        ...axis(scales[n]),
        scale: n,
        side: i === 0 ? 3 : 1,
        grid: i === 0 ? axis().grid : { show: false },
      })),
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        scale: s.scale ?? names[0],
        stroke: s.color ?? COLORS[i % COLORS.length],
        width: 2,
        dash: s.dash,
        points: { show: false },
        value: (_u, v) => fixed(v, s.digits ?? 1),
      })),
    ],
  };
  const data = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, data, el);
  const chart = { plot, data, el };
  state.charts[id] = chart;
  return chart;
}

/** Appends one point (time in seconds, then one value per series) and redraws. */
function push(chart, t, values) {
  chart.data[0].push(t);
  for (let i = 0; i < values.length; i++) chart.data[i + 1].push(values[i] ?? null);
  if (chart.data[0].length > HISTORY) for (const column of chart.data) column.shift();
  chart.plot.setData(chart.data);
  chart.el.dataset.points = String(chart.data[0].length);
}

function clearChart(chart) {
  for (const column of chart.data) column.length = 0;
  chart.plot.setData(chart.data);
}

function resizeAll() {
  for (const chart of Object.values(state.charts)) {
    chart.plot.setSize({ width: chart.el.clientWidth, height: chart.el.clientHeight - 34 });
  }
}

function processCharts() {
  makeChart("chart-load", [{ label: "players" }, { label: "rooms", scale: "rooms" }], {
    players: "players",
    rooms: "rooms",
  });
  makeChart(
    "chart-timing",
    [
      { label: "tick p50", digits: 3 },
      { label: "tick p99", digits: 3 },
      { label: "flush p99", digits: 3 },
      { label: "lateness p99", digits: 2, dash: [6, 4], scale: "late" },
    ],
    { ms: "ms", late: "lateness ms" },
  );
  makeChart("chart-bandwidth", [{ label: "out" }, { label: "in" }], { kbps: "kB/s" });
  makeChart("chart-unreliable", [{ label: "sent" }, { label: "dropped", color: "#e57373", scale: "dropped" }], {
    sent: "sent /s",
    dropped: "dropped /s",
  });
  makeChart(
    "chart-closes",
    [
      { label: "backpressure", color: "#e57373" },
      { label: "limits", color: "#ffb74d" },
      { label: "backlogged clients", scale: "clients", color: "#4fc3f7" },
    ],
    { perSecond: "closes /s", clients: "clients" },
  );
  makeChart(
    "chart-cpu",
    [
      { label: "CPU", digits: 2 },
      { label: "RSS", scale: "mb", color: "#ba68c8", digits: 0 },
    ],
    { cores: "cores", mb: "MB" },
  );
  makeChart(
    "chart-room",
    [{ label: "players" }, { label: "tick p99", scale: "ms", digits: 3 }, { label: "out", scale: "kbps" }],
    { players: "players", ms: "ms", kbps: "kB/s" },
  );
}

/** The round-trip chart has one series per client: it is rebuilt when the clients change. */
function rttChart(clients) {
  const shown = clients.slice(0, RTT_CLIENTS);
  const key = shown.map((c) => c.sessionId).join(",");
  let chart = state.charts["chart-rtt"];
  if (chart && key === state.rttClients) return { chart, shown };
  chart?.plot.destroy();
  state.rttClients = key;
  chart = makeChart(
    "chart-rtt",
    shown.map((c) => ({ label: c.sessionId, digits: 1 })),
    { ms: "ms" },
  );
  return { chart, shown };
}

// ---------- cards and tables ----------
function card(label, value, unit, level) {
  const el = document.createElement("div");
  el.className = `card${level ? ` ${level}` : ""}`;
  const l = document.createElement("div");
  l.className = "label";
  l.textContent = label;
  const v = document.createElement("div");
  v.className = "value";
  v.textContent = value;
  const u = document.createElement("span");
  u.className = "unit";
  u.textContent = unit;
  v.append(u);
  el.append(l, v);
  return el;
}

function cell(row, text, numeric) {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "n";
  row.append(td);
}

function fillTable(id, rows, columns, onRow) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = columns;
    td.className = "empty";
    td.textContent = "none";
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const r of rows) {
    const tr = document.createElement("tr");
    onRow(tr, r);
    body.append(tr);
  }
}

// ---------- one poll ----------
function rate(now, prev, key, seconds) {
  return prev ? Math.max(0, now - prev[key]) / seconds : null;
}

function render(view) {
  const prev = state.prev;
  const seconds = prev ? Math.max(0.001, (view.at - prev.view.at) / 1000) : 1;
  const t = view.at / 1000;
  const d = (key) => (prev ? Math.max(0, view.totals[key] - prev.view.totals[key]) / seconds : null);
  const cores = prev ? Math.max(0, view.cpuSeconds - prev.view.cpuSeconds) / seconds : null;
  const out = d("bytesSent");
  const inn = d("bytesReceived");
  const dropped = d("unreliableDropped");

  $("process").textContent = view.processId;
  $("uptime").textContent = duration(view.uptimeSeconds);
  const tick99 = view.tickMs.p99;
  $("cards").replaceChildren(
    card("players", String(view.players), ""),
    card("rooms", String(view.rooms), ""),
    card("tick p99", fixed(tick99, 2), "ms", tick99 > 16 ? "bad" : tick99 > 8 ? "warn" : ""),
    card("flush p99", fixed(view.flushMs.p99, 2), "ms"),
    card("CPU", fixed(cores, 2), "cores"),
    card("out", out === null ? "–" : fixed(kb(out), 1), "kB/s"),
    card("in", inn === null ? "–" : fixed(kb(inn), 1), "kB/s"),
    card("unreliable dropped", fixed(dropped, 1), "/s", dropped > 0 ? "warn" : ""),
    card("backlogged clients", String(view.clientsBacklogged), "", view.clientsBacklogged > 0 ? "warn" : ""),
    card(
      "backpressure closes",
      String(view.totals.backpressureCloses),
      "total",
      view.totals.backpressureCloses > 0 ? "bad" : "",
    ),
  );

  const c = state.charts;
  push(c["chart-load"], t, [view.players, view.rooms]);
  push(c["chart-timing"], t, [view.tickMs.p50, view.tickMs.p99, view.flushMs.p99, view.latenessMs.p99]);
  push(c["chart-bandwidth"], t, [out === null ? null : kb(out), inn === null ? null : kb(inn)]);
  push(c["chart-unreliable"], t, [d("unreliableSent"), dropped]);
  push(c["chart-closes"], t, [d("backpressureCloses"), d("limitCloses"), view.clientsBacklogged]);
  push(c["chart-cpu"], t, [cores, view.rssBytes / 1e6]);

  // Rooms: rates from the previous answer's totals of the same room.
  const prevRooms = prev?.rooms ?? new Map();
  const roomRates = new Map(
    view.roomList.map((r) => {
      const p = prevRooms.get(r.roomId);
      return [
        r.roomId,
        {
          out: rate(r.bytesSent, p, "bytesSent", seconds),
          dropped: rate(r.framesDropped, p, "framesDropped", seconds),
        },
      ];
    }),
  );
  const shownRoom = view.room?.roomId;
  fillTable("rooms", view.roomList, 7, (tr, r) => {
    const rr = roomRates.get(r.roomId);
    if (r.roomId === shownRoom) tr.className = "chosen";
    tr.dataset.roomId = r.roomId;
    cell(tr, r.name);
    cell(tr, r.roomId);
    cell(tr, String(r.players), true);
    cell(tr, fixed(r.tickP99Ms, 3), true);
    cell(tr, fixed(r.flushP99Ms, 3), true);
    cell(tr, rr.out === null ? "–" : fixed(kb(rr.out), 1), true);
    cell(tr, fixed(rr.dropped, 1), true);
    // The next poll (within a second) shows it: an extra poll now would make rates over a
    // fraction of a second, which the flushes' steps turn into spikes.
    tr.addEventListener("click", () => {
      state.chosen = r.roomId;
      for (const row of tr.parentElement.children) row.classList.toggle("chosen", row === tr);
    });
  });

  // The chosen room: its own chart starts again when another room is shown.
  $("room-id").textContent = view.room ? `${view.room.name} · ${view.room.roomId}` : "–";
  if (shownRoom !== state.shownRoom) {
    clearChart(c["chart-room"]);
    state.shownRoom = shownRoom;
    state.rttClients = "";
  }
  const listed = view.roomList.find((r) => r.roomId === shownRoom);
  push(
    c["chart-room"],
    t,
    listed
      ? [
          listed.players,
          listed.tickP99Ms,
          roomRates.get(shownRoom).out === null ? null : kb(roomRates.get(shownRoom).out),
        ]
      : [null, null, null],
  );

  const clients = view.room?.clients ?? [];
  const { chart: rtt, shown } = rttChart(clients);
  push(
    rtt,
    t,
    shown.map((cl) => cl.rttMs),
  );
  const prevClients = prev?.clients ?? new Map();
  fillTable("clients", clients, 10, (tr, cl) => {
    const p = prevClients.get(cl.sessionId);
    const outRate = rate(cl.bytesSent, p, "bytesSent", seconds);
    cell(tr, cl.sessionId);
    cell(tr, fixed(cl.rttMs, 1), true);
    cell(tr, fixed(cl.minRttMs, 1), true);
    cell(tr, fixed(cl.jitterMs, 2), true);
    cell(tr, String(cl.windowBytes), true);
    cell(tr, String(cl.framesInFlight), true);
    cell(tr, String(cl.framesDropped), true);
    cell(tr, fixed(rate(cl.framesDropped, p, "framesDropped", seconds), 1), true);
    cell(tr, outRate === null ? "–" : fixed(kb(outRate), 1), true);
    cell(tr, String(cl.backlogBytes), true);
  });

  state.prev = {
    view,
    rooms: new Map(view.roomList.map((r) => [r.roomId, r])),
    clients: new Map(clients.map((cl) => [cl.sessionId, cl])),
  };
  state.polls++;
  document.body.dataset.polls = String(state.polls);
}

function setStatus(kind, text) {
  const el = $("status");
  el.className = `status ${kind}`;
  el.textContent = text;
}

let timer;
async function poll() {
  clearTimeout(timer);
  try {
    const query = state.chosen ? `?roomId=${encodeURIComponent(state.chosen)}` : "";
    const res = await fetch(`../api/tickwire${query}`, { cache: "no-store" });
    if (!res.ok) {
      const wait = res.headers.get("retry-after");
      setStatus("down", `HTTP ${res.status}${wait ? `, retry after ${wait} s` : ""}`);
    } else {
      render(await res.json());
      setStatus("live", `live · ${new Date().toLocaleTimeString()}`);
    }
  } catch (err) {
    setStatus("down", `unreachable (${err.message})`);
  }
  timer = setTimeout(poll, POLL_MS);
}

processCharts();
window.addEventListener("resize", resizeAll);
poll();
