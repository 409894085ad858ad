// vigil beside netdata, Glances and node_exporter, measured in one run on this machine (run
// through bench/peers, which installs the peers and builds vigil first).
//
// Every tool runs on 127.0.0.1 with what reaches off the machine turned off: netdata with a
// plugins folder whose system-info.sh skips the cloud-metadata probe and whose
// anonymous-statistics.sh does nothing, no registry and no alarm script; Glances with a
// configuration that turns off the update check and the gateway ping and disables the
// cloud and ip plugins. Before any measurement each tool is started under
// `strace -f -e trace=connect,sendto,sendmsg,sendmmsg` and polled, and every address it
// contacted must be loopback (Unix and netlink sockets aside); `ss` checks the same of
// their open sockets before and during the measurements. Traffic goes to 127.0.0.1 only.
//
// What is measured, all tools running at once so that drift affects them alike:
//  - CPU seconds per minute of wall time (the tool's cgroup, so children count, also the
//    short-lived ones; or the process tree from /proc where cgroups cannot be made) and
//    resident memory summed over the tool's processes, at a 1 s interval and at each tool's
//    default; every tool's main endpoint is polled once per interval, as a dashboard or
//    Prometheus would (node_exporter and Glances collect only when asked);
//  - requests/s and p50/p99 latency under wrk at 1, 10 and 50 connections, the tools
//    taking turns while the others are stopped (SIGSTOP) so they do not share the cores;
//  - the number of series each collects.
// Prints a table of vigil's figures and the ratios to each peer and writes it to
// bench/results/peers-DATE.txt. Stops every process it started, whatever happens.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const WINDOW_S = quick ? 20 : 60; // one CPU window
const ROUNDS = quick ? 1 : 3; // CPU windows, all tools at once in each
const WARMUP_S = quick ? 10 : 20;
const WRK_S = quick ? 3 : 8;
const CONNECTIONS = [1, 10, 50];
const NODE_DEFAULT_SCRAPE_S = 15; // the scrape interval of Prometheus' example configuration

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-peers-'));
const CG_ROOT = '/sys/fs/cgroup/cpuacct';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('peers:', ...a);

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// --- the tools --------------------------------------------------------------------------

