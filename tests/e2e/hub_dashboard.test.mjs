// A hub's dashboard in a real browser (Debian's Chromium through playwright-core, as in
// dashboard.test.mjs): a node with two GPUs from the fake NVML, a node that is not there,
// and a hub with a token that watches both. The page opens on the overview (a row per
// node: state, each GPU's utilisation and temperature, tokens/s, sessions, firing alerts),
// and choosing a node, from the list in the header or a row's link, switches every card,
// chart and live channel to it; choosing "local" comes back to the hub's own host.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, fakes, repo } from './lib/vigil.mjs';
import { closedPort } from './lib/fake_targets.mjs';
import { haveChromium, launch, waitText } from './lib/browser.mjs';

const TOKEN = 'hub-dash-token';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-hubdash-e2e-'));
const skip = !haveChromium && 'no Chromium at /usr/bin/chromium (make deps installs it)';
let browser;

before(async () => {
  if (haveChromium) browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const text = (page, sel) => page.locator(sel).first().innerText();

describe('a hub\'s dashboard: the overview of its nodes and the node choice', { skip }, () => {
  let node;
  let hub;
  before(async () => {
    const scenario = path.join(tmp, 'gpus');
    fs.writeFileSync(
      scenario,
      [
        'count=2', 'driver=550.54.15',
        'gpu0.name=NVIDIA H100 80GB HBM3', 'gpu0.util=87', 'gpu0.temp=71', 'gpu0.mem_total=85520809984',
        'gpu0.mem_used=70000000000', 'gpu0.power_mw=612000', 'gpu0.limit_mw=700000',
        'gpu1.name=NVIDIA L4', 'gpu1.util=13', 'gpu1.temp=48', 'gpu1.mem_total=24152899584',
        'gpu1.mem_used=500000000',
      ].join('\n') + '\n',
    );
    node = await startVigil({
      args: ['--interval', '500ms'],
      env: { LD_LIBRARY_PATH: fakes, FAKE_NVML_SCENARIO: scenario },
    });
    const ini = path.join(tmp, 'hub.ini');
    fs.writeFileSync(ini, [
      '[collect]', 'interval = 500ms', '',
      '[node "gpu-a"]', `url = http://127.0.0.1:${node.port}`, '',
      '[node "gone"]', `url = http://127.0.0.1:${await closedPort()}`, '',
    ].join('\n'));
    hub = await startVigil({ args: ['--config', ini], token: TOKEN });
    // the node is up and its stream relayed before the page opens
    const deadline = Date.now() + 30000;
    for (;;) {
      const n = (await hub.get('/api/v1/nodes')).json.nodes.find((x) => x.name === 'gpu-a');
      if (n.state === 'up' && n.stream === 'connected' && n.summary && n.summary.gpus === 2) break;
      if (Date.now() > deadline) throw new Error(`node not up: ${JSON.stringify(n)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    for (const v of [hub, node]) assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
  });

  test('the page opens on the overview, a row per node', async () => {
    const page = await browser.newPage({ width: 1280, height: 800 });
    await page.goto(hub.url(`/#token=${TOKEN}`));
    await page.waitForSelector('#overview:not([hidden])');
    await page.waitForSelector('#conn[data-state="live"]');
    const row = (n) => `#overview tr[data-node="${n}"]`;
    await waitText(page, `${row('gpu-a')} [data-k="gpus"]`, /^0: 87% 71 °C · 1: 13% 48 °C$/);
    assert.deepEqual(await page.locator('#overview tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.node)),
      ['local', 'gpu-a', 'gone']);
    assert.equal(await text(page, `${row('gpu-a')} [data-k="state"]`), 'up');
    assert.equal(await text(page, `${row('local')} [data-k="state"]`), 'up');
    assert.equal(await text(page, `${row('local')} [data-k="gpus"]`), 'none');
    assert.equal(await text(page, `${row('gpu-a')} [data-k="sessions"]`), '0');
    assert.equal(await text(page, `${row('gpu-a')} [data-k="alerts"]`), '0');
    await waitText(page, `${row('gone')} [data-k="state"]`, /^down$/);
    assert.equal(await text(page, `${row('gone')} [data-k="gpus"]`), 'n/a');
    assert.equal(await text(page, `${row('gone')} [data-k="seen"]`), 'never');
    assert.match(await page.getAttribute(`${row('gone')} [data-k="state"]`, 'title'), /connect/i);
    assert.equal(await text(page, '#overview [data-k="count"]'), '2 of 3 up');
    assert.equal(await page.getAttribute(row('local'), 'aria-current'), 'page', 'the hub itself is shown');
    // the choice in the header lists every node, the hub first
    assert.deepEqual(await page.locator('#node-select option').allInnerTexts(),
      ['local (this hub)', 'gpu-a', 'gone (down)']);
    assert.equal(await page.inputValue('#node-select'), 'local');
    // the hub's own cards: it has no GPU
    await waitText(page, '#chart-gpu [data-k="empty"]', /not available/);
    const shots = path.join(repo, 'build', 'screenshots');
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'hub-overview.png') });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('choosing a node switches every card, chart and live channel to it', async () => {
    const page = await browser.newPage({ width: 1280, height: 800 });
    await page.goto(hub.url(`/#token=${TOKEN}`));
    await page.waitForSelector('#node-pick:not([hidden])');
    await page.selectOption('#node-select', 'gpu-a');
    await page.waitForURL(/\?node=gpu-a$/);
    await page.waitForSelector('#conn[data-state="live"]');
    const g0 = '[data-gpu="0"]';
    await waitText(page, `${g0} [data-k="name"]`, /^NVIDIA H100 80GB HBM3$/);
    assert.equal(await text(page, `${g0} [data-k="util"]`), '87%');
    assert.equal(await text(page, `${g0} [data-k="temp"]`), '71 °C');
    assert.equal(await text(page, '[data-gpu="1"] [data-k="util"]'), '13%');
    assert.equal(await page.inputValue('#node-select'), 'gpu-a');
    assert.equal(await page.getAttribute('#overview tr[data-node="gpu-a"]', 'aria-current'), 'page');
    // live: the node's channels arrive through the hub (node/gpu-a/...) and move the cards
    const before = await page.evaluate(() => window.vigil.app.charts.gpu.table.lastX);
    await page.waitForFunction((t) => window.vigil.app.charts.gpu.table.lastX > t, before, { timeout: 20000, polling: 100 });
    const drawn = await page.evaluate(() => {
      const c = window.vigil.app.charts.gpu;
      return c.u ? c.u.data.slice(1).reduce((m, ys) => Math.max(m, ys.filter((y) => y !== null).length), 0) : 0;
    });
    assert.ok(drawn >= 2, `the GPU chart has ${drawn} points from the node's history and stream`);
    await waitText(page, '#host-card [data-k="cpu"]', /^\d+\.\d%$/);
    assert.equal(await page.evaluate(() => window.vigil.app.node), 'gpu-a');
    // and back to the hub itself through its row
    await page.click('#overview tr[data-node="local"] a');
    await page.waitForURL((u) => !u.search.includes('node='));
    await waitText(page, '#chart-gpu [data-k="empty"]', /not available/);
    assert.equal(await page.inputValue('#node-select'), 'local');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('on a phone the overview scrolls sideways, not the page', async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await page.goto(hub.url(`/?node=gpu-a#token=${TOKEN}`));
    await page.waitForSelector('#overview:not([hidden])');
    await waitText(page, '#overview tr[data-node="gpu-a"] [data-k="state"]', /^up$/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
