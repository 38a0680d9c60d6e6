/**
 * Minimal WebSocket client over TLS (HTTP/1.1 upgrade), for test/edge.test.ts.
 * Usage: node edge-ws-client.js <host> <port> <path> <message>
 * Prints one JSON line: { status, accept, first, echo } (accept: Sec-WebSocket-Accept verified).
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:tls';

const [host = '127.0.0.1', portArg = '8443', path = '/api/socket.io/?EIO=4&transport=websocket', message = 'hello edge'] = process.argv.slice(2);

function masked(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const data = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, data]);
}

function readFrame(buf: Buffer): { text: string; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined;
  const len = buf[1]! & 0x7f;
  if (buf.length < 2 + len) return undefined;
  return { text: buf.subarray(2, 2 + len).toString(), rest: buf.subarray(2 + len) };
}

const key = randomBytes(16).toString('base64');
const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
const result: { status?: number; accept?: boolean; first?: string; echo?: string; error?: string } = {};
const timer = setTimeout(() => finish('timeout'), 10000);

function finish(error?: string): void {
  clearTimeout(timer);
  if (error) result.error = error;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const socket = connect({ host, port: Number(portArg), servername: 'localhost', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false }, () => {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
});
let buf: Buffer = Buffer.alloc(0);
let upgraded = false;
socket.on('data', (chunk: Buffer) => {
  buf = Buffer.concat([buf, chunk]);
  if (!upgraded) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString();
    buf = buf.subarray(end + 4);
    result.status = Number(head.split(' ')[1]);
    result.accept = new RegExp(`^sec-websocket-accept: ${expected.replace(/[+/=]/g, (c) => `\\${c}`)}$`, 'im').test(head);
    if (result.status !== 101) return finish();
    upgraded = true;
  }
  for (let f = readFrame(buf); f; f = readFrame(buf)) {
    buf = f.rest;
    if (result.first === undefined) {
      result.first = f.text;
      socket.write(masked(message));
    } else {
      result.echo = f.text;
      socket.end();
      return finish();
    }
  }
});
socket.on('error', (err) => finish(err.message));
