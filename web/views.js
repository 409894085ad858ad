// The cards: each render function takes a payload as the API gives it and writes only the
// text, classes and bars that changed. Cards whose figures are older than 10 s (on the
// server's clock) are dimmed and badged "stale" by checkStale(), run every second.
import { serverNow } from './api.js';
import { h, k, setAttr, setBar, setClass, setHidden, setText } from './dom.js';
import * as f from './format.js';

export const STALE_MS = 10000;
const MAX_ERRORS = 50;

// ---- staleness ----------------------------------------------------------------------------
const tracked = new Map(); // element -> unix ms of its newest figure

export function fresh(el, tsMs) {
  if (!el || typeof tsMs !== 'number') return;
  const prev = tracked.get(el);
  if (prev !== undefined && prev >= tsMs) return;
  tracked.set(el, tsMs);
  if (el.$stale && serverNow() - tsMs <= STALE_MS) markStale(el, false);
}

// A card with nothing to show ("not available") has nothing to go stale.
export function unfresh(el) {
  if (!el) return;
  tracked.delete(el);
  if (el.$stale) markStale(el, false);
}

function markStale(el, stale) {
  el.$stale = stale;
  setClass(el, 'stale', stale);
  setAttr(el, 'aria-description', stale ? 'stale: not updated for more than 10 seconds' : null);
}

export function checkStale() {
  const now = serverNow();
  for (const [el, ts] of tracked) {
    if (!el.isConnected) {
      tracked.delete(el);
      continue;
    }
    const stale = now - ts > STALE_MS;
    if (Boolean(el.$stale) !== stale) markStale(el, stale);
  }
}

// ---- host ---------------------------------------------------------------------------------
const hostCard = () => document.getElementById('host-card');

export function renderCpu(d, ts) {
  const el = hostCard();
  setText(k(el, 'cpu'), f.pct(d.overall_utilization, 1));
  setBar(k(el, 'cpu-bar'), d.overall_utilization);
  fresh(el, ts);
}

export function renderMemory(d, ts) {
  const el = hostCard();
  setText(k(el, 'ram'), f.gibPair(d.ram_used, d.ram_total));
  setText(k(el, 'swap'), d.swap_total === 0 ? 'none' : f.gibPair(d.swap_used, d.swap_total));
  fresh(el, ts);
}

export function renderLoad(d, ts) {
  setText(k(hostCard(), 'load'), f.load(d));
  fresh(hostCard(), ts);
}

export function renderDisk(d, ts) {
  setText(k(hostCard(), 'disk'), f.mibsPair(d.read_rate_mbps, d.write_rate_mbps));
  fresh(hostCard(), ts);
}

export function renderNet(d, ts) {
  setText(k(hostCard(), 'net'), f.mibsPair(d.download_rate_mbps, d.upload_rate_mbps));
  fresh(hostCard(), ts);
}

// ---- GPUs -------------------------------------------------------------------------------
const gpuCards = new Map(); // index -> card element

function gpuCard(i) {
  let el = gpuCards.get(i);
  if (el) return el;
  el = h(
    'article',
    { class: 'card gpu', 'data-gpu': i, 'aria-labelledby': `gpu-h-${i}` },
    h('header', {}, h('h2', { id: `gpu-h-${i}`, text: `GPU ${i}` }), h('span', { class: 'sub', 'data-k': 'name' }), h('span', { class: 'stale-badge', text: 'stale' })),
    h('div', { class: 'figure' }, h('span', { class: 'big', 'data-k': 'util', text: '—' }), h('span', { class: 'unit', text: 'utilisation' })),
    h('div', { class: 'bar', role: 'meter', 'aria-label': `GPU ${i} utilisation`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'data-k': 'util-bar' }, h('span')),
    h(
      'dl',
      { class: 'kv' },
      h('dt', { text: 'VRAM' }), h('dd', { 'data-k': 'vram', text: '—' }),
      h('dt', { text: 'Model' }), h('dd', { class: 'model', 'data-k': 'model', text: '—' }),
      h('dt', { text: 'Temperature' }), h('dd', { 'data-k': 'temp', text: '—' }),
      h('dt', { text: 'Power' }), h('dd', { 'data-k': 'power', text: '—' }),
    ),
  );
  gpuCards.set(i, el);
  // Cards in index order, whatever order they first appeared in.
  const host = document.getElementById('gpus');
  const after = [...gpuCards.keys()].filter((j) => j > i).sort((a, b) => a - b)[0];
  host.insertBefore(el, after === undefined ? null : gpuCards.get(after));
  return el;
}

