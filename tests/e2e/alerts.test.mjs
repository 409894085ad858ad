// Alerts through the real daemon. Values are driven end to end: a /proc made here whose
// meminfo this test rewrites in place (the collector keeps the file open and re-reads it),
// with a rule on memory.ram_used as a share of memory.ram_total; the fake NVML library for
// the built-in GPU rules; agent events through POST /api/v1/ingest for the built-in error
// rate rule. Notifications go to a fake receiver on loopback:
// Discord, Slack and webhook notifiers must each get a correctly shaped firing and resolving
// message, while one endpoint that answers 500 and one that hangs are retried with growing
// delays and delay nobody else. Every wait is for an event (a request, a log line, a state
// in the API), bounded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, runVigil, fakes, fixtures } from './lib/vigil.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { RpcClient } from './lib/ws.mjs';

const WAIT_MS = 30000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alerts-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// A copy of a fixture /proc whose MemAvailable can be set; MemTotal is 8048576 kB.
function makeProcfs(name) {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(fixtures, 'host/two_core/t0/proc'), dir, { recursive: true });
  const file = path.join(dir, 'meminfo');
  const setAvailable = (kb) => {
    const text = fs.readFileSync(file, 'latin1');
    const next = text.replace(/MemAvailable:\s+\d+ kB/, `MemAvailable:    ${String(kb).padStart(7)} kB`);
    assert.equal(next.length, text.length, 'same length: the collector may read at any time');
    // in place, one write: the daemon keeps the file open
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, next, 0, 'latin1');
    fs.closeSync(fd);
  };
  return { dir, setAvailable };
}

