// A WebSocket client on a raw socket, able to send frames a real client never would:
// unmasked, with reserved bits, bad opcodes, broken fragmentation. It reads the server's
// frames back, so a test can check the close code RFC 6455 asks for.
import net from 'node:net';
import crypto from 'node:crypto';

export function frame({ fin = true, rsv = 0, opcode, payload = Buffer.alloc(0), mask = true, lengthOverride }) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = lengthOverride ?? data.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(head), key, body]);
}

export const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

export function closePayload(code, reason = '') {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

// Connects, upgrades, and returns { send, frames(), closed } where frames() resolves with
// the frames received until the server closes (or timeoutMs passes).
export function connect(port, { path = '/ws', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const received = [];
    let ended = false;
    const waiters = [];
    const settle = () => waiters.splice(0).forEach((w) => w());
    s.on('error', () => {});
    s.on('close', () => {
      ended = true;
      if (!upgraded) reject(new Error('closed before the upgrade'));
      settle();
    });
    s.on('connect', () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        if (!/^HTTP\/1\.1 101/.test(head)) {
          s.destroy();
          reject(new Error(head.split('\r\n')[0]));
          return;
        }
        upgraded = true;
        resolve(api);
      }
      for (;;) {
        if (buf.length < 2) break;
        let len = buf[1] & 0x7f, off = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) break;
        const f = { fin: !!(buf[0] & 0x80), opcode: buf[0] & 0x0f, payload: buf.subarray(off, off + len) };
        received.push(f);
        buf = buf.subarray(off + len);
        // As a real client does, answer the server's Close so that it closes the TCP
        // connection (RFC 6455 5.5.1).
        if (f.opcode === OP.close && !s.destroyed) s.write(frame({ opcode: OP.close, payload: f.payload.subarray(0, 2) }));
      }
      settle();
    });
    const api = {
      socket: s,
      get ended() {
        return ended;
      },
      send: (b) => s.write(b),
      // Resolves when the server has closed the TCP connection, or after timeoutMs, with
      // everything received.
      frames: (timeoutMs = 15000) =>
        new Promise((res) => {
          if (ended) return res(received);
          const timer = setTimeout(() => res(received), timeoutMs);
          const check = () => {
            if (ended) {
              clearTimeout(timer);
              res(received);
            } else waiters.push(check);
          };
          waiters.push(check);
        }),
      // Resolves with the first frame pred accepts.
      until: (pred, timeoutMs = 15000) =>
        new Promise((res, rej) => {
          const check = () => {
            const f = received.find(pred);
            if (f) {
              clearTimeout(timer);
              res(f);
            } else if (ended) {
              clearTimeout(timer);
              rej(new Error('closed'));
            } else waiters.push(check);
          };
          const timer = setTimeout(() => rej(new Error('timeout')), timeoutMs);
          check();
        }),
      closeCode: (frames) => {
        const c = frames.find((f) => f.opcode === OP.close);
        return c && c.payload.length >= 2 ? c.payload.readUInt16BE(0) : c ? 1005 : null;
      },
    };
  });
}