function netdataSetup(dir, port) {
  const plugins = path.join(dir, 'plugins.d');
  for (const d of ['etc', 'cache', 'lib', 'log', 'run', 'plugins.d'])
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  const stock = '/usr/lib/netdata/plugins.d';
  for (const f of fs.readdirSync(stock))
    if (f !== 'system-info.sh' && f !== 'anonymous-statistics.sh')
      fs.symlinkSync(path.join(stock, f), path.join(plugins, f));
  // system-info.sh probes 169.254.169.254 and metadata.google.internal at every start,
  // whatever the telemetry settings: this copy skips that block.
  const probe = 'if [ "${VIRTUALIZATION}" != "none" ] && command -v curl > /dev/null 2>&1; then';
  const info = fs.readFileSync(path.join(stock, 'system-info.sh'), 'utf8');
  if (!info.includes(probe)) throw new Error('netdata system-info.sh: cloud probe not found');
  fs.writeFileSync(path.join(plugins, 'system-info.sh'),
    info.replace(probe, 'if false; then # the cloud-metadata probe is skipped here'), { mode: 0o755 });
  fs.writeFileSync(path.join(plugins, 'anonymous-statistics.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'etc/.opt-out-from-anonymous-statistics'), '');
  const conf = path.join(dir, 'etc/netdata.conf');
  fs.writeFileSync(conf, `[global]
    run as user = ${os.userInfo().username}
    hostname = bench
[directories]
    config = ${dir}/etc
    stock config = /usr/lib/netdata/conf.d
    log = ${dir}/log
    cache = ${dir}/cache
    lib = ${dir}/lib
    home = ${dir}/lib
    plugins = ${plugins}
    web = /usr/share/netdata/web
[logs]
    debug log = none
    access log = none
    error log = ${dir}/log/error.log
[web]
    bind to = 127.0.0.1:${port}
[registry]
    enabled = no
[health]
    script to execute on alarm = /bin/true
`);
  return ['netdata', '-D', '-c', conf, '-P', path.join(dir, 'run/netdata.pid')];
}

function glancesSetup(dir, port, refresh) {
  fs.mkdirSync(dir, { recursive: true });
  let c = fs.readFileSync('/etc/glances/glances.conf', 'utf8');
  const must = (re, to) => {
    if (!re.test(c)) throw new Error(`glances.conf: ${re} not found`);
    c = c.replace(re, to);
  };
  must(/^check_update=.*$/m, 'check_update=false');
  must(/^port_default_gateway=.*$/m, 'port_default_gateway=False');
  must(/^(\[ip\]\n)disable=.*$/m, '$1disable=True');
  c += '\n[cloud]\ndisable=True\n';
  const conf = path.join(dir, 'glances.conf');
  fs.writeFileSync(conf, c);
  const args = ['glances', '-C', conf, '-w', '-B', '127.0.0.1', '-p', String(port),
    '--disable-plugin', 'cloud,ip'];
  if (refresh) args.push('-t', String(refresh));
  return args;
}

async function tools() {
  const vigil = path.join(repo, 'build/vigil');
  const t = [];
  const add = async (o) => t.push({ ...o, port: await freePort() });
  await add({ id: 'vigil-1s', tool: 'vigil', every: 1, json: '/api/v1/system', metrics: '/metrics' });
  await add({ id: 'vigil-default', tool: 'vigil', every: 2, json: '/api/v1/system', def: true });
  await add({ id: 'netdata', tool: 'netdata', every: 1, def: true,
    json: '/api/v1/allmetrics?format=json', metrics: '/api/v1/allmetrics?format=prometheus' });
  await add({ id: 'glances-1s', tool: 'Glances', every: 1, json: '/api/3/all' });
  await add({ id: 'glances-default', tool: 'Glances', every: 2, json: '/api/3/all', def: true });
  await add({ id: 'node-1s', tool: 'node_exporter', every: 1, metrics: '/metrics' });
  await add({ id: 'node-default', tool: 'node_exporter', every: NODE_DEFAULT_SCRAPE_S,
    metrics: '/metrics', def: true });
  for (const x of t) {
    const dir = path.join(tmp, x.id);
    fs.mkdirSync(dir, { recursive: true });
    x.poll = x.json || x.metrics;
    if (x.tool === 'vigil') {
      x.argv = [vigil, 'serve', '--listen', `127.0.0.1:${x.port}`, '--data-dir', dir];
      if (!x.def) x.argv.push('--interval', '1s');
    } else if (x.tool === 'netdata') {
      x.argv = netdataSetup(dir, x.port);
    } else if (x.tool === 'Glances') {
      x.argv = glancesSetup(dir, x.port, x.def ? 0 : 1);
    } else {
      x.argv = ['prometheus-node-exporter', `--web.listen-address=127.0.0.1:${x.port}`];
    }
  }
  return t;
}

// --- processes: start, find, measure, stop ------------------------------------------------

const cgroups = (() => {
  try {
    const d = path.join(CG_ROOT, `vigil-peers-${process.pid}`);
    fs.mkdirSync(d);
    fs.rmdirSync(d);
    return true;
  } catch {
    return false;
  }
})();

const running = new Set(); // every instance started, for the final clean-up

function start(x, run) {
  const env = { ...process.env, DO_NOT_TRACK: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VIGIL_')) delete env[k];
  x.cg = null;
  if (cgroups) {
    x.cg = path.join(CG_ROOT, `vigil-peers-${process.pid}-${x.id}-${run}`);
    fs.mkdirSync(x.cg);
  }
  // a shell that puts itself in the cgroup, then becomes the tool
  const argv = run === 'strace'
    ? ['strace', '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg,sendmmsg',
      '-o', path.join(tmp, `${x.id}.strace`), ...x.argv]
    : x.argv;
  const pre = x.cg ? `echo $$ > '${x.cg}/cgroup.procs' && ` : '';
  const out = fs.openSync(path.join(tmp, `${x.id}.${run}.log`), 'w');
  x.proc = spawn('sh', ['-c', `${pre}exec "$@"`, 'sh', ...argv],
    { env, cwd: path.join(tmp, x.id), stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  x.exited = false;
  x.proc.on('exit', () => { x.exited = true; });
  running.add(x);
}

function children() {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  return kids;
}

function pids(x) {
  if (x.cg) {
    try {
      return fs.readFileSync(path.join(x.cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch { return []; }
  }
  const kids = children();
  const out = [];
  const walk = (p) => { out.push(p); for (const c of kids.get(p) || []) walk(c); };
  if (!x.exited) walk(x.proc.pid);
  return out;
}

// CPU seconds used so far by the tool and every process it started.
function cpuSeconds(x) {
  if (x.cg) return Number(fs.readFileSync(path.join(x.cg, 'cpuacct.usage'), 'utf8')) / 1e9;
  const hz = 100;
  let t = 0;
  for (const p of pids(x)) {
    try {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      t += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / hz;
    } catch { /* gone */ }
  }
  return t;
}

function rssMiB(x) {
  let kb = 0;
  for (const p of pids(x)) {
    try {
      const m = fs.readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
      if (m) kb += Number(m[1]);
    } catch { /* gone */ }
  }
  return kb / 1024;
}

function signal(x, sig) {
  for (const p of pids(x)) {
    try { process.kill(p, sig); } catch { /* gone */ }
  }
}

async function stop(x) {
  if (!running.has(x)) return;
  signal(x, 'SIGCONT');
  signal(x, 'SIGTERM');
  const deadline = Date.now() + 15000;
  while (pids(x).length && Date.now() < deadline) await sleep(100);
  signal(x, 'SIGKILL');
  while (pids(x).length && Date.now() < deadline + 5000) await sleep(100);
  if (x.cg) {
    try { fs.rmdirSync(x.cg); } catch { /* busy: left for the system */ }
  }
  running.delete(x);
}

async function stopAll() {
  await Promise.all([...running].map(stop));
}

async function get(x, p) {
  const res = await fetch(`http://127.0.0.1:${x.port}${p}`, { signal: AbortSignal.timeout(10000) });
  return { status: res.status, text: await res.text() };
}

async function ready(x, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (x.exited) throw new Error(`${x.id} exited at start; see ${tmp}/${x.id}.*.log`);
    try {
      if ((await get(x, x.poll)).status === 200) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${x.id} did not answer ${x.poll}`);
    await sleep(250);
  }
}

// Polls each tool's main endpoint once per its interval, as its dashboard or Prometheus would.
function pollers(list) {
  const timers = list.map((x) => setInterval(() => {
    get(x, x.poll).catch(() => { x.pollErrors = (x.pollErrors || 0) + 1; });
  }, x.every * 1000));
  return () => timers.forEach(clearInterval);
}

// --- loopback only ----------------------------------------------------------------------

const loopback = (a) => /^127\./.test(a) || a === '::1' || /^::ffff:127\./.test(a);

// Every connect/sendto/sendmsg that names an AF_INET or AF_INET6 address: loopback or not.
function straceOffenders(file) {
  const bad = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const v4 = line.match(/sa_family=AF_INET, [^}]*sin_addr=inet_addr\("([^"]+)"\)/);
    const v6 = line.match(/sa_family=AF_INET6, [^}]*inet_pton\(AF_INET6, "([^"]+)"/);
    const addr = v4?.[1] ?? v6?.[1];
    if (addr !== undefined && !loopback(addr)) bad.push(line.trim());
  }
  return bad;
}

// ss: every TCP/UDP socket of the tools' processes is bound to and talks with loopback only.
function ssOffenders(list) {
  const mine = new Map();
  for (const x of list) for (const p of pids(x)) mine.set(p, x.id);
  const bad = [];
  const out = execFileSync('ss', ['-tunapH'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const users = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    const owner = users.map((p) => mine.get(p)).find(Boolean);
    if (!owner) continue;
    const f = line.trim().split(/\s+/);
    for (const ep of [f[4], f[5]]) {
      const host = ep.slice(0, ep.lastIndexOf(':')).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
      if (host === '*' || host === '0.0.0.0' || host === '::') {
        if (ep === f[5]) continue; // no peer
      }
      if (!loopback(host)) bad.push(`${owner}: ${line.trim()}`);
    }
  }
  return bad;
}

async function checkLoopback(list) {
  log('starting every tool under strace to check what it contacts');
  list.forEach((x) => start(x, 'strace'));
  await Promise.all(list.map((x) => ready(x, 90000)));
  for (let i = 0; i < (quick ? 4 : 8); i++) {
    await Promise.all(list.map((x) => get(x, x.poll).catch(() => {})));
    await sleep(1000);
  }
  const ss = ssOffenders(list);
  await stopAll();
  const bad = [...ss];
  for (const x of list) for (const l of straceOffenders(path.join(tmp, `${x.id}.strace`))) bad.push(`${x.id}: ${l}`);
  if (bad.length) throw new Error(`non-loopback traffic:\n${bad.slice(0, 20).join('\n')}`);
  const n = list.reduce((a, x) => a + fs.readFileSync(path.join(tmp, `${x.id}.strace`), 'utf8').split('\n').length, 0);
  log(`loopback only: ${n} traced calls and every open socket checked`);
}

// --- measurements -----------------------------------------------------------------------

async function cpuAndMemory(list) {
  const cpu = new Map(list.map((x) => [x.id, []]));
  const rss = new Map(list.map((x) => [x.id, []]));
  for (let r = 0; r < ROUNDS; r++) {
    log(`CPU window ${r + 1}/${ROUNDS} (${WINDOW_S} s, all tools at once)`);
    const t0 = process.hrtime.bigint();
    const c0 = new Map(list.map((x) => [x.id, cpuSeconds(x)]));
    for (let s = 0; s < WINDOW_S; s += 5) {
      await sleep(5000);
      for (const x of list) rss.get(x.id).push(rssMiB(x));
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const x of list) cpu.get(x.id).push(((cpuSeconds(x) - c0.get(x.id)) / wall) * 60);
    const bad = ssOffenders(list);
    if (bad.length) throw new Error(`non-loopback sockets:\n${bad.join('\n')}`);
    for (const x of list) if (x.exited) throw new Error(`${x.id} exited during the run`);
  }
  const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  for (const x of list) {
    x.cpu = med(cpu.get(x.id));
    x.cpuAll = cpu.get(x.id);
    x.rss = med(rss.get(x.id));
    x.rssMax = Math.max(...rss.get(x.id));
  }
}

function parseWrk(out) {
  const unit = { us: 1e-3, ms: 1, s: 1000 };
  const lat = (p) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
    return m ? Number(m[1]) * unit[m[2]] : NaN;
  };
  const all = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? NaN);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const se = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = non2xx + (se ? se.slice(1).reduce((a, v) => a + Number(v), 0) : 0);
  // only answers with a 2xx count: node_exporter answers 503 past 40 requests in flight
  const rps = requests > 0 ? (all * (requests - non2xx)) / requests : all;
  return { rps, p50: lat(50), p99: lat(99), errors };
}

async function httpLoad(list) {
  const targets = [];
  for (const x of list) {
    if (x.json) targets.push({ x, kind: 'json', path: x.json });
    if (x.metrics) targets.push({ x, kind: 'metrics', path: x.metrics });
  }
  const all = [...running];
  for (const c of CONNECTIONS) {
    // take turns: the order rotates at each connection count
    const order = targets.map((_, i) => targets[(i + c) % targets.length]);
    for (const t of order) {
      for (const y of all) if (y !== t.x) signal(y, 'SIGSTOP');
      await sleep(300);
      const args = ['-t', c === 1 ? '1' : '2', '-c', String(c), '-d', `${WRK_S}s`, '--timeout', '10s',
        '--latency', `http://127.0.0.1:${t.x.port}${t.path}`];
      const r = spawnSync('wrk', args, { encoding: 'utf8', timeout: (WRK_S + 30) * 1000 });
      for (const y of all) signal(y, 'SIGCONT');
      const w = parseWrk(r.stdout || '');
      log(`wrk -c${c} ${t.x.id} ${t.path}: ${w.rps} req/s, p50 ${w.p50} ms, p99 ${w.p99} ms, ${w.errors} errors`);
      t.x.wrk ??= {};
      t.x.wrk[`${t.kind}-${c}`] = w;
      await sleep(700);
    }
  }
  for (const x of list) x.rssAfterLoad = rssMiB(x);
}

function numericLeaves(v, skip) {
  if (typeof v === 'number') return 1;
  if (Array.isArray(v)) return v.reduce((a, e) => a + numericLeaves(e, skip), 0);
  if (v && typeof v === 'object')
    return Object.entries(v).reduce((a, [k, e]) => a + (skip?.has(k) ? 0 : numericLeaves(e)), 0);
  return 0;
}

const samples = (text) => text.split('\n').filter((l) => l && !l.startsWith('#')).length;

async function seriesCounts(byTool) {
  const v = byTool.vigil;
  const health = JSON.parse((await get(v, '/health')).text);
  v.series = `${health.history?.series ?? '?'} in the store; ${samples((await get(v, '/metrics')).text)} samples in /metrics`;
  const nd = byTool.netdata;
  const charts = JSON.parse((await get(nd, '/api/v1/charts')).text).charts;
  const dims = Object.values(charts).reduce((a, c) => a + Object.keys(c.dimensions).length, 0);
  nd.series = `${dims} dimensions in ${Object.keys(charts).length} charts; ${samples((await get(nd, nd.metrics)).text)} samples in allmetrics`;
  const gl = byTool.Glances;
  const all = JSON.parse((await get(gl, '/api/3/all')).text);
  const total = numericLeaves(all);
  const procs = numericLeaves(all.processlist);
  gl.series = `${total} numbers in /api/3/all (${procs} of them in the process list)`;
  const ne = byTool.node_exporter;
  ne.series = `${samples((await get(ne, '/metrics')).text)} samples in /metrics`;
}

// --- the table --------------------------------------------------------------------------

const f2 = (v) => (!Number.isFinite(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3));
const ratio = (r) => (!Number.isFinite(r) || r === 0 ? '' : ` (${r >= 10 ? r.toFixed(0) : r.toFixed(1)}x)`);

function table(list, header) {
  const one = (tool, def) => list.find((x) => x.tool === tool && !!x.def === def) || list.find((x) => x.tool === tool && x.def);
  const cols = ['vigil', 'netdata', 'Glances', 'node_exporter'];
  const rows = [];
  // costs: the ratio is the peer's figure over vigil's
  const cost = (label, get, def) => {
    const v = get(one('vigil', def));
    rows.push([label, f2(v), ...cols.slice(1).map((t) => {
      const p = get(one(t, def));
      return p === undefined ? '-' : f2(p) + ratio(p / v);
    })]);
  };
  cost('CPU s per minute, 1 s interval', (x) => x.cpu, false);
  cost('CPU s per minute, defaults', (x) => x.cpu, true);
  cost('RSS MiB, 1 s interval', (x) => x.rss, false);
  cost('RSS MiB, defaults', (x) => x.rss, true);
  cost('RSS MiB after the HTTP load', (x) => x.rssAfterLoad, false);
  const http = (kind, label) => {
    for (const c of CONNECTIONS) {
      const v = one('vigil', false).wrk?.[`${kind}-${c}`];
      const cell = (w, rel) => (w ? `${f2(w.rps)}${rel ? ratio(v.rps / w.rps) : ''}` : '-');
      rows.push([`${label} req/s, ${c} conn`, cell(v), ...cols.slice(1).map((t) => cell(one(t, false).wrk?.[`${kind}-${c}`], true))]);
      const lat = (w, rel) => (w ? `${f2(w.p50)}/${f2(w.p99)}${rel ? ratio(w.p99 / v.p99) : ''}${w.errors ? ` ${w.errors} err` : ''}` : '-');
      rows.push([`  p50/p99 ms, ${c} conn`, lat(v), ...cols.slice(1).map((t) => lat(one(t, false).wrk?.[`${kind}-${c}`], true))]);
    }
  };
  http('json', 'JSON');
  http('metrics', 'metrics');
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[['', ...cols], ...rows].map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [header, '', line(['', ...cols]), ...rows.map(line), ''];
  const v1 = one('vigil', false);
  out.push('Endpoints: JSON = vigil /api/v1/system, netdata /api/v1/allmetrics?format=json, Glances /api/3/all;');
  out.push('metrics = vigil /metrics, netdata /api/v1/allmetrics?format=prometheus, node_exporter /metrics.');
  out.push('(Nx): the peer\'s CPU, memory or p99 over vigil\'s; for req/s (2xx answers only), vigil\'s over the peer\'s.');
  out.push(`Defaults: vigil 2 s, netdata 1 s (the same instance as 1 s), Glances 2 s (polled every 2 s), node_exporter scraped every ${NODE_DEFAULT_SCRAPE_S} s.`);
  out.push(`CPU: ${cgroups ? 'cpuacct cgroup per tool (children included)' : 'process tree from /proc'}; median of ${ROUNDS} window(s) of ${WINDOW_S} s, each tool's main endpoint polled once per interval; RSS: VmRSS summed over the tool's processes, median of samples every 5 s.`);
  out.push(`wrk ${WRK_S} s per figure (-t1 at 1 connection, -t2 above), the other tools stopped meanwhile.`);
  out.push('CPU s per minute, every window:');
  for (const x of list) out.push(`  ${x.id.padEnd(16)} ${x.cpuAll.map(f2).join(' ')}   RSS median ${f2(x.rss)}, peak ${f2(x.rssMax)} MiB`);
  out.push('Series collected here:');
  for (const t of cols) out.push(`  ${t.padEnd(14)} ${one(t, false).series}`);
  const nd = one('netdata', true), ne = one('node_exporter', false), gl = one('Glances', false);
  const ok = (b) => (b ? 'met' : 'MISSED');
  out.push('Targets (1 s interval):');
  out.push(`  CPU <= netdata / 10: ${f2(v1.cpu)} vs ${f2(nd.cpu / 10)}: ${ok(v1.cpu <= nd.cpu / 10)}`);
  out.push(`  CPU <= node_exporter scraped every second / 10: ${f2(v1.cpu)} vs ${f2(ne.cpu / 10)}: ${ok(v1.cpu <= ne.cpu / 10)}`);
  out.push(`  RSS <= 12 MiB: ${f2(v1.rss)} MiB: ${ok(v1.rss <= 12)}`);
  const vr = v1.wrk?.['json-10']?.rps, gr = gl.wrk?.['json-10']?.rps;
  out.push(`  /api/v1/system req/s >= 5 x Glances /api/3/all at 10 connections: ${f2(vr)} vs ${f2(5 * gr)}: ${ok(vr >= 5 * gr)}`);
  return out.join('\n');
}

function machine() {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const mem = (os.totalmem() / 2 ** 30).toFixed(1);
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim(); } catch { /* no git */ }
  const ver = (cmd) => {
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
    return (r.stdout + r.stderr).split('\n').find(Boolean)?.trim() ?? '?';
  };
  const dv = (p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', p], { encoding: 'utf8' });
    return r.stdout || '?';
  };
  return [`vigil beside its peers, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, on ${os.cpus().length} cores, ${cpu}, ${mem} GiB, kernel ${os.release()}`,
    `${ver([path.join(repo, 'build/vigil'), '--version'])} (tree at commit ${commit}); netdata ${dv('netdata-core')}, Glances ${dv('glances')}, node_exporter ${dv('prometheus-node-exporter')} (Debian)`].join('\n');
}

// --- the run ----------------------------------------------------------------------------

let stopping = false;
async function cleanup(code) {
  if (stopping) return;
  stopping = true;
  await stopAll();
  if (!process.env.PEERS_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
}
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { log(`${s}: stopping`); cleanup(1); });

async function main() {
  const t0 = Date.now();
  const list = await tools();
  await checkLoopback(list);
  log('starting every tool for the measurements');
  list.forEach((x) => start(x, 'run'));
  await Promise.all(list.map((x) => ready(x)));
  const stopPolling = pollers(list);
  await sleep(WARMUP_S * 1000);
  await cpuAndMemory(list);
  const byTool = Object.fromEntries(list.filter((x) => !x.def || x.tool === 'netdata').map((x) => [x.tool, x]));
  await seriesCounts(byTool);
  stopPolling();
  // the default instances are not load-tested: stopped, they keep out of the way
  const defaults = list.filter((x) => x.def && x.tool !== 'netdata');
  await Promise.all(defaults.map(stop));
  await httpLoad(list.filter((x) => !defaults.includes(x)));
  const text = table(list, machine()) + `\nThe whole run: ${Math.round((Date.now() - t0) / 1000)} s (bench/peers${quick ? ' --quick' : ''}).\n`;
  console.log(text);
  const dir = path.join(repo, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `peers-${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}.txt`);
  fs.writeFileSync(file, text);
  log(`written to ${path.relative(repo, file)}`);
}

main().then(() => cleanup(0), (e) => { log(e.stack || String(e)); cleanup(1); });
