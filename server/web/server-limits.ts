/**
 * Limits on the wizard's listening sockets (docs/decisions/0620): one client holding 19,900
 * idle connections took the wizard from 300 MB to 1.15 GB. The numbers are for a setup wizard
 * that one person uses at a time, with room for a browser's parallel connections and htmx's
 * polling.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface ServerLimits {
  /** Open connections in all (TCP, before TLS). */
  maxConnections: number;
  /** Open connections from one address (an IPv6 client is its /64). */
  perAddress: number;
  /** A TLS handshake must finish within this. */
  handshakeMs: number;
  /** All request headers within this. */
  headersMs: number;
  /** The whole request (headers and body) within this. */
  requestMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveMs: number;
  /** A connection with no traffic at all is closed after this. */
  idleMs: number;
}

export const SERVER_LIMITS: ServerLimits = {
  maxConnections: 256,
  perAddress: 32,
  handshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 60_000,
};

/**
 * TLS 1.3 suites, and for TLS 1.2 only ECDHE with AEAD ciphers (no CBC, no static RSA): the
 * "intermediate" compatibility of current server guidance, which every supported browser meets.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The https server options these limits need at creation. */
export function tlsServerOptions(limits: ServerLimits = SERVER_LIMITS): {
  minVersion: 'TLSv1.2';
  ciphers: string;
  honorCipherOrder: true;
  handshakeTimeout: number;
} {
  return { minVersion: 'TLSv1.2', ciphers: TLS_CIPHERS, honorCipherOrder: true, handshakeTimeout: limits.handshakeMs };
}

/** Applies the limits to a listening (or about to listen) server. */
export function limitServer(server: HttpServer | HttpsServer, limits: ServerLimits = SERVER_LIMITS): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersMs;
  server.requestTimeout = limits.requestMs;
  server.keepAliveTimeout = limits.keepAliveMs;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const who = clientKey(socket.remoteAddress ?? '');
    const count = (open.get(who) ?? 0) + 1;
    if (count > limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(who, count);
    socket.setTimeout(limits.idleMs, () => socket.destroy());
    socket.once('close', () => {
      const left = (open.get(who) ?? 1) - 1;
      if (left <= 0) open.delete(who);
      else open.set(who, left);
    });
  });
}

/** An IPv4 address, or an IPv6 client's /64 (one host can hold a whole /64). */
function clientKey(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) return v4[1]!;
  return address.split(':').slice(0, 4).join(':');
}
