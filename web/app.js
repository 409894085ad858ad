// vigil's dashboard: boots from /health (is a token needed?) and /api/v1/info (host name,
// endpoints, interval, how far history reaches), opens the live connection, and on every
// (re)connection reloads the documents and the charts' history, then follows live values.
//
// Data flow: a notification {method, params: {channel, data, timestamp_ms}} from /ws (or
// the same params from SSE, or a REST document split into channels when polling) goes to
// onMessage(), which hands the payload to its card (views.js) and its chart (charts.js).
import { getJSON, HttpError, serverNow, setToken, takeTokenFromUrl, token } from './api.js';
import { chartsAvailable, PALETTE, SeriesChart } from './charts.js';
import { $, h, k, setAttr, setHidden, setText } from './dom.js';
import * as f from './format.js';
import { Live } from './live.js';
import { localChannel, nodeChannels, selectedNode } from './nodes.js';
import { startOverview } from './overview.js';
import * as v from './views.js';

const THROUGHPUT_WINDOW_S = 900;
const RANGES = [
  [900, '15 min'],
  [3600, '1 h'],
  [6 * 3600, '6 h'],
  [24 * 3600, '24 h'],
  [7 * 86400, '7 d'],
];
const CHART_POINTS = 900; // history is asked for with a step that gives about this many

const app = {
  node: selectedNode(), // the hub's node shown (nodes.js); null: this daemon
  info: null,
  endpoints: new Set(),
  intervalMs: 2000,
  historyS: 3600,
  rangeSec: 900,
  builtinInference: new Set(),
  builtinCluster: new Set(),
  inferenceUrls: new Map(),
  targets: new Map(), // name -> newest target object
  rates: new Map(), // name -> {v, t}: newest generation rate of each target that is up
  alerts: [],
  agents: false,
  firstLive: false,
  gpuTimer: null,
  live: null,
  charts: {},
};

// ---- connection state --------------------------------------------------------------------
function showState(s, detail) {
  const el = $('#conn');
  el.dataset.state = s;
  const text = {
    connecting: 'connecting…',
    live: `live${detail ? ` · ${detail}` : ''}`,
    polling: `polling${detail ? ` ${detail}` : ''}`,
    disconnected: `disconnected${detail ? ` — ${detail}` : ''}`,
    unauthorized: 'token needed',
  }[s];
  setText($('#conn-text'), text || s);
}

// ---- token -------------------------------------------------------------------------------
function askToken(refused) {
  showState('unauthorized');
  const d = $('#token-dialog');
  setHidden($('#token-error'), !refused);
  $('#token-form').addEventListener(
    'submit',
    (e) => {
      e.preventDefault();
      setToken($('#token-input').value.trim());
      location.reload();
    },
    { once: true },
  );
  if (!d.open) d.showModal();
  $('#token-input').focus();
  return new Promise(() => {}); // the reload starts again
}

// ---- charts ------------------------------------------------------------------------------
const upTo = (max, pad = 1.1, floor = 1) => (u, lo, hi) => [0, Math.max(floor, (hi || 0) * pad)];

