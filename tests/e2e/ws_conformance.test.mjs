// WebSocket protocol conformance over raw sockets, after the Autobahn|Testsuite case list:
// framing, reserved bits, opcodes, fragmentation, control frames, close codes, UTF-8 and
// size limits. Each case expects what RFC 6455 requires: the right close code, not a crash,
// not a hang. libwebsockets does the protocol; these prove vigil's use of it keeps it so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil } from './lib/vigil.mjs';
import { connect, frame, OP, closePayload } from './lib/rawws.mjs';

let v;
before(async () => {
  v = await startVigil({ args: ['--max-message-bytes', '4KiB'] });
});
after(async () => {
  assert.equal((await v.get('/health')).status, 200, 'still serving after every case');
  assert.equal(await v.stop(), 0, `vigil did not exit cleanly:\n${v.stderr}`);
});

const rpc = (id, method) => JSON.stringify({ jsonrpc: '2.0', id, method });

// RFC 6455 7.1.7: to fail the connection an endpoint closes it, and SHOULD send a Close
// frame first; Autobahn accepts both. So a close frame, when there is one, must carry the
// expected code, and the connection must be closed either way (not left hanging).
async function expectClose(frames, codes, name) {
  const c = await connect(v.port);
  for (const f of frames) c.send(f);
  const got = await c.frames();
  assert.ok(c.ended, `${name}: the connection was left open`);
  const code = c.closeCode(got);
  assert.ok(code === null || codes.includes(code), `${name}: close code ${code}, expected ${codes.join(' or ')}`);
  return code;
}

test('1.x text messages of every length class are answered', async () => {
  for (const pad of [0, 200, 70000 - 100]) {
    const c = await connect(v.port);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'health', params: { pad: 'x'.repeat(pad) } });
    if (body.length > 4096) {
      c.send(frame({ opcode: OP.text, payload: body }));
      const got = await c.frames();
      assert.equal(c.closeCode(got), 1009, 'over max_message_bytes: 1009');
      continue;
    }
    c.send(frame({ opcode: OP.text, payload: body }));
    const reply = await c.until((f) => f.opcode === OP.text);
    assert.equal(JSON.parse(reply.payload).result.status, 'ok');
    c.socket.destroy();
  }
});

test('2.x ping is answered with a pong of the same payload; unsolicited pong is ignored', async () => {
  const c = await connect(v.port);
  c.send(frame({ opcode: OP.pong, payload: 'unasked' }));
  c.send(frame({ opcode: OP.ping, payload: 'hello' }));
  const pong = await c.until((f) => f.opcode === OP.pong);
  assert.equal(pong.payload.toString(), 'hello');
  c.send(frame({ opcode: OP.text, payload: rpc(2, 'health') }));
  await c.until((f) => f.opcode === OP.text);
  c.socket.destroy();
});

test('2.x control frames over 125 bytes or fragmented fail the connection', async () => {
  await expectClose([frame({ opcode: OP.ping, payload: Buffer.alloc(126) })], [1002], 'ping 126');
  await expectClose([frame({ opcode: OP.ping, fin: false, payload: 'a' })], [1002], 'fragmented ping');
});

test('3.x reserved bits without an extension fail the connection', async () => {
  for (const rsv of [1, 2, 4, 7]) await expectClose([frame({ opcode: OP.text, rsv, payload: rpc(1, 'health') })], [1002], `rsv ${rsv}`);
});

test('4.x reserved opcodes fail the connection', async () => {
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) await expectClose([frame({ opcode, payload: 'x' })], [1002], `opcode ${opcode}`);
});

