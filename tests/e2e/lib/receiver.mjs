// A fake webhook receiver on 127.0.0.1 (port 0) for alert notifications. It records every
// POST (path, headers, parsed JSON body, arrival time) and answers by path: /fail... with
// 500, /hang... never (the connection stays open until the client gives up), anything else
// with 200. Bounded: at most maxRequests are kept and bodies are cut at 1 MiB; it closes by
// itself after lifetimeMs, and close() ends it at once, open connections included.
import http from 'node:http';
import { once } from 'node:events';

const WAIT_MS = 30000;

export async function startReceiver({ maxRequests = 500, lifetimeMs = 180000 } = {}) {
  const requests = [];
  let waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      if (body.length < 1 << 20) body += d;
    });
    req.on('end', () => {
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      if (requests.length < maxRequests)
        requests.push({ path: req.url, headers: req.headers, body, json, at: Date.now() });
      for (const w of waiters.slice()) w();
      if (req.url.startsWith('/hang')) return; // never answered
      res.writeHead(req.url.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  let closed = false;
  const close = () => {
    if (closed) return Promise.resolve();
    closed = true;
    clearTimeout(timer);
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  const timer = setTimeout(close, lifetimeMs);
  timer.unref();

  return {
    port,
    requests,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    // The requests on path (and those pred accepts), in arrival order.
    on: (p, pred = () => true) => requests.filter((r) => r.path === p && pred(r)),
    // Resolves with on(p, pred) once it holds at least n requests; rejects after timeoutMs.
    waitFor(p, pred = () => true, n = 1, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = requests.filter((r) => r.path === p && pred(r));
          if (got.length >= n) {
            clearTimeout(t);
            waiters = waiters.filter((w) => w !== check);
            resolve(got);
          }
        };
        const t = setTimeout(() => {
          waiters = waiters.filter((w) => w !== check);
          const seen = requests.map((r) => `${r.path} ${r.body.slice(0, 120)}`).join('\n');
          reject(new Error(`timed out waiting for ${n} request(s) on ${p}; seen:\n${seen}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    close,
  };
}