export function renderGpu(g, ts) {
  if (!g || typeof g.gpu_index !== 'number') return;
  setHidden(document.getElementById('gpu-none'), true);
  const el = gpuCard(g.gpu_index);
  setText(k(el, 'name'), g.name || '');
  setText(k(el, 'util'), g.lost ? 'lost' : f.pct(g.utilization));
  setBar(k(el, 'util-bar'), g.utilization);
  const memPct = f.isNum(g.memory_used) && g.memory_total > 0 ? ` (${((100 * g.memory_used) / g.memory_total).toFixed(0)}%)` : '';
  setText(k(el, 'vram'), f.gibPair(g.memory_used, g.memory_total) + memPct);
  const models = Array.isArray(g.models) && g.models.length ? g.models.join(', ') : 'none';
  setText(k(el, 'model'), models);
  setAttr(k(el, 'model'), 'title', models);
  setClass(k(el, 'model'), 'na', models === 'none');
  setText(k(el, 'temp'), f.celsius(g.temperature));
  setText(k(el, 'power'), f.wattsPair(g.power_draw, g.power_limit));
  setClass(el, 'lost', Boolean(g.lost));
  fresh(el, typeof g.timestamp_ms === 'number' ? g.timestamp_ms : ts);
}

// /api/v1/gpus: which GPUs exist, or why there are none.
export function renderGpus(doc) {
  let none = document.getElementById('gpu-none');
  const have = doc && doc.available && Array.isArray(doc.gpus) && doc.gpus.length > 0;
  if (have) {
    setHidden(none, true);
    const seen = new Set(doc.gpus.map((g) => g.gpu_index));
    for (const [i, el] of gpuCards) {
      if (!seen.has(i)) {
        el.remove();
        gpuCards.delete(i);
      }
    }
    for (const g of doc.gpus) renderGpu(g, doc.timestamp_ms);
    return;
  }
  for (const el of gpuCards.values()) el.remove();
  gpuCards.clear();
  if (!none) {
    none = h(
      'article',
      { class: 'card gpu', id: 'gpu-none', 'aria-labelledby': 'gpu-none-h' },
      h('header', {}, h('h2', { id: 'gpu-none-h', text: 'GPUs' })),
      h('p', { class: 'big na', 'data-k': 'na', text: f.NOT_AVAILABLE }),
      h('p', { class: 'empty', 'data-k': 'reason' }),
    );
    document.getElementById('gpus').append(none);
  }
  setHidden(none, false);
  const starting = doc && doc.state === 'starting';
  setText(k(none, 'na'), starting ? 'starting…' : f.NOT_AVAILABLE);
  setText(k(none, 'reason'), starting ? 'looking for GPUs' : (doc && doc.reason) || 'no GPU found on this host');
}

export const gpuIndexes = () => [...gpuCards.keys()];

