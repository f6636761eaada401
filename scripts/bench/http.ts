/** The bench's HTTP side: starting a server process, one request, a load run. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request } from 'node:https';
import { SERVER_LIMITS } from '../../server/web/server-limits.js';

export interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number; p50: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * Load from one client address: nearly as many connections as the wizard lets one address hold
 * (more are closed at once by design, server/web/server-limits.ts), leaving room for the ones
 * still closing; the same for the bare app.
 */
export const CONNECTIONS = SERVER_LIMITS.perAddress - 4;
const SECONDS = 5;

export interface Running {
  child: ChildProcess;
  port: number;
  startedAt: bigint;
  /** Milliseconds from spawn to the output line that named the port. */
  listeningMs: number;
}

/** Spawns `node args` and waits until `portOf` finds its port in the output. */
export function launch(args: string[], env: NodeJS.ProcessEnv, portOf: (out: string) => number | null): Promise<Running> {
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const port = portOf(out);
      if (port) resolve({ child, port, startedAt, listeningMs: msSince(startedAt) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${out}`)));
  });
}

export const msSince = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

export interface Answer {
  status: number;
  text: string;
  cookies: string[];
}

export function fetchOnce(port: number, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers, rejectUnauthorized: false, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Milliseconds from spawn to the first 200 on `path`. */
export async function timeToFirst200(r: Running, path: string): Promise<number> {
  for (;;) {
    const res = await fetchOnce(r.port, path).catch(() => null);
    if (res?.status === 200) return msSince(r.startedAt);
    await new Promise((ok) => setTimeout(ok, 2));
  }
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

export function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
    r.child.once('exit', () => resolve());
    r.child.kill('SIGTERM');
  });
}

export const cookieHeader = (a: Answer): string => a.cookies.map((c) => c.split(';')[0]).join('; ');
export const csrfOf = (a: Answer): string => /name="_csrf" value="([^"]+)"/.exec(a.text)?.[1] ?? '';

/** An unlocked session of the wizard: its cookie header. */
export async function unlock(port: number, code: string): Promise<string> {
  const page = await fetchOnce(port, '/unlock');
  const res = await fetchOnce(
    port,
    '/unlock',
    { Cookie: cookieHeader(page), 'Content-Type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({ _csrf: csrfOf(page), code }).toString(),
  );
  if (res.status !== 303) throw new Error(`unlock answered ${res.status}`);
  return cookieHeader(res)
    .split('; ')
    .filter((c) => c.startsWith('__Host-bowtie-setup='))
    .join('; ');
}

export async function load(port: number, path: string, headers: Record<string, string>, seconds = SECONDS): Promise<AutocannonResult> {
  const result = await autocannon({ url: `https://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: seconds, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
  return result;
}
