/**
 * Stand-in for a GitMesh service behind the edge proxy, for test/edge.test.ts and bench/edge.ts.
 * Usage: node edge-upstream.js <api|frontend|webhook> <port> [host] [tls-port cert-file key-file]
 * Listens on [::1] by default (IPv6 only): the edge listens on 0.0.0.0 with the same port numbers
 * inside one network namespace, and different address families do not collide.
 * With tls-port (bench/edge.ts only), the same handler is also served over HTTPS on host:tls-port
 * (HTTP/1.1 keepalive, the edge's certificate and key), so the bench can compare the edge with the
 * upstream reached directly over HTTPS. TLS settings mirror the edge's "intermediate" profile
 * (generators/lib/prepare/edge/view.ts): TLS 1.2-1.3, the same TLS 1.2 ciphers and curves, client cipher
 * preference; session resumption is Node's default (tickets).
 *   any role: /bench → a 3-byte text body (/bench-io: after 5 ms of simulated I/O);
 *             /bench-connections → {"plain":n,"tls":n}, the TCP connections each listener has accepted
 *             so far, this query's own included (bench/edge.ts counts the proxies' new connections).
 *   api:      /echo* → the request as JSON (path, headers), with helmet-like headers the edge must
 *             replace; /big → 16 KB JSON; /socket.io/ → WebSocket echo (first frame: "path:<url>").
 *   frontend: /assets/<hashed>.js → JavaScript with a short Cache-Control the edge must replace;
 *             anything else → index.html.
 *   webhook:  anything → the request as JSON.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Duplex } from 'node:stream';

const [role = 'api', portArg = '8080', host = '::1', tlsPortArg, certFile, keyFile] = process.argv.slice(2);
const port = Number(portArg);
if (tlsPortArg !== undefined && (certFile === undefined || keyFile === undefined)) throw new Error('tls-port needs cert-file and key-file');

/** The edge's TLS profile (intermediate): TLS 1.3 suites are OpenSSL's defaults, as nginx leaves them. */
const TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [
    'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  ecdhCurve: 'X25519:prime256v1:secp384r1',
  honorCipherOrder: false,
} as const;

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>GitMesh</title><script type="module" src="/assets/app-3f9a1c7e.js"></script></head><body><div id="app"></div>${'<!-- padding -->'.repeat(100)}</body></html>`;
const ASSET = `export const hello = () => 'gitmesh';\n${'// hashed asset padding\n'.repeat(200)}`;
const BIG = JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `member-${i}`, active: i % 2 === 0 })) });

function echo(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    // What helmet/express add upstream; the edge hides them and sends its own.
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'",
    'X-Powered-By': 'Express',
  });
  res.end(JSON.stringify({ role, path: req.url, headers: req.headers }));
}

/** TCP connections accepted per listener (bench/edge.ts reads them through /bench-connections). */
const accepted = { plain: 0, tls: 0 };

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url.startsWith('/bench')) {
    if (url === '/bench-connections') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(accepted));
      return;
    }
    // /bench-io: 5 ms of simulated I/O (a database round trip), like an API call.
    const reply = () => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '3' });
      res.end('ok\n');
    };
    if (url.startsWith('/bench-io')) setTimeout(reply, 5);
    else reply();
    return;
  }
  if (role === 'api') {
    if (url.startsWith('/big')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(BIG);
      return;
    }
    echo(req, res);
    return;
  }
  if (role === 'frontend') {
    if (url.startsWith('/assets/')) {
      res.writeHead(200, { 'Content-Type': 'application/javascript', 'Cache-Control': 'max-age=60' });
      res.end(ASSET);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'max-age=3600' });
    res.end(INDEX);
    return;
  }
  echo(req, res);
}

/** Server → client text frame (unmasked). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('frame too long for this stand-in');
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

/** Decodes complete client frames (masked) from `buf`; returns texts and the unconsumed rest. */
function decode(buf: Buffer): { texts: { opcode: number; text: string }[]; rest: Buffer } {
  const texts: { opcode: number; text: string }[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const opcode = buf[off]! & 0x0f;
    let len = buf[off + 1]! & 0x7f;
    const masked = (buf[off + 1]! & 0x80) !== 0;
    let head = 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      head = 4;
    } else if (len === 127) {
      throw new Error('64-bit frames are not supported by this stand-in');
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length - off < head + maskLen + len) break;
    const mask = buf.subarray(off + head, off + head + maskLen);
    const data = Buffer.from(buf.subarray(off + head + maskLen, off + head + maskLen + len));
    if (masked) for (let i = 0; i < data.length; i += 1) data[i] = data[i]! ^ mask[i % 4]!;
    texts.push({ opcode, text: data.toString() });
    off += head + maskLen + len;
  }
  return { texts, rest: buf.subarray(off) };
}

function upgrade(req: IncomingMessage, socket: Duplex): void {
  const key = req.headers['sec-websocket-key'];
  if (role !== 'api' || !(req.url ?? '').startsWith('/socket.io/') || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.write(frame(`path:${req.url}`));
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const { texts, rest } = decode(Buffer.concat([pending, chunk]));
    pending = rest;
    for (const { opcode, text } of texts) {
      if (opcode === 0x8) {
        socket.end(Buffer.from([0x88, 0x00]));
        return;
      }
      if (opcode === 0x1) socket.write(frame(`echo:${text}`));
    }
  });
  socket.on('error', () => socket.destroy());
}

function listen(server: Server | TlsServer, at: number, counter: keyof typeof accepted): Promise<void> {
  server.keepAliveTimeout = 5000;
  server.on('connection', () => (accepted[counter] += 1));
  server.on('upgrade', upgrade);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: at, ipv6Only: host.includes(':') }, () => resolve());
  });
}

await listen(createServer(handle), port, 'plain');
if (tlsPortArg !== undefined) {
  await listen(createTlsServer({ ...TLS_OPTIONS, cert: readFileSync(certFile!), key: readFileSync(keyFile!) }, handle), Number(tlsPortArg), 'tls');
}
// One line once every listener is up: startUpstream (test/support/edge-lab.ts) waits for it.
process.stdout.write(`listening ${role} ${host} ${port}${tlsPortArg === undefined ? '' : ` https ${tlsPortArg}`}\n`);
process.on('SIGTERM', () => process.exit(0));