function makeCharts() {
  const el = (id) => k(document.getElementById(id), 'chart');
  const byIndex = (keys) => keys.sort((a, b) => parseInt(a.slice(1), 10) - parseInt(b.slice(1), 10) || a.localeCompare(b));
  app.charts.gpu = new SeriesChart(el('chart-gpu'), {
    height: 240,
    windowSec: app.rangeSec,
    scales: { pct: { range: [0, 100] }, temp: { range: (u, lo, hi) => [0, Math.max(100, Math.ceil((hi || 0) / 10) * 10)] } },
    axes: [
      { scale: 'pct', fmt: (x) => `${x}%` },
      { scale: 'temp', side: 1, grid: { show: false }, fmt: (x) => `${x}°C` },
    ],
    series: (key) => {
      const i = parseInt(key.slice(1), 10);
      return key[0] === 'u'
        ? { label: `GPU ${i} util`, scale: 'pct', stroke: PALETTE[i % PALETTE.length], fmt: (x) => `${x.toFixed(0)}%` }
        : { label: `GPU ${i} temp`, scale: 'temp', stroke: PALETTE[i % PALETTE.length], dash: [6, 4], fmt: (x) => `${x.toFixed(0)} °C` };
    },
    order: (keys) => keys.sort((a, b) => parseInt(a.slice(1), 10) - parseInt(b.slice(1), 10) || (a[0] === 'u' ? -1 : 1)),
  });
  const memLabels = { ram: ['RAM used', PALETTE[0], undefined], swap: ['swap used', PALETTE[1], undefined], total: ['RAM total', PALETTE[2], [4, 4]] };
  app.charts.mem = new SeriesChart(el('chart-mem'), {
    height: 240,
    windowSec: app.rangeSec,
    scales: { gib: { range: upTo(0, 1.08, 0.5) } },
    axes: [{ scale: 'gib', size: 64, fmt: (x) => `${+x.toFixed(1)} GiB` }],
    series: (key) => ({ label: memLabels[key][0], scale: 'gib', stroke: memLabels[key][1], dash: memLabels[key][2], fmt: (x) => `${x.toFixed(2)} GiB` }),
    order: (keys) => ['ram', 'swap', 'total'].filter((x) => keys.includes(x)),
  });
  app.charts.cpu = new SeriesChart(el('chart-cpu'), {
    height: 240,
    windowSec: app.rangeSec,
    // A legend of 16 cores is still readable; beyond, the header says how many.
    legend: (keys) => keys.length <= 16,
    scales: { pct: { range: [0, 100] } },
    axes: [{ scale: 'pct', fmt: (x) => `${x}%` }],
    series: (key) => {
      const i = parseInt(key.slice(1), 10);
      return { label: `cpu${i}`, scale: 'pct', stroke: PALETTE[i % PALETTE.length], width: 1, fmt: (x) => `${x.toFixed(1)}%` };
    },
    order: byIndex,
  });
  const ioLabels = { dr: ['disk read', 0], dw: ['disk write', 1], nd: ['net down', 2], nu: ['net up', 3] };
  app.charts.io = new SeriesChart(el('chart-io'), {
    height: 240,
    windowSec: app.rangeSec,
    scales: { mibs: { range: upTo(0, 1.1, 0.1) } },
    axes: [{ scale: 'mibs', size: 84, fmt: (x) => `${+x.toFixed(2)} MiB/s` }],
    series: (key) => ({ label: ioLabels[key][0], scale: 'mibs', stroke: PALETTE[ioLabels[key][1]], fmt: (x) => `${x.toFixed(2)} MiB/s` }),
    order: (keys) => ['dr', 'dw', 'nd', 'nu'].filter((x) => keys.includes(x)),
  });
  app.charts.tp = new SeriesChart(k(document.getElementById('throughput'), 'chart'), {
    height: 150,
    windowSec: THROUGHPUT_WINDOW_S,
    scales: { tps: { range: upTo(0, 1.1, 1) } },
    axes: [{ scale: 'tps', size: 60, fmt: (x) => `${+x.toFixed(0)}` }],
    series: (key) => {
      const names = [...app.targets.keys()].sort();
      const i = names.indexOf(key);
      return key === '\u0000total'
        ? { label: 'total t/s', scale: 'tps', stroke: PALETTE[0], width: 2, fmt: (x) => f.tps(x) }
        : { label: `${key} t/s`, scale: 'tps', stroke: PALETTE[(i + 1) % PALETTE.length], fmt: (x) => f.tps(x) };
    },
    // The total first; each target's own line only when there are several.
    order: (keys) => {
      const targets = keys.filter((x) => x !== TOTAL).sort();
      return [TOTAL, ...(targets.length > 1 ? targets : [])].filter((x) => keys.includes(x));
    },
  });
  if (!chartsAvailable()) {
    for (const id of ['chart-gpu', 'chart-mem', 'chart-cpu', 'chart-io']) {
      const empty = k(document.getElementById(id), 'empty');
      if (empty) {
        setText(empty, 'charts not available (uPlot did not load)');
        setHidden(empty, false);
      }
    }
  }
}
const TOTAL = '\u0000total';

// ---- live messages ---------------------------------------------------------------------
function markFirstLive() {
  if (app.firstLive) return;
  app.firstLive = true;
  performance.mark('vigil:first-live');
  document.documentElement.dataset.live = 'true';
}

