// The deployment files, checked by what can run on this machine (no container engine, no
// systemd as PID 1): the image's entrypoint command line, environment and HEALTHCHECK,
// parsed out of the Dockerfile and run against the binary under test with temp dirs in
// place of the container's mounts; the compose service's settings against the Dockerfile's;
// `make install` into a temp prefix, `systemd-analyze verify` on the unit it installs, and
// the unit's ExecStart and ExecReload run directly; the example configuration accepted by
// check-config as shipped and with every example key uncommented.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Vigil, bin, repo, runVigil } from './lib/vigil.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-deploy-e2e-'));
const started = [];
after(async () => {
  for (const v of started) if (v.proc.exitCode === null && v.proc.signalCode === null) v.proc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- the Dockerfile, read as Docker reads it (continuations joined, comments dropped) ----
function dockerfile() {
  const text = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
  const lines = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && cur === '') continue;
    if (raw.endsWith('\\')) {
      cur += raw.slice(0, -1) + ' ';
      continue;
    }
    cur += raw;
    if (cur.trim()) {
      const m = cur.trim().match(/^(\w+)\s+(.*)$/s);
      lines.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    }
    cur = '';
  }
  const stages = [];
  for (const l of lines) {
    if (l.op === 'FROM') stages.push({ from: l.args, ops: [] });
    else stages.at(-1).ops.push(l);
  }
  return stages;
}

function envOf(args) {
  const env = {};
  for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  return env;
}

