// The command line: --version, --help, snapshot, check-config, and failing collectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runVigil, startVigil, fixtures } from './lib/vigil.mjs';

test('--version and --help', () => {
  const ver = runVigil(['--version']);
  assert.equal(ver.code, 0);
  assert.match(ver.stdout, /^vigil \d+\.\d+\.\d+ /);
  for (const cmd of ['serve', 'snapshot', 'check-config']) {
    const h = runVigil([cmd, '--help']);
    assert.equal(h.code, 0, cmd);
    assert.match(h.stdout, new RegExp(`usage: vigil ${cmd}`));
    assert.match(h.stdout, /--listen/);
    assert.match(h.stdout, /VIGIL_INTERVAL/);
  }
  const bad = runVigil(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
  const badFlag = runVigil(['serve', '--frob']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option '--frob'/);
});

test('snapshot prints a table, or JSON with --json', () => {
  const t = runVigil(['snapshot', '--sample', '200ms']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^CPU /m);
  assert.match(t.stdout, /^Memory /m);
  assert.match(t.stdout, /^Disk /m);
  const j = runVigil(['snapshot', '--json', '--sample', '200ms']);
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout);
  assert.ok(doc.memory.ram_total > 0);
  assert.ok(doc.cpu.overall_utilization >= 0);
});

test('check-config names the file, line and key of an error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cfg-'));
  try {
    const good = path.join(dir, 'good.ini');
    fs.writeFileSync(good, '[server]\nlisten = 127.0.0.1:9500\n[collect]\ninterval = 1s\n');
    const ok = runVigil(['check-config', '--config', good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /listen = 127\.0\.0\.1:9500/);
    const bad = path.join(dir, 'bad.ini');
    fs.writeFileSync(bad, '[server]\nlisten = 127.0.0.1:9500\n\n[collect]\nintervl = 1s\n');
    const r = runVigil(['check-config', '--config', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.ini:5: unknown key 'intervl'/);
    const val = path.join(dir, 'val.ini');
    fs.writeFileSync(val, '[collect]\ninterval = fast\n');
    const rv = runVigil(['check-config', '--config', val]);
    assert.equal(rv.code, 2);
    assert.match(rv.stderr, /val\.ini:2: .*'interval'/);
    const missing = runVigil(['check-config', '--config', path.join(dir, 'nope.ini')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.ini/);
    const env = runVigil(['check-config'], { VIGIL_INTERVAL: '2x' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /VIGIL_INTERVAL/);
    // flags win over the environment, which wins over the file
    const prec = runVigil(['check-config', '--config', good, '--interval', '3s'], { VIGIL_INTERVAL: '5s' });
    assert.match(prec.stdout, /interval = 3s/);
    const prec2 = runVigil(['check-config', '--config', good], { VIGIL_INTERVAL: '5s' });
    assert.match(prec2.stdout, /interval = 5s/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing /proc file fails that collector only, visibly', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-proc-'));
  try {
    // The real /proc less diskstats: copy what the collectors read.
    fs.mkdirSync(path.join(dir, 'proc'));
    // (read and write: /proc files report a size of 0, so a file copy would be empty)
    const copy = (from, to) => fs.writeFileSync(to, fs.readFileSync(from));
    for (const f of ['stat', 'meminfo', 'loadavg']) copy(`/proc/${f}`, path.join(dir, 'proc', f));
    fs.mkdirSync(path.join(dir, 'proc/net'));
    copy('/proc/net/dev', path.join(dir, 'proc/net/dev'));
    const v = await startVigil({ args: ['--procfs', path.join(dir, 'proc'), '--interval', '200ms'] });
    try {
      const h = await v.get('/health');
      assert.equal(h.json.status, 'degraded');
      assert.equal(h.json.collectors.disk.state, 'failed');
      assert.match(h.json.collectors.disk.error, /cannot open '.*diskstats'/);
      for (const c of ['cpu', 'memory', 'network', 'load']) assert.equal(h.json.collectors[c].state, 'ok', c);
      const s = await v.get('/api/v1/system');
      assert.equal(s.json.disk.read_rate_mbps, null);
      assert.ok(s.json.memory.ram_total > 0);
      // The file comes back: the collector recovers without a restart, and says so once.
      copy('/proc/diskstats', path.join(dir, 'proc/diskstats'));
      await v.waitLog(/disk: collector recovered/);
      await v.nextSamples(1); // the cycle that recovered has been published
      assert.equal((await v.get('/health')).json.collectors.disk.state, 'ok');
      assert.equal(v.stderr.match(/cannot open/g).length, 1, 'the failure is logged once');
    } finally {
      assert.equal(await v.stop(), 0, v.stderr);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