function onMessage(method, channel, data, ts) {
  if (data === null || data === undefined) return;
  switch (channel) {
    case 'system/cpu':
      v.renderCpu(data, ts);
      if (Array.isArray(data.per_core_utilization)) data.per_core_utilization.forEach((x, i) => app.charts.cpu.put(ts, `c${i}`, x));
      v.fresh(document.getElementById('chart-cpu'), ts);
      setText(k(document.getElementById('chart-cpu'), 'sub'), f.isNum(data.cores) ? `${data.cores} cores, overall ${f.pct(data.overall_utilization, 1)}` : '');
      markFirstLive();
      return;
    case 'system/memory':
      v.renderMemory(data, ts);
      app.charts.mem.put(ts, 'ram', gibOf(data.ram_used));
      app.charts.mem.put(ts, 'swap', gibOf(data.swap_used));
      app.charts.mem.put(ts, 'total', gibOf(data.ram_total));
      v.fresh(document.getElementById('chart-mem'), ts);
      markFirstLive();
      return;
    case 'system/disk':
      v.renderDisk(data, ts);
      app.charts.io.put(ts, 'dr', data.read_rate_mbps);
      app.charts.io.put(ts, 'dw', data.write_rate_mbps);
      v.fresh(document.getElementById('chart-io'), ts);
      return;
    case 'system/network':
      v.renderNet(data, ts);
      app.charts.io.put(ts, 'nd', data.download_rate_mbps);
      app.charts.io.put(ts, 'nu', data.upload_rate_mbps);
      v.fresh(document.getElementById('chart-io'), ts);
      return;
    case 'system/load':
      v.renderLoad(data, ts);
      return;
    case 'cluster':
      v.renderClusters(Array.isArray(data) ? data : data.clusters, ts, app.builtinCluster);
      return;
    case 'alerts':
      app.alerts = method === 'alert' ? v.applyAlertChange(app.alerts, data) : Array.isArray(data) ? data : data.active || [];
      v.renderAlerts(app.alerts, ts);
      return;
    case 'agents':
      v.renderAgents(data, ts);
      return;
    case 'events':
      v.addErrors(Array.isArray(data) ? data : Array.isArray(data.events) ? data.events : [data], true);
      return;
    default:
  }
  if (channel.startsWith('system/gpu/')) {
    v.renderGpu(data, ts);
    const i = data.gpu_index;
    const t = f.isNum(data.timestamp_ms) ? data.timestamp_ms : ts;
    app.charts.gpu.put(t, `u${i}`, data.utilization);
    app.charts.gpu.put(t, `t${i}`, data.temperature);
    v.fresh(document.getElementById('chart-gpu'), t);
    setHidden(k(document.getElementById('chart-gpu'), 'empty'), true);
    markFirstLive();
  } else if (channel.startsWith('inference/')) {
    onTarget(data, ts);
  } else if (channel.startsWith('perf/')) {
    v.renderProject(channel.slice(5), data, ts);
  }
}

const gibOf = (bytes) => (f.isNum(bytes) ? bytes / 1024 ** 3 : null);

// ---- inference targets -------------------------------------------------------------------
function onTarget(t, ts) {
  if (!t || typeof t.name !== 'string') return;
  const known = app.targets.has(t.name);
  app.targets.set(t.name, t);
  const at = f.isNum(t.last_scrape_ms) ? t.last_scrape_ms : ts;
  if (t.state === 'up' && f.isNum(t.generation_tokens_per_sec)) {
    app.rates.set(t.name, { v: t.generation_tokens_per_sec, t: at });
    app.charts.tp.put(at, t.name, t.generation_tokens_per_sec);
    app.charts.tp.put(at, TOTAL, totalAt(at));
  } else if (t.state !== 'up') {
    app.rates.delete(t.name);
  }
  if (!known) app.charts.tp.touch();
  renderThroughput(ts);
}

// The sum of every target's newest rate that is recent at time t (targets are scraped on
// their own schedules, so their points do not share times and may arrive out of order).
function totalAt(t) {
  const maxAge = Math.max(10000, 3 * app.intervalMs);
  let sum = 0;
  let any = false;
  for (const r of app.rates.values()) {
    if (Math.abs(t - r.t) <= maxAge) {
      sum += r.v;
      any = true;
    }
  }
  return any ? sum : null;
}

