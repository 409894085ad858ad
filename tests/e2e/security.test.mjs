// The token, the loopback default, and reloading the token with SIGHUP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, runVigil } from './lib/vigil.mjs';

test('a token protects every endpoint but /health and the dashboard\'s files', async () => {
  const v = await startVigil({ token: 's3cret-token' });
  try {
    for (const p of ['/api/v1/system', '/api/v1/history?series=cpu.overall_utilization', '/api/v1/series', '/metrics', '/api/v1/info']) {
      const none = await fetch(v.url(p));
      assert.equal(none.status, 401, p);
      assert.match(none.headers.get('www-authenticate'), /^Bearer/);
      const wrong = await fetch(v.url(p), { headers: { authorization: 'Bearer s3cret-tokem' } });
      assert.equal(wrong.status, 401, p);
      const prefix = await fetch(v.url(p), { headers: { authorization: 'Bearer s3cret' } });
      assert.equal(prefix.status, 401, p);
      const right = await fetch(v.url(p), { headers: { authorization: 'Bearer s3cret-token' } });
      assert.equal(right.status, 200, p);
    }
    assert.equal((await fetch(v.url('/health'))).status, 200);
    // The page holds no data: a browser loads it first, then sends the token to the API.
    assert.equal((await fetch(v.url('/'))).status, 200);
    assert.equal((await fetch(v.url('/assets/app.js'))).status, 200);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
  }
});

test('a non-loopback address without a token is refused', () => {
  const r = runVigil(['serve', '--listen', '0.0.0.0:9400']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /refusing to listen on '0\.0\.0\.0:9400' without a token/);
  const env = runVigil(['serve'], { VIGIL_LISTEN: '0.0.0.0:9400' });
  assert.equal(env.code, 2);
  // With a token, or when asked for explicitly, the configuration is accepted.
  assert.equal(runVigil(['check-config', '--listen', '0.0.0.0:9400', '--token', 't']).code, 0);
  assert.equal(runVigil(['check-config', '--listen', '0.0.0.0:9400', '--allow-public']).code, 0);
});

// The listening sockets on a port, from the kernel's tables: [family, local address in hex].
function listeners(port) {
  const out = [];
  for (const [family, file] of [['tcp', '/proc/net/tcp'], ['tcp6', '/proc/net/tcp6']]) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue;
      const [addr, p] = f[1].split(':');
      if (parseInt(p, 16) === port) out.push([family, addr]);
    }
  }
  return out;
}

test('a loopback address is listened on alone, not on every interface', async () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    const v = await startVigil({ args: ['--listen', `${host}:0`] });
    try {
      assert.deepEqual(listeners(v.port), [['tcp', '0100007F']], host);
    } finally {
      assert.equal(await v.stop(), 0, v.stderr);
    }
  }
});

test('SIGHUP reloads the token; a bad file keeps the running configuration', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-reload-'));
  const file = path.join(dir, 'vigil.ini');
  fs.writeFileSync(file, '[server]\ntoken = first\n');
  const v = await startVigil({ args: ['--config', file] });
  try {
    const get = (tok) => fetch(v.url('/api/v1/system'), { headers: { authorization: `Bearer ${tok}` } });
    assert.equal((await get('first')).status, 200);
    fs.writeFileSync(file, '[server]\ntoken = second\n');
    v.signal('SIGHUP');
    await v.waitLog(/config: reloaded/);
    assert.equal((await get('first')).status, 401);
    assert.equal((await get('second')).status, 200);
    fs.writeFileSync(file, '[server]\ntokn = third\n');
    v.signal('SIGHUP');
    await v.waitLog(/reload failed; keeping the running configuration/);
    assert.match(v.stderr, /vigil\.ini:2: unknown key 'tokn'/);
    assert.equal((await get('second')).status, 200);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
