// The dashboard's files as HTTP serves them, without a browser: compiled into the binary
// (the daemon runs from an empty directory), content types, a strict Content-Security-
// Policy, ETag revalidation, gzip when asked for, HEAD, unknown files, and the token rule
// (the files are public, the data behind them is not).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startVigil } from './lib/vigil.mjs';

const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-web-cwd-'));
let v;
before(async () => {
  v = await startVigil({ cwd: empty });
});
after(async () => {
  assert.equal(await v.stop(), 0, v.stderr);
  fs.rmSync(empty, { recursive: true, force: true });
});

// A raw request: no automatic decompression, the headers and bytes as they came.
function get(p, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: v.port, path: p, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

// The files index.html names, and those the modules import.
async function referenced() {
  const html = (await get('/')).body.toString();
  const files = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]));
  for (const f of [...files]) {
    if (!f.endsWith('.js')) continue;
    const js = (await get(f)).body.toString();
    for (const m of js.matchAll(/from '\.\/([^']+)'/g)) files.add(`/assets/${m[1]}`);
  }
  return [...files];
}

test('the page: HTML with a strict CSP, no inline script or style, revalidated by ETag', async () => {
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  const csp = r.headers['content-security-policy'];
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
  assert.equal(r.headers['cache-control'], 'no-cache');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers.vary, 'accept-encoding');
  assert.match(r.headers.etag, /^"[0-9a-f]{16}"$/);
  const html = r.body.toString();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'inline style or handler');
  assert.doesNotMatch(html, /https?:\/\//, 'a third-party origin');
  assert.equal(Number(r.headers['content-length']), r.body.length);
});

test('every referenced file is served with its content type', async () => {
  const files = await referenced();
  for (const f of ['/assets/app.js', '/assets/style.css', '/assets/uPlot.iife.min.js', '/assets/uPlot.min.css', '/assets/icon.svg', '/assets/live.js', '/assets/charts.js'])
    assert.ok(files.includes(f), `${f} is not referenced`);
  const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
  for (const f of files) {
    const r = await get(f);
    assert.equal(r.status, 200, f);
    assert.equal(r.headers['content-type'], types[f.split('.').pop()], f);
    assert.match(r.headers.etag, /^"[0-9a-f]{16}"$/, f);
    assert.ok(r.body.length > 0, f);
    assert.equal(r.headers['content-security-policy'], undefined, f);
  }
});

test('If-None-Match answers 304 without a body; another ETag gets the file', async () => {
  for (const p of ['/', '/assets/app.js', '/assets/uPlot.iife.min.js']) {
    const first = await get(p);
    const again = await get(p, { 'if-none-match': first.headers.etag });
    assert.equal(again.status, 304, p);
    assert.equal(again.body.length, 0, p);
    assert.equal(again.headers.etag, first.headers.etag, p);
    assert.equal((await get(p, { 'if-none-match': `W/${first.headers.etag}` })).status, 304, p);
    assert.equal((await get(p, { 'if-none-match': `"0000000000000000", ${first.headers.etag}` })).status, 304, p);
    assert.equal((await get(p, { 'if-none-match': '"0000000000000000"' })).status, 200, p);
  }
});

test('gzip when the client takes it, the same bytes once inflated, under 150 KiB in all', async () => {
  let gz = 0;
  let plain = 0;
  for (const f of ['/', ...(await referenced())]) {
    const id = await get(f, { 'accept-encoding': 'identity' });
    const z = await get(f, { 'accept-encoding': 'br, gzip;q=0.8' });
    plain += id.body.length;
    if (f.endsWith('.svg') && !z.headers['content-encoding']) {
      gz += z.body.length; // too small to gain from compression
      continue;
    }
    assert.equal(z.headers['content-encoding'], 'gzip', f);
    assert.equal(id.headers['content-encoding'], undefined, f);
    assert.notEqual(z.headers.etag, id.headers.etag, f);
    assert.deepEqual(zlib.gunzipSync(z.body), id.body, f);
    assert.equal((await get(f, { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding'], undefined, f);
    assert.equal((await get(f, { 'accept-encoding': '*' })).headers['content-encoding'], 'gzip', f);
    gz += z.body.length;
  }
  assert.ok(gz < 150 * 1024, `the dashboard is ${gz} bytes gzipped (${plain} plain)`);
});

test('HEAD has the headers and no body; an unknown file is a JSON 404', async () => {
  const h = await get('/assets/app.js', {}, 'HEAD');
  assert.equal(h.status, 200);
  assert.ok(Number(h.headers['content-length']) > 0);
  assert.equal(h.body.length, 0);
  const r = await get('/assets/nope.js');
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).status, 404);
  assert.equal((await get('/assets/app.js', {}, 'POST')).status, 405);
});

test('/api/v1/info names the host, the interval and the endpoints', async () => {
  const { json } = await v.get('/api/v1/info');
  assert.equal(json.host, os.hostname());
  assert.equal(typeof json.version, 'string');
  assert.equal(typeof json.interval_ms, 'number');
  assert.ok(json.history_s >= 3600);
  assert.ok(json.endpoints.includes('/api/v1/system'));
  assert.ok(json.endpoints.includes('/api/v1/history'));
  assert.equal((await v.get('/health')).json.token_required, false);
});

test('with a token, the files are public and the data is not', async () => {
  const t = await startVigil({ token: 'web-s3cret' });
  try {
    assert.equal((await fetch(t.url('/'))).status, 200);
    assert.equal((await fetch(t.url('/assets/app.js'))).status, 200);
    assert.equal((await fetch(t.url('/api/v1/info'))).status, 401);
    assert.equal((await fetch(t.url('/api/v1/info'), { headers: { authorization: 'Bearer web-s3cret' } })).status, 200);
    assert.equal((await (await fetch(t.url('/health'))).json()).token_required, true);
  } finally {
    assert.equal(await t.stop(), 0, t.stderr);
  }
});