// Starts `argv` (a product command line) and waits for it to listen.
async function startCommand(argv, env) {
  const proc = spawn(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const v = new Vigil(proc);
  started.push(v);
  const m = await v.waitLog(/listening on http:\/\/[^:]+:(\d+)\//);
  v.port = Number(m[1]);
  v.auth = {};
  return v;
}

// The container's filesystem, as far as the command line reaches it: the host's /proc and
// /sys mounted under /host, the state volume, the configuration the image installs.
function containerPaths() {
  const root = fs.mkdtempSync(path.join(tmp, 'image-'));
  fs.mkdirSync(path.join(root, 'host'));
  fs.symlinkSync('/proc', path.join(root, 'host/proc'));
  fs.symlinkSync('/sys', path.join(root, 'host/sys'));
  fs.mkdirSync(path.join(root, 'state'), { mode: 0o750 });
  return {
    '/usr/bin/vigil': bin,
    '/host/proc': path.join(root, 'host/proc'),
    '/host/sys': path.join(root, 'host/sys'),
    '/var/lib/vigil': path.join(root, 'state'),
    // `make install` in the build stage puts deploy/vigil.ini there (checked below)
    '/etc/vigil/vigil.ini': path.join(repo, 'deploy/vigil.ini'),
  };
}

const mapArg = (a, paths) => paths[a] ?? a;

describe('the Dockerfile', () => {
  const stages = dockerfile();
  const run = stages.at(-1);
  const op = (name) => run.ops.filter((o) => o.op === name);
  const entrypoint = JSON.parse(op('ENTRYPOINT')[0].args);
  const cmd = JSON.parse(op('CMD')[0].args);
  const env = Object.assign({}, ...op('ENV').map((o) => envOf(o.args)));
  const health = op('HEALTHCHECK')[0].args.match(/\bCMD\s+(.*)$/)[1];

  test('is multi-stage on Debian slim and runs as an unprivileged user', () => {
    assert.ok(stages.length >= 2, 'a build stage and a run stage');
    assert.match(stages[0].from, /^debian:\S+-slim AS build$/);
    assert.match(run.from, /^debian:\S+-slim$/);
    const user = op('USER').at(-1).args;
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
    assert.ok(op('EXPOSE').some((o) => o.args.split(/\s+/).includes('9400')));
    assert.match(op('HEALTHCHECK')[0].args, /\/health\b/);
    // what the run stage copies: the binary and the example configuration at the paths the
    // command line and VIGIL_CONFIG name
    const copies = op('COPY').map((o) => o.args);
    assert.ok(copies.some((c) => c.endsWith(` ${entrypoint[0]}`)), copies.join('\n'));
    assert.ok(copies.some((c) => c.endsWith(` ${env.VIGIL_CONFIG}`)), copies.join('\n'));
    const install = stages[0].ops.find((o) => o.op === 'RUN' && /make install/.test(o.args));
    assert.match(install.args, /PREFIX=\/usr\b/);
    assert.match(install.args, /SYSCONFDIR=\/etc\b/);
  });

  test('its command reads the host through --procfs and --sysfs and refuses 0.0.0.0 without a token', () => {
    assert.deepEqual(entrypoint.slice(1), ['serve']);
    const at = (flag) => cmd[cmd.indexOf(flag) + 1];
    assert.equal(at('--procfs'), '/host/proc');
    assert.equal(at('--sysfs'), '/host/sys');
    assert.equal(at('--data-dir'), '/var/lib/vigil');
    assert.equal(at('--listen'), '0.0.0.0:9400');
    // The same arguments, checked rather than served (nothing binds a public address here).
    const paths = containerPaths();
    const args = ['check-config', ...cmd.map((a) => mapArg(a, paths))];
    const cfgEnv = { VIGIL_CONFIG: mapArg(env.VIGIL_CONFIG, paths) };
    const refused = runVigil(args, cfgEnv);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /token/);
    const ok = runVigil(args, { ...cfgEnv, VIGIL_TOKEN: 'image-token' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /procfs = .*host\/proc/);
  });

  test('the entrypoint serves from the mounted /proc, and the HEALTHCHECK passes, then fails when it stops', async () => {
    const paths = containerPaths();
    const argv = [...entrypoint, ...cmd].map((a) => (a === '0.0.0.0:9400' ? '127.0.0.1:0' : mapArg(a, paths)));
    const runEnv = { ...env, VIGIL_CONFIG: mapArg(env.VIGIL_CONFIG, paths), VIGIL_TOKEN: 'image-token' };
    const v = await startCommand(argv, runEnv);
    const h = await v.get('/health');
    assert.equal(h.status, 200);
    assert.equal((await v.get('/api/v1/system')).status, 401, 'the token is required');
    v.auth = { authorization: 'Bearer image-token' };
    await v.nextSamples(2);
    const sys = await v.get('/api/v1/system');
    assert.equal(sys.status, 200);
    assert.equal(sys.json.cpu.per_core_utilization.length, os.cpus().length);
    assert.ok(sys.json.memory.ram_total > 0);
    const check = (port) =>
      spawnSync('sh', ['-c', health.replaceAll('127.0.0.1:9400', `127.0.0.1:${port}`)], { timeout: 10000 }).status;
    assert.equal(check(v.port), 0, `HEALTHCHECK: ${health}`);
    assert.equal(await v.stop(), 0, v.stderr);
    assert.notEqual(check(v.port), 0, 'a stopped daemon fails the health check');
  });

  test('the compose service has the same command, mounts, health check and isolation', () => {
    const compose = fs.readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8');
    const line = (re) => {
      const m = compose.match(re);
      assert.ok(m, `docker-compose.yml lacks ${re}`);
      return m[1];
    };
    assert.deepEqual(JSON.parse(line(/^\s+command: (\[.*\])$/m)), cmd);
    for (const v of ['/proc:/host/proc:ro', '/sys:/host/sys:ro'])
      assert.match(compose, new RegExp(`^\\s+- ${v}$`, 'm'));
    assert.match(compose, /^\s+- \S+:\/var\/lib\/vigil$/m);
    const test_ = JSON.parse(line(/^\s+test: (\[.*\])$/m));
    assert.deepEqual(test_, ['CMD-SHELL', health]);
    assert.equal(line(/^\s+pid: (\S+)$/m), 'host');
    assert.equal(line(/^\s+read_only: (\S+)$/m), 'true');
    assert.equal(line(/^\s+cap_drop: (.*)$/m), '[ALL]');
    assert.match(compose, /no-new-privileges:true/);
    assert.match(line(/^\s+VIGIL_TOKEN: (.*)$/m), /\$\{VIGIL_TOKEN:\?/);
  });

  test('.dockerignore keeps builds and installed packages out of the context', () => {
    const ignore = fs.readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['build', 'node_modules', '.git']) assert.ok(ignore.includes(p), p);
  });
});

describe('make install and the systemd unit', () => {
  const prefix = path.join(tmp, 'prefix');
  // The binary under test, never rebuilt here (-o): BUILDDIR is where it lives.
  const make = (...args) =>
    spawnSync('make', ['-s', '--no-print-directory', '-C', repo, `BUILDDIR=${path.dirname(bin)}`,
      '-o', bin, `PREFIX=${prefix}`, `SYSCONFDIR=${prefix}/etc`, ...args], { encoding: 'utf8', timeout: 60000 });
  const unitPath = path.join(prefix, 'lib/systemd/system/vigil.service');
  const config = path.join(prefix, 'etc/vigil/vigil.ini');

  test('installs the binary, the unit with this prefix\'s paths, and the example configuration', () => {
    const r = make('install');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const mode = (p) => fs.statSync(p).mode & 0o777;
    assert.equal(mode(path.join(prefix, 'bin/vigil')), 0o755);
    assert.equal(mode(unitPath), 0o644);
    assert.equal(fs.readFileSync(config, 'utf8'), fs.readFileSync(path.join(repo, 'deploy/vigil.ini'), 'utf8'));
    assert.ok(fs.existsSync(path.join(prefix, 'share/doc/vigil/vigil.ini.example')));
    const unit = fs.readFileSync(unitPath, 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=${prefix}/bin/vigil serve --config ${config} `, 'm'));
    // An edited configuration survives a second install.
    fs.appendFileSync(config, '\n; edited\n');
    assert.equal(make('install').status, 0);
    assert.match(fs.readFileSync(config, 'utf8'), /; edited\n$/);
  });

  test('systemd-analyze verify accepts the unit, which is sandboxed', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
    const unit = fs.readFileSync(unitPath, 'utf8');
    for (const d of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'StateDirectory=vigil',
      'DynamicUser=yes', 'CapabilityBoundingSet=', 'PrivateTmp=yes', 'ProtectHome=yes'])
      assert.match(unit, new RegExp(`^${d}$`, 'm'), d);
  });

  test('its ExecStart serves and its ExecReload reloads, run directly', async () => {
    const unit = fs.readFileSync(unitPath, 'utf8');
    const state = fs.mkdtempSync(path.join(tmp, 'state-'));
    const argv = unit.match(/^ExecStart=(.*)$/m)[1].replace('${STATE_DIRECTORY}', state).split(/\s+/);
    // the unit listens where the configuration says; a test takes a free loopback port
    const v = await startCommand([...argv, '--listen', '127.0.0.1:0'], {});
    assert.equal((await v.get('/health')).status, 200);
    const reload = unit.match(/^ExecReload=(.*)$/m)[1].replace('$MAINPID', String(v.proc.pid)).split(/\s+/);
    assert.equal(spawnSync(reload[0], reload.slice(1)).status, 0);
    await v.waitLog(/reloaded/);
    assert.equal(await v.stop(), 0, v.stderr);
  });

  test('make uninstall removes what install put there but the configuration', () => {
    const r = make('uninstall');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(!fs.existsSync(path.join(prefix, 'bin/vigil')));
    assert.ok(!fs.existsSync(unitPath));
    assert.ok(fs.existsSync(config));
  });
});

describe('the example configuration', () => {
  const example = path.join(repo, 'deploy/vigil.ini');

  test('check-config accepts it as shipped', () => {
    const r = runVigil(['check-config', '--config', example]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('and with every example key and section uncommented', () => {
    // The alternative listen address stays commented: it needs a token, set nowhere here.
    const text = fs.readFileSync(example, 'utf8')
      .split('\n')
      .map((l) => (/^;(\[|[a-z_]+ = )/.test(l) && !/^;listen = 0\.0\.0\.0/.test(l) ? l.slice(1) : l))
      .join('\n');
    assert.ok((text.match(/^\[/gm) || []).length >= 8, 'sections uncommented');
    const file = path.join(tmp, 'all.ini');
    fs.writeFileSync(file, text);
    const r = runVigil(['check-config', '--config', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[inference "vllm"\]/);
    assert.match(r.stdout, /\[notify "ops"\]/);
  });
});
