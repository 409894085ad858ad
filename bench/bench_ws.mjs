// bench_ws: 1,000 WebSocket clients subscribed to system/cpu and agents on loopback, the
// daemon at a 1 s interval. Prints the daemon's CPU (percent of one core, from
// /proc/<pid>/stat over the measured window) and the delay from sample to delivery (the
// notification's timestamp_ms, when the sample was read, to its arrival here), p50/p99.
// Targets: CPU under 5 % of one core, p99 delay under 20 ms.
import fs from 'node:fs';
import WebSocket from 'ws';
import { startVigil } from '../tests/e2e/lib/vigil.mjs';

const CLIENTS = Number(process.env.BENCH_WS_CLIENTS || 1000);
const SECONDS = Number(process.env.BENCH_WS_SECONDS || 30);
const ticks = () => {
  const f = fs.readFileSync(`/proc/${v.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 Hz)
};

const v = await startVigil({ args: ['--interval', '1s', '--max-connections', String(CLIENTS + 64)] });
const delays = [];
let measuring = false;
const sockets = [];
for (let i = 0; i < CLIENTS; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${v.port}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (measuring && m.method === 'metrics') delays.push(Date.now() - m.params.timestamp_ms);
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { channels: ['system/cpu', 'agents'] } }));
  sockets.push(ws);
}
await new Promise((r) => setTimeout(r, 2000)); // let the subscriptions and catch-up settle
measuring = true;
const t0 = ticks();
const w0 = Date.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const cpu = ((ticks() - t0) / 100) / ((Date.now() - w0) / 1000) * 100;
measuring = false;
for (const ws of sockets) ws.terminate();
await v.stop();
delays.sort((a, b) => a - b);
const q = (p) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))];
console.log(`websocket fan-out, ${CLIENTS} clients on system/cpu and agents at 1 s: daemon CPU ${cpu.toFixed(2)} % of one core; ` +
  `sample-to-delivery delay p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (${delays.length} notifications in ${SECONDS} s)`);