function statsOf(key) {
  const table = app.charts.tp.table;
  const since = Math.max(table.lastX, serverNow() / 1000) - THROUGHPUT_WINDOW_S;
  const vals = table.valuesSince(key, since);
  if (!vals.length) return { current: null, peak: null, avg: null };
  let peak = -Infinity;
  let sum = 0;
  for (const x of vals) {
    if (x > peak) peak = x;
    sum += x;
  }
  return { current: table.latest(key), peak, avg: sum / vals.length };
}

function renderThroughput(ts) {
  const list = [...app.targets.values()];
  const shown = list.filter((t) => t.state === 'up' || !app.builtinInference.has(t.name));
  let running = null;
  let waiting = null;
  for (const t of shown) {
    if (t.state !== 'up') continue;
    if (f.isNum(t.requests_running)) running = (running || 0) + t.requests_running;
    if (f.isNum(t.requests_waiting)) waiting = (waiting || 0) + t.requests_waiting;
  }
  for (const t of shown) v.renderTarget(t, t.state === 'up' ? statsOf(t.name) : { current: null, peak: null, avg: null });
  for (const t of list) if (!shown.includes(t)) v.removeTarget(t.name);
  let why = 'no inference target configured';
  if (list.length && !shown.length) why = `no inference server answering at ${list.map((t) => t.url).join(', ')}`;
  const total = statsOf(TOTAL);
  if (!app.rates.size) total.current = shown.length ? 0 : null;
  v.renderThroughput(total, running, waiting, shown.length > 0, why, ts);
}

// ---- documents and history ------------------------------------------------------------
async function refresh() {
  const jobs = [
    getJSON('/health').then(applyHealth),
    getJSON('/api/v1/gpus').then((doc) => {
      v.renderGpus(doc);
      // "starting": the GPU thread has not finished its first cycle yet; ask again.
      clearTimeout(app.gpuTimer);
      if (doc.state === 'starting') app.gpuTimer = setTimeout(() => getJSON('/api/v1/gpus').then(v.renderGpus).catch(() => {}), 1000);
      if (!doc.available) {
        const empty = k(document.getElementById('chart-gpu'), 'empty');
        setText(empty, `${f.NOT_AVAILABLE}: ${doc.reason || 'no GPU on this host'}`);
        setHidden(empty, false);
      }
    }),
    getJSON('/api/v1/inference').then((doc) => {
      for (const t of doc.targets || []) onTarget(t, doc.timestamp_ms);
      if (!(doc.targets || []).length) renderThroughput(doc.timestamp_ms);
    }),
    getJSON('/api/v1/cluster').then((doc) => v.renderClusters(doc.clusters, doc.timestamp_ms, app.builtinCluster)),
    getJSON('/api/v1/alerts').then((doc) => {
      app.alerts = doc.active || [];
      v.renderAlerts(app.alerts, doc.timestamp_ms);
    }),
    loadHistory(),
  ];
  if (app.agents) {
    jobs.push(getJSON('/api/v1/agents').then((doc) => v.renderAgents(doc, doc.timestamp_ms || serverNow())));
    if (app.endpoints.has('/api/v1/events')) jobs.push(getJSON('/api/v1/events?level=error&limit=50').then((doc) => v.addErrors(doc.events || [], false)));
  }
  await Promise.allSettled(jobs);
}

function applyHealth(hl) {
  app.intervalMs = (hl.history && hl.history.interval_ms) || app.intervalMs;
  for (const [key, set] of [
    ['inference', app.builtinInference],
    ['cluster', app.builtinCluster],
  ]) {
    set.clear();
    for (const [name, t] of Object.entries(hl[key] || {})) if (t && t.builtin) set.add(name);
  }
}

function stepFor(rangeSec) {
  const want = Math.ceil((rangeSec * 1000) / CHART_POINTS / 1000) * 1000;
  return want > app.intervalMs ? want : 0;
}

// Which of the wanted series exist (history answers 404 for a pattern nothing matches).
async function existing(patterns) {
  const doc = await getJSON('/api/v1/series');
  const names = (doc.series || []).map((s) => s.name);
  const re = (p) => new RegExp(`^${p.split('.').map((x) => (x === '*' ? '[^.]+' : x.replace(/[-_]/g, '\\$&'))).join('\\.')}$`);
  return { names, patterns: patterns.filter((p) => names.some((n) => re(p).test(n))) };
}

