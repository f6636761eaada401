/**
 * `serve` listens before it loads the steps and loads them right after, in the background
 * (docs/decisions/0540). Whoever is quickest after the start, unlocking and submitting the
 * first step at once, gets the same answers as later: no request sees the steps half loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | null = null;
let root = '';
afterEach(() => {
  child?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  location: string | undefined;
  text: string;
  cookies: string[];
}

function send(port: number, path: string, cookie: string, form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers: Record<string, string> = { Cookie: cookie };
  if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode!, location: res.headers.location, text, cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookiesOf = (a: Answer) => a.cookies.map((c) => c.split(';')[0]).join('; ');
const csrfOf = (a: Answer) => /name="_csrf" value="([^"]+)"/.exec(a.text)![1]!;

describe('serve, right after it starts', () => {
  it('unlocks and saves the first step with the very first requests', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-serve-start-'));
    child = spawn(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const { port, code } = await new Promise<{ port: number; code: string }>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const port = /Open:\s+https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        const code = /Setup code:\s+(\S+)/.exec(out);
        if (port && code) resolve({ port: Number(port[1]), code: code[1]! });
      });
      child!.once('exit', (status) => reject(new Error(`serve exited with ${status}:\n${out}\n${err}`)));
    });

    const page = await send(port, '/unlock', '');
    expect(page.status).toBe(200);
    const unlocked = await send(port, '/unlock', cookiesOf(page), { _csrf: csrfOf(page), code });
    expect(unlocked.status).toBe(303);
    expect(unlocked.location).toBe('/admin');
    const session = cookiesOf(unlocked)
      .split('; ')
      .find((c) => c.startsWith('__Host-bowtie-setup='))!;
    const admin = await send(port, '/admin', session);
    expect(admin.status).toBe(200);
    const password = 'correct-horse-battery-staple';
    const saved = await send(port, '/admin', session, {
      _csrf: csrfOf(admin),
      'admin.email': 'ops@example.com',
      'admin.password': password,
      'admin.password_confirm': password,
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/network');
    expect(err).not.toMatch(/Error/);
  });
});
