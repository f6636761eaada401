/**
 * `bowtie-setup serve` as a process: the claim block goes to the console (here a file given
 * with --console), never to stdout/stderr (the journal); HTTPS answers with the wizard's own
 * certificate, whose fingerprint is the one in the block; plain HTTP only redirects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { setupCodePath } from '../../server/auth/setup-code.js';

let child: ChildProcess | null = null;
let root = '';
afterEach(() => {
  child?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<{ stdout: () => string; stderr: () => string }> {
  root = mkdtempSync(join(tmpdir(), 'bowtie-serve-'));
  child = spawn(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', root, 'serve', ...args], { cwd: new URL('../..', import.meta.url).pathname });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const until = Date.now() + 20_000;
  while (!/listening on/.test(err)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`serve did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stdout: () => out, stderr: () => err };
}

describe('serve', () => {
  it('writes the claim block to the console only, and serves HTTPS with the fingerprinted certificate', async () => {
    const consoleFile = join(tmpdir(), `bowtie-console-${process.pid}`);
    writeFileSync(consoleFile, '');
    try {
      const io = await serve(['--listen', '127.0.0.1:0', '--redirect-port', '0', '--console', consoleFile]);
      const block = readFileSync(consoleFile, 'utf8');
      const code = readFileSync(setupCodePath(root), 'utf8').trim();
      expect(statSync(setupCodePath(root)).mode & 0o777).toBe(0o600);
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
      expect(block).toContain(`Setup code:   ${code}`);
      expect(io.stdout()).not.toContain(code);
      expect(io.stderr()).not.toContain(code);

      const port = Number(/https:\/\/127\.0\.0\.1:(\d+)\//.exec(block)![1]);
      const { status, fingerprint } = await new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/unlock', rejectUnauthorized: false }, (res) => {
          resolve({ status: res.statusCode!, fingerprint: res.socket instanceof TLSSocket ? res.socket.getPeerCertificate().fingerprint256 : '' });
          res.resume();
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      const shown = block.match(/SHA-256 ([0-9A-F:]+)\s+([0-9A-F:]+)/)!;
      expect(`${shown[1]}:${shown[2]}`).toBe(fingerprint);

      const redirectPort = Number(/http port (\d+) redirects/.exec(io.stderr())![1]);
      const redirect = await new Promise<{ status: number; location: string }>((resolve, reject) =>
        httpGet({ host: '127.0.0.1', port: redirectPort, path: '/admin' }, (res) => {
          resolve({ status: res.statusCode!, location: String(res.headers.location) });
          res.resume();
        }).on('error', reject),
      );
      expect(redirect).toEqual({ status: 308, location: `https://127.0.0.1:${port}/` });
    } finally {
      rmSync(consoleFile, { force: true });
    }
  });

  it('prints the block to the terminal in --simulate mode and keeps the code across restarts', async () => {
    const first = await serve(['--listen', '127.0.0.1:0']);
    const code = /Setup code:\s+(\S+)/.exec(first.stdout())![1];
    expect(first.stdout()).toMatch(/Open:\s+https:\/\/127\.0\.0\.1:\d+\//);
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    const keep = root;
    child = spawn(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', keep, 'serve', '--listen', '127.0.0.1:0'], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (!/Setup code/.test(out)) return;
        clearInterval(t);
        resolve();
      }, 50);
    });
    expect(/Setup code:\s+(\S+)/.exec(out)![1]).toBe(code);
  });
});