// ---- cluster --------------------------------------------------------------------------
export function renderClusters(list, ts, builtin) {
  const card = document.getElementById('cluster');
  const body = k(card, 'body');
  if (!Array.isArray(list)) return;
  const shown = list.filter((c) => !(builtin.has(c.name) && c.state !== 'up' && list.length > 1));
  if (!shown.length) {
    if (body.$mode !== 'none') {
      body.$mode = 'none';
      body.replaceChildren(h('p', { class: 'big na', text: f.NOT_AVAILABLE }), h('p', { class: 'empty', text: 'no cluster status endpoint configured' }));
    }
    unfresh(card);
    return;
  }
  if (body.$mode !== 'list') {
    body.$mode = 'list';
    body.replaceChildren();
    body.$sections = new Map();
  }
  const sections = body.$sections;
  const names = new Set(shown.map((c) => c.name));
  for (const [name, sec] of sections) {
    if (!names.has(name)) {
      sec.remove();
      sections.delete(name);
    }
  }
  for (const c of shown) {
    let sec = sections.get(c.name);
    if (!sec) {
      sec = h(
        'div',
        { class: 'cluster', 'data-cluster': c.name },
        h('p', { class: 'headline', 'data-k': 'headline' }),
        h('p', { class: 'empty', 'data-k': 'why' }),
        h('dl', { class: 'kv', 'data-k': 'kv' }, h('dt', { text: 'GPUs active' }), h('dd', { 'data-k': 'gpus' }), h('dt', { text: 'Failover' }), h('dd', { 'data-k': 'failover' })),
        h('ul', { class: 'nodes', 'data-k': 'nodes' }),
      );
      sections.set(c.name, sec);
      body.append(sec);
    }
    renderCluster(sec, c, builtin.has(c.name), shown.length > 1);
  }
  fresh(card, ts);
}

function renderCluster(sec, c, isBuiltin, named) {
  const head = k(sec, 'headline');
  const prefix = named ? `${c.name}: ` : '';
  const up = c.state === 'up';
  const proxy = up && c.shape === 'proxy';
  let text;
  let cls = '';
  if (up && proxy) {
    const all = c.all_up === true || (f.isNum(c.nodes_up) && c.nodes_up === c.nodes_total);
    text = all ? `✓ All nodes up (${f.int(c.nodes_up)})` : `${f.int(c.nodes_up)} of ${f.int(c.nodes_total)} nodes up`;
    cls = all ? 'ok' : 'bad';
  } else if (up) {
    text = 'answering';
  } else if (c.state === 'starting') {
    text = 'starting…';
  } else if (isBuiltin) {
    text = f.NOT_AVAILABLE;
  } else {
    text = c.state === 'error' ? 'error' : 'down';
    cls = 'bad';
  }
  setText(head, prefix + text);
  setClass(head, 'ok', cls === 'ok');
  setClass(head, 'bad', cls === 'bad');
  setClass(head, 'na', text === f.NOT_AVAILABLE);
  let why = '';
  if (!up && isBuiltin && c.state !== 'starting') why = `no status endpoint answering at ${c.url}`;
  else if (!up && c.error) why = c.error;
  else if (up && !proxy) why = 'the document is not in the proxy shape (see /api/v1/cluster)';
  setText(k(sec, 'why'), why);
  setHidden(k(sec, 'why'), !why);
  setHidden(k(sec, 'kv'), !proxy);
  setText(k(sec, 'gpus'), f.int(c.gpus_active));
  setText(k(sec, 'failover'), c.failover_ready === true ? 'Ready' : c.failover_ready === false ? 'Not ready' : f.NA);
  const ul = k(sec, 'nodes');
  const nodes = proxy && Array.isArray(c.nodes) ? c.nodes : [];
  const sig = nodes.map((n) => `${n.name}:${n.up}`).join('|');
  if (ul.$sig !== sig) {
    ul.$sig = sig;
    ul.replaceChildren(...nodes.map((n) => h('li', { class: n.up ? 'up' : 'down', text: n.name, title: n.up ? 'up' : 'down' })));
  }
  setHidden(ul, !nodes.length);
}

// ---- inference targets ------------------------------------------------------------------
const targetRows = new Map(); // name -> <tr>

