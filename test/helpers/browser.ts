/**
 * The wizard as `npm start` runs it (`bowtie-setup --simulate serve` on a fresh sandbox and a
 * free port), for tests that drive it from a real browser, and the checks such tests make in a
 * page: axe-core and sideways scrolling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { enginePaths } from '../../server/apply/paths.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export interface ServedWizard {
  url: string;
  code: string;
  root: string;
  child: ChildProcess;
  output: () => string;
}

/** Starts the wizard (its own process group) and reads its claim block; `env` adds to the environment (the simulator's faults). */
export async function startWizard(env: Record<string, string> = {}): Promise<ServedWizard> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-e2e-'));
  const child = spawn(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0'], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!/Setup code:\s+(\S+)/.test(out) || !/Open:\s+(https:\/\/\S+)/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the wizard did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: /Open:\s+(https:\/\/\S+)/.exec(out)![1]!, code: /Setup code:\s+(\S+)/.exec(out)![1]!, root, child, output: () => out };
}

function killGroup(pgid: number | null | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Stops the wizard and an apply worker it may have left running (a simulator told to hang
 * waits forever): both lead their own process group, the worker's is in its lock file.
 */
export function stopWizard(w: ServedWizard): void {
  try {
    const lock = JSON.parse(readFileSync(enginePaths(w.root).lock, 'utf8')) as { pid?: number; pgid?: number | null };
    killGroup(lock.pgid ?? lock.pid);
  } catch {
    // no worker ran, or it has ended
  }
  killGroup(w.child.pid);
  rmSync(w.root, { recursive: true, force: true });
}

export type Violation = { id: string; impact: string; nodes: string };

/**
 * axe-core's violations on the page. page.addScriptTag would add an inline script, which the
 * CSP (script-src 'self') refuses; evaluating the source through the debugging protocol is not
 * subject to it, so the policy under test stays the real one.
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
  // A string: this runs in the page, and the project's types have no DOM.
  return page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).join(', ') })))`);
}

export function seriousOrCritical(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * How far the page scrolls sideways (0 when it does not), and the innermost elements that stick
 * out past the viewport, to name the culprit when it does.
 */
export async function sidewaysScroll(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate<{ overflow: number; culprits: string[] }>(`(() => {
    const s = document.scrollingElement;
    const width = s.clientWidth;
    const past = (e) => e.getBoundingClientRect().right > width + 0.5;
    // What a scroll box of its own holds (the Nix fragment) does not widen the page.
    const boxed = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
    const out = s.scrollWidth > width ? [...document.querySelectorAll('body *')].filter((e) => past(e) && !boxed(e) && ![...e.children].some(past)) : [];
    return {
      overflow: Math.max(0, s.scrollWidth - width),
      culprits: out.slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')'),
    };
  })()`);
}
