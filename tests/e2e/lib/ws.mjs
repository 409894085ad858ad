// A JSON-RPC client over the `ws` package: requests by id, notifications as a queue that
// tests await. Every wait is bounded.
import WebSocket from 'ws';

const WAIT_MS = 30000;

export class RpcClient {
  constructor(url, options = {}) {
    this.ws = new WebSocket(url, options);
    this.nextId = 1;
    this.pending = new Map();
    this.notes = [];
    this.noteWaiters = [];
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      const list = Array.isArray(msg) ? msg : [msg];
      for (const m of list) {
        if (m.id !== undefined && this.pending.has(m.id)) {
          this.pending.get(m.id)(m);
          this.pending.delete(m.id);
        } else if (m.method) {
          this.notes.push(m);
          for (const w of this.noteWaiters.slice()) w();
        } else {
          this.lastUnmatched = m;
          for (const w of this.noteWaiters.slice()) w();
        }
      }
    });
  }

  static async open(url, options) {
    const c = new RpcClient(url, options);
    await c.opened;
    return c;
  }

  call(method, params) {
    const id = this.nextId++;
    const msg = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return this.raw(JSON.stringify(msg), id);
  }

  raw(text, id) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${text}`)), WAIT_MS);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ws.send(text);
    });
  }

  // Resolves with the first notification (taken from the queue) that pred accepts.
  next(pred = () => true, timeoutMs = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.notes.findIndex(pred);
        if (i >= 0) {
          clearTimeout(timer);
          this.noteWaiters = this.noteWaiters.filter((w) => w !== check);
          resolve(this.notes.splice(i, 1)[0]);
        }
      };
      const timer = setTimeout(() => {
        this.noteWaiters = this.noteWaiters.filter((w) => w !== check);
        reject(new Error('no matching notification'));
      }, timeoutMs);
      this.noteWaiters.push(check);
      check();
    });
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}