function targetRow(name) {
  let tr = targetRows.get(name);
  if (tr) return tr;
  const td = (key, cls) => h('td', { 'data-k': key, class: cls });
  tr = h('tr', { 'data-target': name }, h('th', { scope: 'row', text: name }), h('td', {}, h('span', { class: 'state', 'data-k': 'state' })), td('model', 'model'), td('current', 'num'), td('peak', 'num'), td('avg', 'num'), td('running', 'num'), td('waiting', 'num'), td('kv', 'num'));
  targetRows.set(name, tr);
  const tbody = k(document.getElementById('throughput'), 'rows');
  const names = [...targetRows.keys()].sort();
  const next = names[names.indexOf(name) + 1];
  tbody.insertBefore(tr, next ? targetRows.get(next) : null);
  return tr;
}

// One target's row; stats {current, peak, avg} in tokens/s from the chart's table.
export function renderTarget(t, stats) {
  const tr = targetRow(t.name);
  const st = k(tr, 'state');
  setText(st, t.state || f.NA);
  setAttr(st, 'class', `state ${t.state || ''}`);
  setAttr(st, 'title', t.error || null);
  setText(k(tr, 'model'), t.model || f.NA);
  setAttr(k(tr, 'model'), 'title', t.model || null);
  setText(k(tr, 'current'), f.tps(stats.current));
  setText(k(tr, 'peak'), f.tps(stats.peak));
  setText(k(tr, 'avg'), f.tps(stats.avg));
  setText(k(tr, 'running'), f.int(t.requests_running));
  setText(k(tr, 'waiting'), f.int(t.requests_waiting));
  setText(k(tr, 'kv'), f.ratioPct(t.kv_cache_usage));
}

export function removeTarget(name) {
  const tr = targetRows.get(name);
  if (tr) tr.remove();
  targetRows.delete(name);
}

// The card's headline figures, or "not available" when there is no target to show.
export function renderThroughput(total, running, waiting, available, why, ts) {
  const card = document.getElementById('throughput');
  setHidden(k(card, 'stats'), !available);
  setHidden(k(card, 'chart'), !available);
  setHidden(card.querySelector('.table-wrap'), !available);
  setHidden(k(card, 'empty'), available);
  setText(k(card, 'empty'), available ? '' : `${f.NOT_AVAILABLE}: ${why}`);
  if (available) {
    setText(k(card, 'peak'), f.tps(total.peak));
    setText(k(card, 'avg'), f.tps(total.avg));
    setText(k(card, 'current'), f.tps(total.current));
    setText(k(card, 'running'), f.int(running));
    setText(k(card, 'waiting'), f.int(waiting));
    fresh(card, ts);
  } else {
    unfresh(card);
  }
}

// ---- agents, tasks, projects -----------------------------------------------------------
export function agentsUnavailable(why) {
  for (const id of ['agents', 'tasks']) {
    const card = document.getElementById(id);
    setHidden(k(card, 'figures'), true);
    setHidden(k(card, 'na'), false);
    setText(k(card, 'na'), `${f.NOT_AVAILABLE}: ${why}`);
  }
  const p = document.getElementById('projects');
  setText(k(p, 'empty'), `${f.NOT_AVAILABLE}: ${why}`);
  setHidden(k(p, 'table'), true);
  const e = document.getElementById('errors');
  setText(k(e, 'empty'), `${f.NOT_AVAILABLE}: ${why}`);
  setHidden(k(e, 'empty'), false);
}