// Resolves once fn() gives a truthy value, polling the daemon every 50 ms.
async function until(fn, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The unix ms of a log line's timestamp.
function logTime(v, re) {
  const line = v.stderr.split('\n').find((l) => re.test(l));
  assert.ok(line, `no log line ${re}`);
  return Date.parse(line.split(' ')[0]);
}

const isFiring = (r) => r.json && /FIRING|"status":"firing"/.test(r.body);
const isResolved = (r) => r.json && /RESOLVED|"status":"resolved"/.test(r.body);

test('Discord, Slack and webhook notifiers get firing and resolving messages; a failing and a hanging endpoint are retried without delaying them', async () => {
  const rx = await startReceiver();
  const proc = makeProcfs('memory');
  const config = path.join(tmp, 'memory.ini');
  fs.writeFileSync(
    config,
    `[alert "mem_high"]
series = memory.ram_used
ratio_of = memory.ram_total
above = 80
clear = 60
severity = critical
summary = RAM nearly full on the e2e box

[notify "discord"]
kind = discord
url = ${rx.url('/discord')}

[notify "slack"]
kind = slack
url = ${rx.url('/slack')}

[notify "hook"]
kind = webhook
url = ${rx.url('/hook')}
headers = X-Token: e2e | X-Team: gpu

[notify "failing"]
kind = webhook
url = ${rx.url('/fail')}
retries = 3
backoff = 300ms

[notify "hanging"]
kind = slack
url = ${rx.url('/hang')}
timeout = 1500ms
retries = 1
backoff = 300ms
`,
  );
  const v = await startVigil({ args: ['--config', config, '--procfs', proc.dir, '--interval', '200ms'] });
  try {
    await v.waitLog(/alert: \d+ rules?, 5 notifiers/);
    const ws = await RpcClient.open(`ws://127.0.0.1:${v.port}/ws`);
    const ack = await ws.call('subscribe', { channels: ['alerts'] });
    assert.deepEqual(ack.result, { subscribed: ['alerts'] });

    // 87 % used: over 80
    proc.setAvailable(1048576);
    await v.waitLog(/alert: mem_high on memory.ram_used: inactive -> firing \(87\.0 %\)/);
    const firedAt = logTime(v, /mem_high on memory.ram_used: inactive -> firing/);
    const [discord] = await rx.waitFor('/discord', isFiring);
    const [slack] = await rx.waitFor('/slack', isFiring);
    const [hook] = await rx.waitFor('/hook', isFiring);
    const [hang] = await rx.waitFor('/hang', isFiring);
    // On time means: not queued behind the hanging endpoint, whose first attempt is still
    // waiting out its 1.5 s timeout when the others have theirs (an order of events, so no
    // deadline that a slow machine could miss).
    for (const r of [discord, slack, hook]) {
      assert.ok(r.at >= firedAt - 1000, `${r.path}: a message from before the firing`);
      assert.ok(r.at < hang.at + 1500, `${r.path} waited for the hanging endpoint`);
      assert.equal(r.headers['content-type'], 'application/json');
    }

    // Discord: content and one embed, nobody mentioned
    assert.match(discord.json.content, /^\[FIRING\] mem_high on .+: memory\.ram_used is 87\.0 %, above 80\.0 %/);
    assert.deepEqual(discord.json.allowed_mentions, { parse: [] });
    assert.equal(discord.json.embeds.length, 1);
    const embed = discord.json.embeds[0];
    assert.equal(embed.title, '[FIRING] mem_high (critical)');
    assert.equal(embed.description, 'RAM nearly full on the e2e box');
    assert.equal(typeof embed.color, 'number');
    assert.deepEqual(embed.fields.map((f) => f.name), ['series', 'value', 'condition', 'host']);
    assert.equal(embed.fields[1].value, '87.0 %');
    assert.match(embed.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Slack: text and blocks
    assert.match(slack.json.text, /^\[FIRING\] mem_high/);
    assert.deepEqual(slack.json.blocks.map((b) => b.type), ['header', 'section', 'context']);
    assert.equal(slack.json.blocks[0].text.type, 'plain_text');
    assert.equal(slack.json.blocks[0].text.text, '[FIRING] mem_high (critical)');
    assert.equal(slack.json.blocks[1].text.type, 'mrkdwn');
    assert.equal(slack.json.blocks[1].fields[0].text, '*Series*\nmemory.ram_used');
    // the webhook document, with its headers
    assert.equal(hook.headers['x-token'], 'e2e');
    assert.equal(hook.headers['x-team'], 'gpu');
    assert.equal(hook.json.version, 1);
    assert.equal(hook.json.status, 'firing');
    assert.equal(hook.json.repeat, false);
    const a = hook.json.alert;
    assert.equal(a.name, 'mem_high');
    assert.equal(a.series, 'memory.ram_used');
    assert.equal(a.severity, 'critical');
    assert.equal(a.state, 'firing');
    assert.equal(a.unit, 'percent');
    assert.equal(a.condition, 'above');
    assert.equal(a.threshold, 80);
    assert.equal(a.clear, 60);
    assert.ok(Math.abs(a.value - 86.97) < 0.01, `value ${a.value}`);
    assert.equal(a.resolved_at, null);
    assert.equal(typeof a.fired_at_ms, 'number');
    assert.equal(typeof hook.json.host, 'string');

    // the state everywhere it is shown
    const api = (await v.get('/api/v1/alerts')).json;
    assert.equal(api.counts.firing, 1);
    assert.equal(api.active[0].name, 'mem_high');
    assert.equal(api.active[0].state, 'firing');
    assert.equal(api.recent[0].state, 'firing');
    assert.ok(api.rules.some((r) => r.name === 'mem_high' && r.ratio_of === 'memory.ram_total'));
    const metrics = (await v.get('/metrics')).text;
    assert.match(metrics, /^vigil_alerts\{alertname="mem_high",series="memory.ram_used",severity="critical",state="firing"\} 1$/m);
    assert.equal((await v.get('/health')).json.alerts.firing, 1);
    const change = await ws.next((m) => m.method === 'alert');
    assert.equal(change.params.channel, 'alerts');
    assert.equal(change.params.data.previous_state, 'inactive');
    assert.equal(change.params.data.alert.state, 'firing');
    const list = await ws.next((m) => m.method === 'metrics' && m.params.data.length === 1);
    assert.equal(list.params.data[0].name, 'mem_high');

    // between clear and threshold: still firing (hysteresis), then 35 % used: resolved
    proc.setAvailable(2414572); // 70 % used
    await until(async () => (await v.get('/api/v1/alerts')).json.active[0]?.value < 75, 'the value to drop');
    assert.equal((await v.get('/api/v1/alerts')).json.active[0].state, 'firing');
    proc.setAvailable(5242880);
    await v.waitLog(/alert: mem_high on memory.ram_used: firing -> resolved \(34\.9 %\)/);
    const [dr] = await rx.waitFor('/discord', isResolved);
    const [sr] = await rx.waitFor('/slack', isResolved);
    const [hr] = await rx.waitFor('/hook', isResolved);
    assert.match(dr.json.content, /^\[RESOLVED\] mem_high on .+: memory\.ram_used is 34\.9 % \(fired for /);
    assert.equal(dr.json.embeds[0].title, '[RESOLVED] mem_high (critical)');
    assert.match(sr.json.text, /^\[RESOLVED\] mem_high/);
    assert.equal(sr.json.blocks[0].text.text, '[RESOLVED] mem_high (critical)');
    assert.equal(hr.json.status, 'resolved');
    assert.equal(hr.json.alert.state, 'resolved');
    assert.equal(typeof hr.json.alert.resolved_at_ms, 'number');
    assert.ok(hr.json.alert.resolved_at_ms >= hr.json.alert.fired_at_ms);
    assert.equal(rx.on('/discord').length, 2, 'one firing, one resolve: no repeats, no duplicates');
    const resolvedChange = await ws.next((m) => m.method === 'alert' && m.params.data.alert.state === 'resolved');
    assert.equal(resolvedChange.params.data.previous_state, 'firing');
    await ws.close();

    // the failing endpoint: 1 + 3 attempts for each message, the delay doubling
    const fails = await rx.waitFor('/fail', isFiring, 4);
    const gaps = [1, 2, 3].map((i) => fails[i].at - fails[i - 1].at);
    assert.ok(gaps[0] >= 300 - 20 && gaps[1] >= 600 - 20 && gaps[2] >= 1200 - 20, `gaps ${gaps}`);
    await rx.waitFor('/fail', isResolved, 4);
    assert.ok(rx.on('/fail', isResolved)[0].at >= fails[3].at, 'the resolve waited for its firing');
    // the hanging one: an attempt, a timeout, the back-off, one retry
    const hangs = await rx.waitFor('/hang', isFiring, 2);
    assert.ok(hangs[1].at - hangs[0].at >= 1500 + 300 - 20, `retried after ${hangs[1].at - hangs[0].at} ms`);

    const notifiers = await until(async () => {
      const n = (await v.get('/api/v1/alerts')).json.notifiers;
      const by = Object.fromEntries(n.map((x) => [x.name, x]));
      return by.failing.failed === 2 && by.hanging.failed >= 1 ? by : null;
    }, 'the failing notifiers to give up');
    for (const name of ['discord', 'slack', 'hook']) {
      assert.equal(notifiers[name].sent, 2, name);
      assert.equal(notifiers[name].failed, 0, name);
      assert.equal(notifiers[name].last_error, null, name);
    }
    assert.equal(notifiers.failing.retries, 6);
    assert.equal(notifiers.failing.last_error, 'HTTP 500');
    assert.match(notifiers.hanging.last_error, /timed out/i);
    const m2 = (await v.get('/metrics')).text;
    assert.match(m2, /^vigil_alert_notifications_total\{notifier="discord",result="sent"\} 2$/m);
    assert.match(m2, /^vigil_alert_notifications_total\{notifier="failing",result="failed"\} 2$/m);
    assert.match(m2, /^vigil_alert_notifications_dropped_total\{notifier="hook"\} 0$/m);
    assert.match(m2, /^vigil_alert_notification_retries_total\{notifier="failing"\} 6$/m);
    assert.doesNotMatch(m2, /^vigil_alerts\{/m, 'nothing pending or firing');
    await v.waitLog(/notify: 'failing': gave up after 4 attempts: HTTP 500/);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
    await rx.close();
  }
});

test('the built-in GPU rules fire against the fake GPU library, one instance per GPU', async () => {
  const rx = await startReceiver();
  const scenario = path.join(tmp, 'gpus.scenario');
  fs.writeFileSync(
    scenario,
    [
      'count=2',
      'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.temp=91', 'gpu0.mem_total=85520809984',
      'gpu0.mem_used=83000000000', 'gpu0.util=99',
      'gpu1.name=NVIDIA H100 80GB HBM3', 'gpu1.temp=50', 'gpu1.mem_total=85520809984',
      'gpu1.mem_used=1000000000', 'gpu1.util=3',
    ].join('\n') + '\n',
  );
  const config = path.join(tmp, 'gpu.ini');
  // the built-in rules, made quick for a test: only `for` changes
  fs.writeFileSync(
    config,
    `[alert "gpu_hot"]
for = 0s

[alert "gpu_memory_full"]
for = 0s

[notify "hook"]
kind = webhook
url = ${rx.url('/hook')}
`,
  );
  const v = await startVigil({
    args: ['--config', config, '--interval', '200ms'],
    env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
  });
  try {
    const hot = await rx.waitFor('/hook', (r) => r.json?.alert.name === 'gpu_hot');
    assert.equal(hot[0].json.status, 'firing');
    assert.equal(hot[0].json.alert.series, 'gpu.0.temperature');
    assert.equal(hot[0].json.alert.value, 91);
    assert.equal(hot[0].json.alert.unit, 'celsius');
    assert.equal(hot[0].json.alert.threshold, 85);
    assert.equal(hot[0].json.alert.severity, 'warning');
    assert.match(hot[0].json.text, /gpu\.0\.temperature is 91 °C, above 85 °C/);
    const full = await rx.waitFor('/hook', (r) => r.json?.alert.name === 'gpu_memory_full');
    assert.equal(full[0].json.alert.series, 'gpu.0.memory_used');
    assert.equal(full[0].json.alert.unit, 'percent');
    assert.ok(Math.abs(full[0].json.alert.value - 97.05) < 0.01, `${full[0].json.alert.value}`);
    const api = await until(async () => {
      const j = (await v.get('/api/v1/alerts')).json;
      return j.counts.instances >= 6 ? j : null; // 2 GPUs x 2 rules, and the two agent rules
    }, 'an instance per GPU');
    assert.deepEqual(api.active.map((x) => `${x.name} ${x.series}`).sort(),
      ['gpu_hot gpu.0.temperature', 'gpu_memory_full gpu.0.memory_used']);
    assert.equal(rx.on('/hook', (r) => /gpu\.1\./.test(r.body)).length, 0, 'GPU 1 is fine');
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
    await rx.close();
  }
});

test('the built-in agent error-rate rule fires and resolves on ingested events', async () => {
  const rx = await startReceiver();
  const config = path.join(tmp, 'agents.ini');
  fs.writeFileSync(config, `[notify "hook"]\nkind = webhook\nurl = ${rx.url('/hook')}\n`);
  const v = await startVigil({ args: ['--config', config, '--interval', '200ms'] });
  try {
    const post = (events) =>
      fetch(v.url('/api/v1/ingest'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: events.map((e) => JSON.stringify(e)).join('\n') + '\n',
      });
    const call = (error) => ({ type: 'model_call', model: 'e2e-model', latency_ms: 12, ...(error ? { error } : {}) });
    const probe = await post([call()]);
    assert.equal(probe.status, 200);
    // 3 failed of 10: 30 % over 5 minutes, above 10 %
    await post([...Array(3)].map(() => call('upstream 500')).concat([...Array(6)].map(() => call())));
    const [fired] = await rx.waitFor('/hook', (r) => r.json?.alert.name === 'agent_errors' && r.json.status === 'firing');
    assert.equal(fired.json.alert.series, 'agents.error_rate');
    assert.equal(fired.json.alert.severity, 'critical');
    // 3 of 60: 5 %, under the clear level of 8 %
    await post([...Array(50)].map(() => call()));
    const [resolved] = await rx.waitFor('/hook', (r) => r.json?.alert.name === 'agent_errors' && r.json.status === 'resolved');
    assert.ok(resolved.json.alert.value < 0.08, `${resolved.json.alert.value}`);
  } finally {
    assert.equal(await v.stop(), 0, v.stderr);
    await rx.close();
  }
});

test('check-config names the file and line of a bad rule or notifier, and masks secrets', () => {
  const bad = path.join(tmp, 'bad.ini');
  fs.writeFileSync(bad, '[alert "x"]\nseries = gpu.*.temperature\nabove = 90\nseverity = urgent\n');
  let r = runVigil(['check-config', '--config', bad]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), `vigil: ${bad}:4: unknown severity 'urgent' for key 'severity' (use info, warning or critical)`);

  fs.writeFileSync(bad, '[alert "x"]\nseries = a.b\nabove = 1\nnotify = ops\n');
  r = runVigil(['check-config', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.ini:4: unknown notifier 'ops' for key 'notify' \(no \[notify "ops"\] section\)/);

  fs.writeFileSync(bad, '[alert "x"]\nseries = a.b\nabove = 1\nfor = soon\n');
  r = runVigil(['check-config', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.ini:4: bad duration 'soon' for key 'for'/);

  fs.writeFileSync(bad, '[notify "ops"]\nkind = teams\nurl = https://example.com/x\n');
  r = runVigil(['check-config', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.ini:2: unknown kind 'teams'/);

  const good = path.join(tmp, 'good.ini');
  fs.writeFileSync(good, '[alert "gpu_hot"]\nenabled = false\n\n[notify "ops"]\nkind = discord\nurl = https://discord.com/api/webhooks/1/s3cret\n');
  r = runVigil(['check-config', '--config', good]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[alert "gpu_hot"\] ; built in\nenabled = false\n/);
  assert.match(r.stdout, /\[notify "ops"\]\nenabled = true\nkind = discord\nurl = https:\/\/discord\.com\/\*\*\*\n/);
  assert.doesNotMatch(r.stdout, /s3cret/);
});