async function history(patterns, rangeSec, step) {
  if (!patterns.length) return [];
  const q = `/api/v1/history?series=${patterns.join(',')}&from=-${rangeSec}s${step ? `&step=${step}` : ''}`;
  const doc = await getJSON(q);
  return doc.series || [];
}

async function loadHistory() {
  const range = app.rangeSec;
  const step = stepFor(range);
  const { names, patterns } = await existing([
    'cpu.*.utilization',
    'memory.ram_used',
    'memory.swap_used',
    'memory.ram_total',
    'disk.read_rate_mbps',
    'disk.write_rate_mbps',
    'net.download_rate_mbps',
    'net.upload_rate_mbps',
    'gpu.*.utilization',
    'gpu.*.temperature',
  ]);
  const tpNames = names.filter((n) => /^inference\.[^.]+\.generation_tokens_per_sec$/.test(n));
  const [sys, tp] = await Promise.all([history(patterns, range, step), history(tpNames, THROUGHPUT_WINDOW_S, 0)]);
  if (range !== app.rangeSec) return; // the range changed meanwhile; that load wins
  const into = { cpu: [], mem: [], io: [], gpu: [] };
  const gib = (pts) => pts.map(([t, x]) => [t, gibOf(x)]);
  const fixed = { 'memory.ram_used': ['mem', 'ram', gib], 'memory.swap_used': ['mem', 'swap', gib], 'memory.ram_total': ['mem', 'total', gib], 'disk.read_rate_mbps': ['io', 'dr'], 'disk.write_rate_mbps': ['io', 'dw'], 'net.download_rate_mbps': ['io', 'nd'], 'net.upload_rate_mbps': ['io', 'nu'] };
  for (const s of sys) {
    let m;
    if (fixed[s.name]) {
      const [chart, key, conv] = fixed[s.name];
      into[chart].push({ key, points: conv ? conv(s.points) : s.points });
    } else if ((m = /^cpu\.(\d+)\.utilization$/.exec(s.name))) {
      into.cpu.push({ key: `c${m[1]}`, points: s.points });
    } else if ((m = /^gpu\.(\d+)\.(utilization|temperature)$/.exec(s.name))) {
      into.gpu.push({ key: `${m[2] === 'utilization' ? 'u' : 't'}${m[1]}`, points: s.points });
    }
  }
  for (const name of Object.keys(into)) app.charts[name].load(into[name], step / 1000);
  loadThroughput(tp);
}

