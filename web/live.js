// The live connection: a WebSocket (JSON-RPC subscribe to the channels on screen), then
// Server-Sent Events, then polling the REST reads, whichever works first. A transport is
// given up for the next one only when the daemon answers HTTP (/health) but that transport
// still fails twice; when the daemon does not answer at all, the same transport is tried
// again with back-off (0.5 s doubling to 5 s, with jitter). Every (re)connection
// subscribes again and calls onConnected, so the page reloads what it may have missed.
import { getJSON, HttpError, sseUrl, wsUrl } from './api.js';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;
const FAILS_BEFORE_FALLBACK = 2;
const METHODS = ['metrics', 'event', 'alert'];

export class Live {
  // opts: channels (names or patterns), onMessage(method, channel, data, tsMs),
  // onState(state, detail) with state connecting|live|polling|disconnected|unauthorized,
  // onConnected(), poll() -> [[method, channel, data, tsMs]...] for the polling mode,
  // intervalMs (the daemon's collection interval), mode ('ws', 'sse' or 'poll': the
  // first transport to try).
  constructor(opts) {
    this.o = opts;
    this.channels = [...opts.channels];
    this.mode = opts.mode || 'ws';
    this.fails = 0;
    this.delay = BACKOFF_MIN_MS;
    this.timer = null;
    this.ws = null;
    this.es = null;
    this.lastEventId = '';
    this.lastFrame = 0;
    this.nextId = 1;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.closeTransports();
  }

  // Changes the subscriptions: on a WebSocket, subscribe/unsubscribe messages; on SSE, a
  // new stream (its channels are fixed when it opens).
  setChannels(channels) {
    const now = new Set(channels);
    const added = channels.filter((c) => !this.channels.includes(c));
    const removed = this.channels.filter((c) => !now.has(c));
    if (!added.length && !removed.length) return;
    this.channels = [...channels];
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      if (added.length) this.rpc('subscribe', { channels: added });
      if (removed.length) this.rpc('unsubscribe', { channels: removed });
    } else if (this.es) {
      this.closeTransports();
      this.connect();
    }
  }

  state(s, detail = '') {
    if (this.s === s && this.detail === detail) return;
    this.s = s;
    this.detail = detail;
    this.o.onState(s, detail);
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    if (this.mode === 'ws') this.openWs();
    else if (this.mode === 'sse') this.openSse();
    else this.pollOnce();
  }

  closeTransports() {
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
    if (this.es) {
      this.es.close();
      this.es = null;
    }
    clearInterval(this.watchdog);
  }

  connected(detail) {
    this.fails = 0;
    this.delay = BACKOFF_MIN_MS;
    this.lastFrame = Date.now();
    this.state(this.mode === 'poll' ? 'polling' : 'live', detail);
    this.o.onConnected();
  }

  // A transport failed or closed. opened: it had worked before failing.
  async lost(opened) {
    this.closeTransports();
    if (this.stopped) return;
    let up = false;
    if (!opened) {
      try {
        await getJSON('/health', { timeoutMs: 3000 });
        up = true;
      } catch {
        up = false;
      }
      if (this.stopped) return;
      if (up && ++this.fails >= FAILS_BEFORE_FALLBACK && this.mode !== 'poll') {
        this.mode = this.mode === 'ws' ? 'sse' : 'poll';
        this.fails = 0;
        this.connect();
        return;
      }
    }
    const wait = Math.round(this.delay * (0.8 + Math.random() * 0.4));
    this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
    this.state(up ? 'connecting' : 'disconnected', `retrying in ${Math.max(1, Math.round(wait / 1000))} s`);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  // A connection that stays silent longer than a few intervals (a half-open socket, a
  // suspended laptop) is closed and made again.
  armWatchdog() {
    clearInterval(this.watchdog);
    const limit = Math.max(15000, 5 * (this.o.intervalMs || 2000));
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrame > limit) this.lost(true);
    }, 5000);
  }

  // ---- WebSocket ------------------------------------------------------------------------
  openWs() {
    if (!this.s || this.s === 'live') this.state('connecting');
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(wsUrl());
    } catch {
      this.lost(false);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.rpc('subscribe', { channels: this.channels });
      this.armWatchdog();
      this.connected('WebSocket');
    };
    ws.onmessage = (ev) => {
      this.lastFrame = Date.now();
      this.frame(ev.data);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.lost(opened);
    };
    ws.onerror = () => {}; // a close event follows
  }

  rpc(method, params) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }));
  }

  frame(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m && typeof m.method === 'string' && m.params) this.params(m.method, m.params);
    }
  }

  params(method, p) {
    if (typeof p.channel !== 'string') return;
    this.o.onMessage(method, p.channel, p.data, typeof p.timestamp_ms === 'number' ? p.timestamp_ms : Date.now());
  }

  // ---- Server-Sent Events ----------------------------------------------------------
  openSse() {
    if (!this.s || this.s === 'live') this.state('connecting');
    let opened = false;
    const es = new EventSource(sseUrl(this.channels, this.lastEventId));
    this.es = es;
    es.onopen = () => {
      opened = true;
      this.armWatchdog();
      this.connected('SSE');
    };
    for (const m of METHODS) {
      es.addEventListener(m, (ev) => {
        this.lastFrame = Date.now();
        if (ev.lastEventId) this.lastEventId = ev.lastEventId;
        let p;
        try {
          p = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (p) this.params(m, p);
      });
    }
    // EventSource retries by itself, on its own schedule; this module keeps the schedule
    // (and the fallback) in one place instead.
    es.onerror = () => {
      if (this.es === es) this.lost(opened);
    };
  }

  // ---- polling -------------------------------------------------------------------------
  async pollOnce() {
    if (this.stopped) return;
    try {
      const msgs = await this.o.poll();
      if (this.stopped || this.mode !== 'poll') return;
      if (this.s !== 'polling') this.connected('every ' + Math.round(this.pollMs() / 1000) + ' s');
      for (const [method, channel, data, ts] of msgs) this.o.onMessage(method, channel, data, ts);
      this.timer = setTimeout(() => this.pollOnce(), this.pollMs());
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof HttpError && e.status === 401) {
        this.state('unauthorized');
        return;
      }
      this.state('disconnected');
      const wait = this.delay;
      this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
      this.timer = setTimeout(() => this.pollOnce(), wait);
    }
  }

  pollMs() {
    return Math.max(1000, this.o.intervalMs || 2000);
  }
}