export function renderAgents(d, ts) {
  if (!d || typeof d !== 'object') return;
  const a = document.getElementById('agents');
  setHidden(k(a, 'figures'), false);
  setHidden(k(a, 'na'), true);
  setText(k(a, 'sessions'), f.int(d.active_sessions));
  setText(k(a, 'oldest'), d.oldest_session_age_s === null && d.active_sessions === 0 ? 'none' : f.duration(d.oldest_session_age_s));
  setText(k(a, 'queue'), d.queue_depth === null ? 'not reported' : f.int(d.queue_depth));
  setText(k(a, 'errors'), f.int(d.errors_1h));
  setText(k(a, 'requests'), f.int(d.active_requests));
  setText(k(a, 'tps'), f.tps(d.tokens_per_sec));
  fresh(a, ts);
  const t = document.getElementById('tasks');
  const tasks = d.tasks || {};
  setHidden(k(t, 'figures'), false);
  setHidden(k(t, 'na'), true);
  setText(k(t, 'completed'), f.int(tasks.completed_24h));
  setText(k(t, 'completed1h'), f.int(tasks.completed_1h));
  setText(k(t, 'success'), f.ratioPct(tasks.success_rate));
  setText(k(t, 'avg'), f.millis(tasks.avg_completion_ms));
  setText(k(t, 'timeouts'), f.int(tasks.timeouts));
  fresh(t, ts);
  if (d.projects && typeof d.projects === 'object') {
    for (const [name, p] of Object.entries(d.projects)) renderProject(name, p, ts);
    for (const name of projectRows.keys()) if (!(name in d.projects)) removeProject(name);
    const card = document.getElementById('projects');
    setText(k(card, 'empty'), projectRows.size ? '' : 'no project has reported a run');
    setHidden(k(card, 'empty'), projectRows.size > 0);
    setHidden(k(card, 'table'), projectRows.size === 0);
    fresh(card, ts);
  }
}

const projectRows = new Map();

function removeProject(name) {
  const tr = projectRows.get(name);
  if (tr) tr.remove();
  projectRows.delete(name);
}

export function renderProject(name, p, ts) {
  if (!p || typeof p !== 'object') return;
  let tr = projectRows.get(name);
  const card = document.getElementById('projects');
  if (!tr) {
    const td = (key) => h('td', { 'data-k': key, class: 'num' });
    tr = h('tr', { 'data-project': name }, h('th', { scope: 'row', text: name }), h('td', {}, h('span', { class: 'state', 'data-k': 'run' }), ' ', h('span', { class: 'na', 'data-k': 'pid' })), td('tokens'), td('cpu'), td('mem'), td('gpu'));
    projectRows.set(name, tr);
    k(card, 'rows').append(tr);
    setHidden(k(card, 'table'), false);
    setHidden(k(card, 'empty'), true);
  }
  const run = p.run || {};
  const st = k(tr, 'run');
  setText(st, run.status || f.NA);
  setAttr(st, 'class', `state ${run.status || ''}`);
  setText(k(tr, 'pid'), f.isNum(run.pid) ? `pid ${run.pid}` : '');
  const tok = p.tokens || {};
  setText(k(tr, 'tokens'), tok.available === false ? f.NA : f.int(tok.current_run));
  setText(k(tr, 'cpu'), f.pct(p.cpu && p.cpu.percent, 1));
  const m = p.memory || {};
  setText(k(tr, 'mem'), f.isNum(m.used_gb) ? `${m.used_gb.toFixed(1)} GB` : f.NA);
  const g = p.gpu || {};
  setText(k(tr, 'gpu'), g.available && f.isNum(g.vram_used_gb) ? `${g.vram_used_gb.toFixed(1)} GB` : f.NA);
  // A project's own report carries its time; "stale" from the daemon dims the row.
  setClass(tr, 'na', p.stale === true);
  fresh(card, typeof p.timestamp_ms === 'number' && !p.stale ? Math.max(p.timestamp_ms, ts) : ts);
}

// ---- recent errors ------------------------------------------------------------------------
const errorSeqs = new Set();

function eventKey(e) {
  return e.seq !== undefined ? `s${e.seq}` : `${e.timestamp_ms}|${e.source}|${e.message}`;
}

