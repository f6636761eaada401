/**
 * The web wizard as the appliance runs it (the bundle, NODE_ENV=production, see build.ts) beside
 * a bare express app over HTTPS with the same certificate and a page of the same size
 * (bare-app.ts), bundled the same way and run by the same Node in the same run. Targets:
 * - start (spawn to the first HTTPS 200, a later boot: certificate and setup code exist)
 *   at most 1.3x the bare app,
 * - resident memory after the load runs at most 1.3x,
 * - a step page's requests/s at 28 connections (nearly what one address may hold) at least
 *   0.5x, its p99 at most 1.5x.
 * The wizard runs `--simulate serve` on a fresh sandbox root (the simulator from the checkout).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupCodePath } from '../../server/auth/setup-code.js';
import { wizardTlsDir } from '../../server/system/tls.js';
import type { BenchBuild } from './build.js';
import { CONNECTIONS, fetchOnce, launch, load, rssMiB, stop, timeToFirst200, unlock, type Running } from './http.js';
import { median, ratioRow, type BenchRow } from './row.js';

const STARTS = 3;
const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
const f1 = (n: number) => n.toFixed(1);

export function startWizard(build: BenchBuild, root: string, env: NodeJS.ProcessEnv = build.env): Promise<Running> {
  return launch([build.wizard, '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], env, (out) => {
    const m = /Open:\s+https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    return m ? Number(m[1]) : null;
  });
}

/** Starts `start` STARTS times (one at a time): the median start, and the last server left running. */
async function starts(start: () => Promise<Running>, path: string, runs: Running[]): Promise<{ server: Running; ms: number; listeningMs: number }> {
  const times: number[] = [];
  const listening: number[] = [];
  for (let i = 0; ; i++) {
    const r = await start();
    runs.push(r);
    times.push(await timeToFirst200(r, path));
    listening.push(r.listeningMs);
    if (i === STARTS - 1) return { server: r, ms: median(times), listeningMs: median(listening) };
    await stop(r);
  }
}

export async function benchWeb(build: BenchBuild): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-bench-web-'));
  const runs: Running[] = [];
  try {
    // The first start makes the certificate and the setup code; every later one (each boot
    // until setup is done) reuses them. The target is on the later starts.
    const first = await startWizard(build, root);
    runs.push(first);
    const firstStart = await timeToFirst200(first, '/unlock');
    await stop(first);
    const wizard = await starts(() => startWizard(build, root), '/unlock', runs);
    const code = readFileSync(setupCodePath(root), 'utf8').trim();
    const cookie = await unlock(wizard.server.port, code);
    const stepPage = await fetchOnce(wizard.server.port, '/network', { Cookie: cookie });
    if (stepPage.status !== 200) throw new Error(`/network answered ${stepPage.status}`);

    const tls = wizardTlsDir(root);
    const startBare = () =>
      launch([build.bare, join(tls, 'wizard.pem'), join(tls, 'wizard.key'), String(Buffer.byteLength(stepPage.text))], build.env, (out) => {
        const m = /listening (\d+)/.exec(out);
        return m ? Number(m[1]) : null;
      });
    const bare = await starts(startBare, '/', runs);
    // Resident memory before any load, for the explanation of the figure after it.
    const wizardStartRss = rssMiB(wizard.server.child.pid!);
    const bareStartRss = rssMiB(bare.server.child.pid!);

    // Warm-up, then the measured runs, one server at a time (two cores).
    await load(wizard.server.port, '/network', { Cookie: cookie });
    const wizardLoad = await load(wizard.server.port, '/network', { Cookie: cookie });
    const wizardRss = rssMiB(wizard.server.child.pid!);
    await load(bare.server.port, '/', {});
    const bareLoad = await load(bare.server.port, '/', {});
    const bareRss = rssMiB(bare.server.child.pid!);

    const pageRps = ratioRow(
      {
        name: `step page (/network) requests/s at ${CONNECTIONS} connections`,
        value: wizardLoad.requests.average,
        unit: 'req/s',
        baseline: bareLoad.requests.average,
        baselineName: 'bare',
      },
      '>=',
      0.5,
    );
    const pageP99 = ratioRow(
      {
        name: `step page (/network) p99 latency at ${CONNECTIONS} connections`,
        value: wizardLoad.latency.p99,
        unit: 'ms',
        baseline: bareLoad.latency.p99,
        baselineName: 'bare',
      },
      '<=',
      1.5,
    );
    if (!pageRps.ok || !pageP99.ok) {
      // Which part is slow: the same middleware without a page to render (the stylesheet, a
      // file read where bare answers from memory).
      await stop(bare.server);
      const asset = await load(wizard.server.port, '/assets/app.css', {});
      const share = (bareLoad.requests.average - asset.requests.average) / Math.max(1, bareLoad.requests.average - wizardLoad.requests.average);
      const why = `the wizard's stylesheet through the same middleware (no session, no page, read from its file) does ${Math.round(asset.requests.average)} req/s, p99 ${asset.latency.p99} ms, against the step page's ${Math.round(wizardLoad.requests.average)} req/s, p99 ${wizardLoad.latency.p99} ms and bare's ${Math.round(bareLoad.requests.average)} req/s, p99 ${bareLoad.latency.p99} ms: ${share > 0.5 ? 'most of the gap is the middleware stack and the file read (host allowlist, security headers, static files)' : 'most of the gap is the page itself (session, CSRF token, draft, rendering; docs/decisions/0690)'}`;
      if (!pageRps.ok) pageRps.why = why;
      if (!pageP99.ok) pageP99.why = why;
    }
    return [
      {
        name: 'wizard: first start to first HTTPS 200 (makes its certificate and setup code)',
        value: firstStart,
        unit: 'ms',
        baseline: bare.ms,
        baselineName: 'bare',
      },
      ratioRow(
        { name: `start to first HTTPS 200 (median of ${STARTS})`, value: wizard.ms, unit: 'ms', baseline: bare.ms, baselineName: 'bare' },
        '<=',
        1.3,
        () =>
          `the wizard named its port after ${f1(wizard.listeningMs)} ms and answered after ${f1(wizard.ms)} ms; bare: ${f1(bare.listeningMs)} and ${f1(bare.ms)} ms. The wizard's bundle is ${kib(build.wizardBytes)} of JavaScript (main and chunks), bare's ${kib(build.bareBytes)}: the difference is loading and compiling it, and reading its certificate, setup code and draft`,
      ),
      ratioRow(
        { name: 'resident memory after the load runs', value: wizardRss, unit: 'MiB', baseline: bareRss, baselineName: 'bare' },
        '<=',
        1.3,
        () =>
          `${f1(wizardRss)} MiB against ${f1(bareRss)} MiB; before the load runs ${f1(wizardStartRss)} against ${f1(bareStartRss)} MiB (the wizard has loaded ${kib(build.wizardBytes)} of JavaScript at most, bare ${kib(build.bareBytes)}). The rest grew during the load runs: heap the garbage collector had not given back, which follows what a request allocates (a rendered page far more than bare's constant string; docs/decisions/0690)`,
      ),
      pageRps,
      pageP99,
    ];
  } finally {
    await Promise.all(runs.map(stop));
    rmSync(root, { recursive: true, force: true });
  }
}
