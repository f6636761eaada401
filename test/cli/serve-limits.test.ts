/**
 * The wizard's listening socket under a hostile client (docs/decisions/0620): TLS 1.2 offers
 * only AEAD suites (OpenSSL's own client is the oracle), and one client cannot hold more than
 * its share of connections, nor all clients together more than the cap. Every socket goes to
 * 127.0.0.x only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_LIMITS } from '../../server/web/server-limits.js';

let child: ChildProcess;
let root: string;
let port: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bowtie-limits-'));
  child = spawn(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', root, 'serve', '--listen', '0.0.0.0:0'], {
    cwd: new URL('../..', import.meta.url).pathname,
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const until = Date.now() + 60_000;
  while (!/listening on https:\/\/[^:]+:(\d+)/.test(err)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`serve did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  port = Number(/listening on https:\/\/[^:]+:(\d+)/.exec(err)![1]);
}, 90_000);

afterAll(() => {
  child.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

function sClient(args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const p = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ ok: !error && /Cipher is (?!\(NONE\))/.test(stdout), out: `${stdout}\n${stderr}` });
      },
    );
    // openssl may exit before it reads: a closed pipe is not an error of the test.
    p.stdin!.on('error', () => {});
    p.stdin!.end('Q\n');
  });
}

describe('TLS', () => {
  it.each(['AES128-SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256'])(
    'refuses %s in TLS 1.2 (CBC or no forward secrecy)',
    async (cipher) => {
      const r = await sClient(['-tls1_2', '-cipher', cipher]);
      expect(r.ok, r.out).toBe(false);
    },
    30_000,
  );

  it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'])(
    'offers %s in TLS 1.2',
    async (cipher) => {
      const r = await sClient(['-tls1_2', '-cipher', cipher]);
      expect(r.ok, r.out).toBe(true);
    },
    30_000,
  );

  it('refuses TLS 1.1', async () => {
    const r = await sClient(['-tls1_1']);
    expect(r.ok).toBe(false);
  }, 30_000);
});

/** Opens `count` TCP connections from `localAddress`; resolves when all are connected or closed. */
async function open(count: number, localAddress: string): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect({ host: '127.0.0.1', port, localAddress });
          s.on('error', () => {});
          s.once('connect', () => resolve(s));
          s.once('close', () => resolve(s));
        }),
    ),
  );
}

/** Waits until the server has closed all but `alive` of `sockets` (it closes the extra at once). */
async function settle(sockets: Socket[], alive: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const open = sockets.filter((s) => !s.destroyed && !s.closed).length;
    if (open <= alive || Date.now() > deadline) return open;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('connections', () => {
  it(`one address keeps at most ${SERVER_LIMITS.perAddress} connections`, async () => {
    const sockets = await open(SERVER_LIMITS.perAddress + 20, '127.0.0.7');
    try {
      expect(await settle(sockets, SERVER_LIMITS.perAddress)).toBe(SERVER_LIMITS.perAddress);
      // Another address still gets in.
      const other = await open(1, '127.0.0.8');
      expect(await settle(other, 1)).toBe(1);
      other.forEach((s) => s.destroy());
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  }, 60_000);

  it(`all addresses together keep at most ${SERVER_LIMITS.maxConnections}`, async () => {
    const sockets: Socket[] = [];
    try {
      for (let a = 20; a < 30; a++) sockets.push(...(await open(SERVER_LIMITS.perAddress, `127.0.0.${a}`)));
      expect(sockets.length).toBeGreaterThan(SERVER_LIMITS.maxConnections);
      expect(await settle(sockets, SERVER_LIMITS.maxConnections)).toBe(SERVER_LIMITS.maxConnections);
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  }, 60_000);
});