// Adds error events (any order) to the list, newest first, each once.
export function addErrors(events, live) {
  const card = document.getElementById('errors');
  const ol = k(card, 'list');
  const sorted = events.filter((e) => e && e.level === 'error' && !errorSeqs.has(eventKey(e))).sort((a, b) => (a.timestamp_ms || 0) - (b.timestamp_ms || 0));
  for (const e of sorted) {
    const key = eventKey(e);
    errorSeqs.add(key);
    const li = h('li', { class: live ? 'new' : null, 'data-key': key }, h('time', { datetime: e.timestamp || null, text: f.clock(e.timestamp_ms) }), h('span', { class: 'src', text: e.source || '—', title: e.source || null }), h('span', { class: 'msg', text: e.message || '' }));
    li.$ts = e.timestamp_ms || 0;
    // Newest first: before the first item that is older.
    let at = ol.firstElementChild;
    while (at && at.$ts > li.$ts) at = at.nextElementSibling;
    ol.insertBefore(li, at);
  }
  while (ol.children.length > MAX_ERRORS) {
    const last = ol.lastElementChild;
    errorSeqs.delete(last.dataset.key);
    last.remove();
  }
  setText(k(card, 'count'), ol.children.length ? String(ol.children.length) : '');
  setText(k(card, 'empty'), 'no errors reported');
  setHidden(k(card, 'empty'), ol.children.length > 0);
}

// ---- alerts -------------------------------------------------------------------------------
export function renderAlerts(active, ts) {
  const card = document.getElementById('alerts');
  if (!Array.isArray(active)) return;
  const ul = k(card, 'list');
  const sig = active.map((a) => `${a.name}|${a.series}|${a.state}|${a.value}|${a.severity}`).join('\n');
  if (ul.$sig !== sig) {
    ul.$sig = sig;
    ul.replaceChildren(
      ...active.map((a) =>
        h(
          'li',
          { class: a.state === 'pending' ? 'pending' : null },
          h('span', { class: `sev ${a.severity || ''}`, text: a.state === 'pending' ? `${a.severity} · pending` : a.severity || 'alert' }),
          h('span', { class: 'what', text: a.name }),
          h('span', { class: 'detail', text: alertDetail(a) }),
        ),
      ),
    );
  }
  const firing = active.filter((a) => a.state === 'firing').length;
  setText(k(card, 'count'), active.length ? `${firing} firing, ${active.length - firing} pending` : '');
  setText(k(card, 'empty'), 'no active alerts');
  setHidden(k(card, 'empty'), active.length > 0);
  fresh(card, ts);
}

const UNITS = { celsius: ' °C', percent: '%', watts: ' W', mhz: ' MHz', mib_per_s: ' MiB/s' };

function withUnit(x, unit) {
  if (unit === 'bytes') return f.gib(x, 2);
  return `${+x.toFixed(2)}${UNITS[unit] !== undefined ? UNITS[unit] : unit ? ` ${unit}` : ''}`;
}

function alertDetail(a) {
  const v = f.isNum(a.value) ? withUnit(a.value, a.unit) : 'no data';
  const cond = a.condition && f.isNum(a.threshold) ? `, ${a.condition} ${withUnit(a.threshold, a.unit)}` : '';
  const since = a.fired_at || a.active_since;
  return `${a.series}: ${v}${cond}${since ? ` since ${f.clock(Date.parse(since))}` : ''}${a.summary ? ` — ${a.summary}` : ''}`;
}

// Applies one `alert` notification ({previous_state, alert}) to the list until the next
// full list arrives.
export function applyAlertChange(active, change) {
  const a = change && change.alert;
  if (!a) return active;
  const rest = active.filter((x) => !(x.name === a.name && x.series === a.series));
  if (a.state === 'pending' || a.state === 'firing') rest.push(a);
  rest.sort((x, y) => (x.state === y.state ? 0 : x.state === 'firing' ? -1 : 1));
  return rest;
}
