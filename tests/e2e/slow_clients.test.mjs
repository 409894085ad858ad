// Clients that never read: the daemon's memory stays bounded, other clients keep receiving
// every sample, and the stuck ones are cut off and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startVigil } from './lib/vigil.mjs';
import { RpcClient } from './lib/ws.mjs';
import { connect, frame, OP } from './lib/rawws.mjs';

const rssKiB = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)[1]);

test('stuck clients are cut off while a reading client gets every sample', async () => {
  // ASan keeps freed memory in quarantine (256 MiB by default), which would read as growth.
  const env = { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:quarantine_size_mb=8` };
  const v = await startVigil({ env, args: ['--interval', '100ms', '--queue-frames', '8', '--stuck-timeout', '1s'] });
  let asking;
  try {
    const good = await RpcClient.open(`ws://127.0.0.1:${v.port}/ws`);
    await good.call('subscribe', { channels: ['system/cpu'] });
    await v.nextSamples(5); // some history, so answers below have weight
    const before = rssKiB(v.proc.pid);

    // Stuck clients subscribe to everything and keep asking for answers (the system
    // snapshot, a few KiB each), but never read: their socket buffers fill within a second
    // or two, then their queues, and they stay stuck. (Cheap requests on purpose: what is
    // tested is a reader that stops, not the cost of one large history query on the loop.)
    const STUCK = 4;
    const ask = (k) => frame({ opcode: OP.text, payload: JSON.stringify({ jsonrpc: '2.0', id: k, method: 'system.snapshot' }) });
    const stuck = [];
    for (let i = 0; i < STUCK; i++) {
      const c = await connect(v.port);
      c.socket.pause(); // never read again
      c.send(frame({ opcode: OP.text, payload: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'subscribe', params: { channels: ['*'] } }) }));
      stuck.push(c);
    }
    let k = 1;
    asking = setInterval(() => {
      for (const c of stuck) if (!c.socket.destroyed) c.send(Buffer.concat(Array.from({ length: 10 }, () => ask(k++))));
    }, 100);

    // Meanwhile the reading client sees consecutive samples, none skipped.
    good.notes.length = 0;
    const stamps = [];
    for (let i = 0; i < 30; i++) stamps.push((await good.next((m) => m.params.channel === 'system/cpu')).params.timestamp_ms);
    const points = (await v.get('/api/v1/history?series=cpu.overall_utilization&from=-10m')).json.series[0].points.map((p) => p[0]);
    const at = points.indexOf(stamps[0]);
    assert.ok(at >= 0);
    assert.deepEqual(points.slice(at, at + stamps.length), stamps, 'every sample reached the reading client');

    // The stuck ones are cut off and counted.
    let dropped = 0;
    for (let i = 0; i < 300 && dropped < STUCK; i++) {
      dropped = (await v.get('/health')).json.streams.clients_dropped_slow;
      if (dropped < STUCK) await v.nextSamples(1);
    }
    assert.equal(dropped, STUCK);
    const h = await v.get('/health');
    assert.equal(h.json.streams.websocket_clients, 1, 'only the reading client is left');
    assert.ok(h.json.streams.frames_dropped > 0);
    // Memory: bounded by the queues (8 frames each), not by what was asked for; a stuck
    // client's requests stop being read once its queue is half full.
    const grew = rssKiB(v.proc.pid) - before;
    assert.ok(grew < 64 * 1024, `RSS grew by ${grew} KiB`);
    clearInterval(asking);
    for (const c of stuck) c.socket.destroy();
    await good.close();
  } finally {
    clearInterval(asking);
    assert.equal(await v.stop(), 0, v.stderr);
  }
});
