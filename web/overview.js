// A hub's overview: a row per node (state, each GPU's utilisation and temperature,
// tokens/s, active sessions, firing alerts, last seen) from /api/v1/nodes, read every
// interval, and the node choice: a row's name and the header's list open the page on that
// node (nodes.js). On a daemon that watches no node both stay hidden.
import { getJSON, serverNow } from './api.js';
import { $, h, k, setAttr, setClass, setHidden, setText } from './dom.js';
import * as f from './format.js';
import { LOCAL, nodeHref } from './nodes.js';
import { fresh } from './views.js';

const rows = new Map(); // node name -> <tr>

function row(tbody, name) {
  let tr = rows.get(name);
  if (tr) return tr;
  const cell = (key, cls) => h('td', { 'data-k': key, class: cls });
  tr = h(
    'tr',
    { 'data-node': name },
    h('th', { scope: 'row' }, h('a', { href: nodeHref(name), 'data-k': 'name', text: name })),
    h('td', {}, h('span', { class: 'state', 'data-k': 'state' })),
    cell('gpus'),
    cell('tps', 'num'),
    cell('sessions', 'num'),
    cell('alerts', 'num'),
    cell('seen'),
  );
  rows.set(name, tr);
  tbody.append(tr);
  return tr;
}

// "0: 87% 71 °C · 1: 13% 48 °C", or why there is nothing to list.
function gpuText(s) {
  if (!s || !f.isNum(s.gpus)) return f.NA;
  if (s.gpus === 0) return 'none';
  const list = (s.gpu_list || []).map((g) => `${g.index}: ${f.pct(g.utilization)} ${f.celsius(g.temperature)}`);
  const more = s.gpus > list.length ? ` · +${s.gpus - list.length}` : '';
  return `${list.join(' · ')}${more}`;
}

function render(doc, shown) {
  const card = document.getElementById('overview');
  const tbody = k(card, 'rows');
  const names = new Set();
  let up = 0;
  for (const n of doc.nodes || []) {
    names.add(n.name);
    const tr = row(tbody, n.name);
    const s = n.summary;
    const st = k(tr, 'state');
    setText(st, n.state);
    setAttr(st, 'class', `state ${n.state}`);
    setAttr(st, 'title', n.error || null);
    setText(k(tr, 'gpus'), gpuText(s));
    setAttr(k(tr, 'gpus'), 'title', s && f.isNum(s.gpu_utilization) ? `mean ${f.pct(s.gpu_utilization)}, hottest ${f.celsius(s.gpu_temperature_max)}` : null);
    setText(k(tr, 'tps'), f.tps(s && s.tokens_per_sec));
    setText(k(tr, 'sessions'), f.int(s && s.active_sessions));
    setText(k(tr, 'alerts'), f.int(s && s.firing_alerts));
    setClass(k(tr, 'alerts'), 'bad', Boolean(s && s.firing_alerts > 0));
    const age = f.isNum(n.last_seen_ms) ? (serverNow() - n.last_seen_ms) / 1000 : null;
    setText(k(tr, 'seen'), n.local ? 'now' : age === null ? 'never' : `${f.duration(Math.max(0, age))} ago`);
    const selected = n.local ? !shown : n.name === shown;
    setClass(tr, 'selected', selected);
    setAttr(tr, 'aria-current', selected ? 'page' : null);
    if (n.state === 'up') up++;
  }
  for (const [name, tr] of rows) {
    if (!names.has(name)) {
      tr.remove();
      rows.delete(name);
    }
  }
  setText(k(card, 'count'), `${up} of ${names.size} up`);
  fresh(card, doc.timestamp_ms);
  renderPicker(doc.nodes || [], shown);
}

const label = (n) => (n.local ? `${n.name} (this hub)` : n.state === 'up' ? n.name : `${n.name} (${n.state})`);

function renderPicker(nodes, shown) {
  const sel = $('#node-select');
  const want = nodes.map((n) => n.name).join('\n');
  if (sel.$names !== want) {
    sel.$names = want;
    sel.replaceChildren(...nodes.map((n) => h('option', { value: n.name })));
  }
  nodes.forEach((n, i) => setText(sel.options[i], label(n)));
  sel.value = shown || LOCAL;
}

// Starts the overview when the daemon is a hub; resolves with whether it is one.
export async function startOverview({ node, intervalMs }) {
  let doc;
  try {
    doc = await getJSON('/api/v1/nodes', { hub: true });
  } catch {
    return false; // an older daemon without the endpoint: no hub
  }
  if (!doc.hub) return false;
  setHidden(document.getElementById('overview'), false);
  setHidden($('#node-pick'), false);
  $('#node-select').addEventListener('change', (e) => {
    location.assign(nodeHref(e.target.value));
  });
  render(doc, node);
  const every = Math.max(1000, intervalMs || 2000);
  const tick = () =>
    getJSON('/api/v1/nodes', { hub: true })
      .then((d) => render(d, node))
      .catch(() => {})
      .finally(() => setTimeout(tick, every));
  setTimeout(tick, every);
  return true;
}