// Per-target points, and the total recomputed over the merged times by carrying each
// target's last rate forward.
function loadThroughput(series) {
  const list = [];
  const events = [];
  for (const s of series) {
    const name = s.name.split('.')[1];
    list.push({ key: name, points: s.points });
    for (const [t, x] of s.points) events.push([t, name, x]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const last = new Map();
  const total = [];
  const maxAge = Math.max(10000, 3 * app.intervalMs);
  for (const [t, name, x] of events) {
    last.set(name, [t, x]);
    let sum = 0;
    for (const [lt, lx] of last.values()) if (t - lt <= maxAge && lx !== null) sum += lx;
    total.push([t, sum]);
  }
  list.push({ key: TOTAL, points: total });
  app.charts.tp.load(list, 0);
  renderThroughput(serverNow());
}

// ---- polling (the last fallback): the REST documents, split into channels ---------------
async function poll() {
  const ts = (doc) => doc.timestamp_ms || serverNow();
  const reads = [getJSON('/api/v1/system'), getJSON('/api/v1/inference'), getJSON('/api/v1/cluster'), getJSON('/api/v1/alerts')];
  if (app.agents) reads.push(getJSON('/api/v1/agents'));
  const [sys, inf, clu, al, ag] = await Promise.all(reads);
  const t = ts(sys);
  const out = [
    ['metrics', 'system/cpu', sys.cpu, t],
    ['metrics', 'system/memory', sys.memory, t],
    ['metrics', 'system/disk', sys.disk, t],
    ['metrics', 'system/network', sys.network, t],
    ['metrics', 'system/load', sys.load, t],
  ];
  for (const g of sys.gpus || []) out.push(['metrics', `system/gpu/${g.gpu_index}`, g, g.timestamp_ms || t]);
  for (const x of inf.targets || []) out.push(['metrics', `inference/${x.name}`, x, ts(inf)]);
  out.push(['metrics', 'cluster', clu.clusters || [], ts(clu)], ['metrics', 'alerts', al.active || [], ts(al)]);
  if (ag) out.push(['metrics', 'agents', ag, ts(ag)]);
  return out;
}

// ---- time range --------------------------------------------------------------------------
function setupRanges() {
  const group = $('#range');
  group.replaceChildren(
    ...RANGES.filter(([s]) => s <= Math.max(900, app.historyS)).map(([s, label]) => h('button', { type: 'button', 'data-range': s, 'aria-pressed': s === app.rangeSec ? 'true' : 'false', text: label })),
  );
  group.onclick = (e) => {
    const b = e.target.closest('button[data-range]');
    if (!b) return;
    const s = Number(b.dataset.range);
    if (s === app.rangeSec) return;
    app.rangeSec = s;
    for (const x of group.querySelectorAll('button')) setAttr(x, 'aria-pressed', x === b ? 'true' : 'false');
    const step = stepFor(s) / 1000;
    for (const name of ['cpu', 'mem', 'io', 'gpu']) app.charts[name].setWindow(s, step);
    loadHistory().catch(() => {});
  };
}

// ---- start -------------------------------------------------------------------------------
async function untilAnswered(path, opts) {
  let wait = 500;
  for (;;) {
    try {
      return await getJSON(path, opts);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      showState('disconnected', 'retrying');
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 5000);
    }
  }
}

function applyInfo(info) {
  app.info = info;
  app.endpoints = new Set(info.endpoints || []);
  app.intervalMs = info.interval_ms || app.intervalMs;
  if (app.live) app.live.o.intervalMs = app.intervalMs;
  app.historyS = info.history_s || app.historyS;
  app.agents = app.endpoints.has('/api/v1/agents');
  setText($('#host'), info.host);
  document.title = `${info.host} · vigil`;
  setText($('#version'), `vigil ${info.version}`);
  setupRanges();
  if (!app.agents) v.agentsUnavailable('this daemon does not collect agent telemetry');
}

async function boot() {
  takeTokenFromUrl();
  makeCharts();
  setInterval(v.checkStale, 1000);
  const hl = await untilAnswered('/health', { hub: true });
  applyHealth(hl);
  if (hl.token_required && !token()) return askToken(false);
  // The live connection opens at once (its first values are the page's first figures);
  // what /api/v1/info says is applied before the first refresh.
  const ready = untilAnswered('/api/v1/info').then(applyInfo);
  ready.then(() => startOverview({ node: app.node, intervalMs: app.intervalMs })).catch(() => {});
  const mode = new URLSearchParams(location.search).get('transport');
  app.live = new Live({
    channels: nodeChannels(['system/*', 'system/gpu/*', 'inference/*', 'cluster', 'alerts', 'agents', 'events', 'perf/*'], app.node),
    mode: ['ws', 'sse', 'poll'].includes(mode) ? mode : 'ws',
    intervalMs: app.intervalMs,
    // a hub's node: its channels come as node/NAME/... and go to the cards without it
    onMessage: (m, c, d, t) => {
      const lc = localChannel(c, app.node);
      if (lc !== null) onMessage(m, lc, d, t);
    },
    onState: showState,
    onConnected: () => ready.then(refresh).catch(() => {}),
    poll: async () => (await poll()).map(([m, c, d, t]) => [m, nodeChannels([c], app.node)[0], d, t]),
  });
  // ?transport=none: documents once, no live connection (the benchmark feeds the page
  // itself through window.vigil.feed).
  if (mode === 'none') {
    showState('disconnected', 'no live connection (transport=none)');
    ready.then(refresh).catch(() => {});
  } else {
    app.live.start();
  }
  try {
    await ready;
  } catch (e) {
    app.live.stop();
    if (e instanceof HttpError && e.status === 401) return askToken(true);
    throw e;
  }
}

// For tests and the benchmark: the same entry point live notifications take.
window.vigil = {
  feed: (method, channel, data, ts) => onMessage(method, channel, data, ts),
  app,
};

boot().catch(() => showState('disconnected', 'reload to try again'));