test('5.x fragmentation: reassembled, with pings between; broken sequences fail', async () => {
  const c = await connect(v.port);
  const body = rpc(5, 'health');
  c.send(frame({ opcode: OP.text, fin: false, payload: body.slice(0, 10) }));
  c.send(frame({ opcode: OP.ping, payload: 'mid' }));
  c.send(frame({ opcode: OP.cont, fin: false, payload: body.slice(10, 20) }));
  c.send(frame({ opcode: OP.cont, fin: true, payload: body.slice(20) }));
  const reply = await c.until((f) => f.opcode === OP.text);
  assert.equal(JSON.parse(reply.payload).id, 5);
  assert.ok(await c.until((f) => f.opcode === OP.pong));
  c.socket.destroy();
  await expectClose([frame({ opcode: OP.cont, payload: 'orphan' })], [1002], 'continuation without a start');
  await expectClose([frame({ opcode: OP.text, fin: false, payload: 'a' }), frame({ opcode: OP.text, payload: 'b' })], [1002], 'new message inside a fragmented one');
});

test('6.x invalid UTF-8 in a text message fails with 1007', async () => {
  await expectClose([frame({ opcode: OP.text, payload: Buffer.from([0x7b, 0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xed, 0xa0, 0x80, 0x7d]) })], [1007], 'surrogate');
  await expectClose([frame({ opcode: OP.text, payload: Buffer.from([0xff, 0xfe]) })], [1007], 'bad bytes');
  await expectClose([frame({ opcode: OP.text, fin: false, payload: Buffer.from([0xce]) }), frame({ opcode: OP.cont, payload: Buffer.from([0x41]) })], [1007], 'split sequence broken');
});

test('7.x close handshake and close codes', async () => {
  const c = await connect(v.port);
  c.send(frame({ opcode: OP.close, payload: closePayload(1000, 'bye') }));
  const got = await c.frames();
  assert.equal(c.closeCode(got), 1000, 'a normal close is echoed');
  for (const bad of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) await expectClose([frame({ opcode: OP.close, payload: closePayload(bad) })], [1002], `close code ${bad}`);
  await expectClose([frame({ opcode: OP.close, payload: Buffer.from([3]) })], [1002], 'close with a 1-byte payload');
  const ok = await connect(v.port);
  ok.send(frame({ opcode: OP.close, payload: closePayload(3000) }));
  assert.equal(ok.closeCode(await ok.frames()), 3000, 'a registered code is accepted');
});

test('9.x a message over max_message_bytes fails with 1009, also when fragmented', async () => {
  await expectClose([frame({ opcode: OP.text, payload: 'x'.repeat(5000) })], [1009], 'one frame');
  const parts = [];
  for (let i = 0; i < 6; i++) parts.push(frame({ opcode: i ? OP.cont : OP.text, fin: i === 5, payload: 'x'.repeat(1000) }));
  await expectClose(parts, [1009], 'fragments');
});

test('binary messages fail the connection with 1003', async () => {
  await expectClose([frame({ opcode: OP.binary, payload: Buffer.from([1, 2, 3]) })], [1003], 'binary');
});

// RFC 6455 5.1 says a server MUST close on an unmasked client frame; libwebsockets 4.1
// reads it as if it were masked and does not say so to the callback, so vigil cannot tell.
// What is held here is the weaker promise: no crash, no hang, service goes on. The README
// lists this among the known deviations.
test('an unmasked client frame does not harm the daemon (a known libwebsockets leniency)', async () => {
  const c = await connect(v.port);
  c.send(frame({ opcode: OP.text, payload: rpc(1, 'health'), mask: false }));
  c.send(frame({ opcode: OP.text, payload: rpc(2, 'health') }));
  const reply = await c.until((f) => f.opcode === OP.text && JSON.parse(f.payload).id === 2).catch(() => null);
  assert.ok(reply || c.ended, 'either the connection is served or it is closed');
  c.socket.destroy();
  assert.equal((await v.get('/health')).status, 200);
});

test('an upgrade on another path, or without the WebSocket headers, is refused', async () => {
  await assert.rejects(connect(v.port, { path: '/api/v1/system' }));
  const plain = await fetch(v.url('/ws'));
  assert.notEqual(plain.status, 101);
  assert.equal((await v.get('/health')).status, 200);
});
