/**
 * What `npm run bench` measures: the application tree scripts/build.mjs makes (what the Nix
 * package installs and the appliance runs as `node server/main.js`), beside the production
 * node_modules, and the bare express baseline bundled the same way. Both in a temporary
 * directory, so that a bench never touches dist/.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { bundle, ESBUILD_COMMON } from '../build.mjs';
import { CHECKOUT_SIMULATOR } from '../../server/system/sim-machine.js';

const REPO = resolve(import.meta.dirname, '../..');

export interface BenchBuild {
  /** The wizard's entry: node <wizard> behaves like the package's bowtie-setup. */
  wizard: string;
  /** The bare express app's entry (bare-app.ts, bundled). */
  bare: string;
  /** The environment both run with: the package wrapper's NODE_ENV, and the checkout's simulator. */
  env: NodeJS.ProcessEnv;
  /** Bytes of JavaScript in each build (their whole output, chunks included). */
  wizardBytes: number;
  bareBytes: number;
  remove(): void;
}

export async function buildForBench(): Promise<BenchBuild> {
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-bench-build-'));
  const out = join(dir, 'app');
  // bundle() runs from the repository root, as `npm run build` does.
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    await bundle(out);
    symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'));
    const meta = await esbuild.build({
      ...ESBUILD_COMMON,
      entryPoints: [join(REPO, 'scripts/bench/bare-app.ts')],
      outfile: join(dir, 'bare/bare-app.js'),
      metafile: true,
    });
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'bare/node_modules'));
    const bareBytes = Object.values(meta.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', BOWTIE_SETUP_SIMULATOR: CHECKOUT_SIMULATOR };
    for (const k of Object.keys(env)) if (k.startsWith('BOWTIE_') && k !== 'BOWTIE_SETUP_SIMULATOR') delete env[k];
    return {
      wizard: join(out, 'server/main.js'),
      bare: join(dir, 'bare/bare-app.js'),
      env,
      wizardBytes: jsBytes(join(out, 'server')),
      bareBytes,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } finally {
    process.chdir(cwd);
  }
}

function jsBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .reduce((a, f) => a + statSync(join(dir, f)).size, 0);
}
