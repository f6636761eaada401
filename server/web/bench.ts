/**
 * Figures of the web wizard for `npm run bench`, each beside a bare express app measured in
 * the same run (server/web/bench-bare-app.ts, started the same way):
 * - time from process start to the first HTTPS 200 (target: at most 1.5x the bare app),
 * - resident memory after warm-up (at most 1.5x),
 * - requests/s for a step page at 50 connections (at least half the bare app),
 * - p99 latency of that page (under 10 ms).
 * The wizard runs as `npm start` does: `bowtie-setup --simulate serve` on a fresh sandbox root,
 * from the sources through tsx; with BENCH_COMPILED=1 both run from dist/ (`npm run build`
 * first), as on the appliance.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { setupCodePath } from '../auth/setup-code.js';
import { wizardTlsDir } from '../system/tls.js';
import type { BenchRow } from '../bench-row.js';


interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const PROJECT = new URL('../..', import.meta.url).pathname;
const COMPILED = process.env.BENCH_COMPILED === '1';
const FORM = COMPILED ? 'compiled' : 'tsx';
const WIZARD_ENTRY = COMPILED ? ['dist/server/main.js'] : ['bin/bowtie-setup.js'];
const BARE_ENTRY = COMPILED ? ['dist/server/web/bench-bare-app.js'] : ['--import', 'tsx', 'server/web/bench-bare-app.ts'];
const CONNECTIONS = 50;
const SECONDS = 5;

interface Running {
  child: ChildProcess;
  port: number;
  startedAt: bigint;
}

/** Spawns a server and waits until `portOf` finds its port in the output. */
function launch(args: string[], portOf: (out: string) => number | null): Promise<Running> {
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const port = portOf(out);
      if (port) resolve({ child, port, startedAt });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${out}`)));
  });
}

function fetchOnce(port: number, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', headers, rejectUnauthorized: false },
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
async function timeToFirst200(r: Running, path: string): Promise<number> {
  for (;;) {
    const res = await fetchOnce(r.port, path).catch(() => null);
    if (res?.status === 200) return Number(process.hrtime.bigint() - r.startedAt) / 1e6;
    await new Promise((ok) => setTimeout(ok, 5));
  }
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null) return resolve();
    r.child.once('exit', () => resolve());
    r.child.kill('SIGTERM');
  });
}

/** An unlocked session of the wizard: its cookie header. */
async function unlock(port: number, code: string): Promise<string> {
  const page = await fetchOnce(port, '/unlock');
  const pre = page.cookies.map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const res = await fetchOnce(port, '/unlock', { Cookie: pre, 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ _csrf: csrf, code }).toString());
  if (res.status !== 303) throw new Error(`unlock answered ${res.status}`);
  return res.cookies.map((c) => c.split(';')[0]).filter((c) => c!.startsWith('__Host-bowtie-setup=')).join('; ');
}

async function load(port: number, path: string, headers: Record<string, string>): Promise<AutocannonResult> {
  const result = await autocannon({ url: `https://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
  return result;
}

export async function benchWeb(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-bench-web-'));
  const runs: Running[] = [];
  try {
    const startWizard = () =>
      launch([...WIZARD_ENTRY, '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], (out) => {
        const m = /Open:\s+https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        return m ? Number(m[1]) : null;
      });
    // The first start makes the certificate and the setup code; every later start (each boot
    // until setup is done) reuses them. The target is on the later starts.
    const first = await startWizard();
    runs.push(first);
    const firstStart = await timeToFirst200(first, '/unlock');
    await stop(first);
    const wizard = await startWizard();
    runs.push(wizard);
    const wizardStart = await timeToFirst200(wizard, '/unlock');
    const code = readFileSync(setupCodePath(root), 'utf8').trim();
    const cookie = await unlock(wizard.port, code);
    const stepPage = await fetchOnce(wizard.port, '/network', { Cookie: cookie });
    if (stepPage.status !== 200) throw new Error(`/network answered ${stepPage.status}`);

    const tls = wizardTlsDir(root);
    const startBare = () =>
      launch([...BARE_ENTRY, join(tls, 'wizard.pem'), join(tls, 'wizard.key'), String(stepPage.text.length)], (out) => {
        const m = /listening (\d+)/.exec(out);
        return m ? Number(m[1]) : null;
      });
    const bareFirst = await startBare();
    runs.push(bareFirst);
    await timeToFirst200(bareFirst, '/');
    await stop(bareFirst);
    const bare = await startBare();
    runs.push(bare);
    const bareStart = await timeToFirst200(bare, '/');

    // Warm-up, then the measured runs, one server at a time (two cores).
    await load(wizard.port, '/network', { Cookie: cookie });
    const wizardLoad = await load(wizard.port, '/network', { Cookie: cookie });
    const wizardRss = rssMiB(wizard.child.pid!);
    await load(bare.port, '/', {});
    const bareLoad = await load(bare.port, '/', {});
    const bareRss = rssMiB(bare.child.pid!);

    return [
      { name: `wizard (${FORM}): first start to first HTTPS 200 (makes its certificate)`, value: firstStart, unit: 'ms', baseline: bareStart, baselineName: 'bare express' },
      { name: `wizard (${FORM}): start to first HTTPS 200`, value: wizardStart, unit: 'ms', baseline: bareStart, baselineName: 'bare express', target: 'ratio <= 1.5', ok: wizardStart <= 1.5 * bareStart },
      { name: `wizard (${FORM}): resident memory after warm-up`, value: wizardRss, unit: 'MiB', baseline: bareRss, baselineName: 'bare express', target: 'ratio <= 1.5', ok: wizardRss <= 1.5 * bareRss },
      {
        name: `wizard (${FORM}): step page requests/s at ${CONNECTIONS} connections`,
        value: wizardLoad.requests.average,
        unit: 'req/s',
        baseline: bareLoad.requests.average,
        baselineName: 'bare express',
        target: 'ratio >= 0.5',
        ok: wizardLoad.requests.average >= 0.5 * bareLoad.requests.average,
      },
      { name: `wizard (${FORM}): step page p99 latency at ${CONNECTIONS} connections`, value: wizardLoad.latency.p99, unit: 'ms', baseline: bareLoad.latency.p99, baselineName: 'bare express', target: '< 10 ms', ok: wizardLoad.latency.p99 < 10 },
    ];
  } finally {
    await Promise.all(runs.map(stop));
    rmSync(root, { recursive: true, force: true });
  }
}
