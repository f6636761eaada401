/**
 * The appliance runs what `npm run build` makes (scripts/build.mjs): one esbuild bundle, not the
 * sources. Modules that find files relative to themselves (package.json, the stylesheet, htmx,
 * the CLI entry the apply worker runs) and the packages left out of the bundle (argon2,
 * @peculiar/x509) must work from it (docs/decisions/0541). The nixos-rebuild simulator and the
 * bench stay out of it (docs/decisions/0660): --simulate finds the checkout's simulator through
 * BOWTIE_SETUP_SIMULATOR.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/build.mjs';
import { FAST_ENV, testEnv as harnessEnv } from '../apply/harness.js';
import { CHECKOUT_SIMULATOR } from '../../server/system/sim-machine.js';

const REPO = resolve(import.meta.dirname, '../..');
let out = '';
const roots: string[] = [];
let child: ChildProcess | null = null;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'bowtie-bundle-'));
  await bundle(out);
  // As in the Nix package: the application tree beside the production node_modules.
  symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'));
});
afterAll(() => {
  child?.kill('SIGTERM');
  for (const dir of [out, ...roots]) rmSync(dir, { recursive: true, force: true });
});

/** The bundle lives outside the checkout: the simulator is named, as the bench names it. */
const testEnv = () => harnessEnv({ BOWTIE_SETUP_SIMULATOR: CHECKOUT_SIMULATOR });

function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-bundle-root-'));
  roots.push(root);
  return root;
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [join(out, 'server/main.js'), ...args], { cwd: REPO, env: testEnv(), encoding: 'utf8', timeout: 120_000 });
}

interface Answer {
  status: number;
  type: string;
  location: string | undefined;
  text: string;
  cookies: string[];
}

function send(port: number, path: string, cookie = '', form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers: Record<string, string> = { Cookie: cookie };
  if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        ok({
          status: res.statusCode!,
          type: String(res.headers['content-type']),
          location: res.headers.location,
          text,
          cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []),
        }),
      );
    });
    req.on('error', fail);
    req.end(body);
  });
}

const cookiesOf = (a: Answer) => a.cookies.map((c) => c.split(';')[0]).join('; ');
const csrfOf = (a: Answer) => /name="_csrf" value="([^"]+)"/.exec(a.text)![1]!;

describe('the bundle npm run build makes', () => {
  it('is one entry with its chunks, nothing compiled file by file', () => {
    expect(existsSync(join(out, 'server/main.js'))).toBe(true);
    expect(existsSync(join(out, 'server/app.js'))).toBe(false);
  });

  it('contains no simulator and no bench code', () => {
    // A string only each of them has (checked against its source first, so that a rename
    // cannot make this test pass vacuously), and their files by name.
    const markers: [source: string, marker: string][] = [
      ['sim/nixos-rebuild/nixos-rebuild-sim.mjs', 'the simulator never acts on /'],
      ['sim/nixos-rebuild/machine.mjs', 'fe80::5054:ff:fe12:3456/64'],
      ['scripts/bench/main.ts', 'BENCH-TABLE:'],
      ['scripts/bench/web.ts', 'bare express'],
      ['scripts/bench/bare-app.ts', '<title>bare</title>'],
      ['scripts/bench/apply.ts', 'bench-apply-'],
    ];
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('node_modules'));
    expect(files.filter((f) => /nixos-rebuild-sim|bench|(^|\/)sim\//.test(f))).toEqual([]);
    const text = files.filter((f) => /\.(m?js|json|css|html)$/.test(f)).map((f) => readFileSync(join(out, f), 'utf8'));
    expect(text.join('').length).toBeGreaterThan(100_000);
    for (const [source, marker] of markers) {
      expect(readFileSync(join(REPO, source), 'utf8'), source).toContain(marker);
      expect(text.filter((t) => t.includes(marker)).length, `${marker} (from ${source}) is in the bundle`).toBe(0);
    }
  });

  it('knows its version and validates a document', () => {
    const version = cli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const valid = cli(['validate', join(REPO, 'test/fixtures/apply/new.yaml')]);
    expect(valid.stderr).toBe('');
    expect(valid.status).toBe(0);
  });

  it('says plainly that --simulate needs the simulator, which it does not ship', () => {
    const root = newRoot();
    const r = spawnSync(process.execPath, [join(out, 'server/main.js'), '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], {
      cwd: out,
      env: harnessEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toMatch(/--simulate needs the nixos-rebuild simulator, which this build does not include/);
    expect(r.stderr).toMatch(/BOWTIE_SETUP_SIMULATOR/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).not.toBe(0);
  });

  it('applies through its own worker and the simulator', () => {
    const root = newRoot();
    const applied = cli(['--simulate', '--root', root, 'apply', join(REPO, 'test/fixtures/apply/new.yaml')]);
    expect(applied.stdout + applied.stderr).toMatch(/applied: generation 2 is active/);
    expect(applied.status).toBe(0);
    expect(existsSync(join(root, 'etc/nixos/bowtie/site.nix'))).toBe(true);
  });

  it('serves the wizard: its certificate, the assets, unlock and a step that hashes a password', async () => {
    const root = newRoot();
    child = spawn(process.execPath, [join(out, 'server/main.js'), '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], {
      cwd: REPO,
      env: { ...testEnv(), ...FAST_ENV },
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const { port, code } = await new Promise<{ port: number; code: string }>((ok, fail) => {
      child!.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const port = /Open:\s+https:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
        const code = /Setup code:\s+(\S+)/.exec(stdout);
        if (port && code) ok({ port: Number(port[1]), code: code[1]! });
      });
      child!.once('exit', (status) => fail(new Error(`serve exited with ${status}:\n${stdout}\n${stderr}`)));
    });

    const css = await send(port, '/assets/app.css');
    expect(css.status).toBe(200);
    expect(css.type).toMatch(/^text\/css/);
    const htmx = await send(port, '/assets/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.text).toContain('htmx');
    // The apply page's stream follower is found beside the bundle too (views/ is copied whole).
    const events = await send(port, '/assets/apply-events.js');
    expect(events.status).toBe(200);
    expect(events.text).toContain('EventSource');

    const page = await send(port, '/unlock');
    expect(page.status).toBe(200);
    const unlocked = await send(port, '/unlock', cookiesOf(page), { _csrf: csrfOf(page), code });
    expect(unlocked.location).toBe('/admin');
    const session = cookiesOf(unlocked)
      .split('; ')
      .find((c) => c.startsWith('__Host-bowtie-setup='))!;
    const admin = await send(port, '/admin', session);
    const password = 'correct-horse-battery-staple';
    const saved = await send(port, '/admin', session, {
      _csrf: csrfOf(admin),
      'admin.email': 'ops@example.com',
      'admin.password': password,
      'admin.password_confirm': password,
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/network');
    expect(stderr).not.toMatch(/Error/);
  });
});
