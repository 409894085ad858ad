// Talking to the daemon: the token, JSON reads, and the addresses of the live endpoints.
//
// The token (when the daemon has one) comes from the page address's fragment
// (#token=...), which never reaches the server or a log, or from the prompt; it is kept in
// sessionStorage (this tab only) and the fragment is removed from the address bar. Reads
// send it as "Authorization: Bearer"; WebSocket and EventSource cannot send headers, so
// /ws and /api/v1/stream get it as ?token=.
import { withNode } from './nodes.js';

const KEY = 'vigil.token';
let memoryToken = '';

export class HttpError extends Error {
  constructor(status, path) {
    super(`${path}: HTTP ${status}`);
    this.status = status;
  }
}

function store() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token lives in memory for this page
  }
}

export function takeTokenFromUrl() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export function token() {
  const s = store();
  return (s && s.getItem(KEY)) || memoryToken;
}

export function setToken(t) {
  memoryToken = t;
  const s = store();
  if (s) {
    if (t) s.setItem(KEY, t);
    else s.removeItem(KEY);
  }
}

// The server's clock minus ours, in ms, from the last /health; ages of figures are
// measured on the server's clock so that a skewed browser clock does not make them stale.
let skewMs = 0;
export const serverNow = () => Date.now() + skewMs;

// hub: the hub's own document (its /health, /api/v1/nodes), whichever node is shown.
export async function getJSON(path, { timeoutMs = 8000, hub = false } = {}) {
  const headers = {};
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const t0 = Date.now();
    const res = await fetch(hub ? path : withNode(path), { headers, cache: 'no-store', signal: ctl.signal });
    if (!res.ok) throw new HttpError(res.status, path);
    const doc = await res.json();
    if (path === '/health' && typeof doc.timestamp_ms === 'number')
      skewMs = doc.timestamp_ms - (t0 + Date.now()) / 2;
    return doc;
  } finally {
    clearTimeout(timer);
  }
}

export function wsUrl() {
  const u = new URL('/ws', location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const t = token();
  if (t) u.searchParams.set('token', t);
  return u.href;
}

// Channel names and patterns use only letters, digits, '/', '*', '_', '-' and '.', which
// are all valid in a query, so they are sent as they are.
export function sseUrl(channels, lastEventId) {
  let q = `channels=${channels.join(',')}`;
  const t = token();
  if (t) q += `&token=${encodeURIComponent(t)}`;
  if (lastEventId) q += `&last_event_id=${encodeURIComponent(lastEventId)}`;
  return `/api/v1/stream?${q}`;
}
