// npm run build: type-checks server/ and bundles it with esbuild into dist/server/, then copies
// what the bundle reads at run time beside it (package.json, views/, and the non-TypeScript
// files under server/ such as stylesheets), so that dist/ is a complete application tree:
// `node dist/server/main.js` behaves like bin/bowtie-setup.js. The Nix package installs dist/
// together with the production node_modules. The nixos-rebuild simulator (sim/) and the bench
// (scripts/bench/) are not part of it (docs/decisions/0660; test/build/bundle.test.ts).
//
// Bundled rather than compiled file by file: loading some 500 small modules (ours and express's
// dependency tree) was most of the wizard's start-up time (docs/decisions/0541).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * Packages left out of the bundle, loaded from node_modules: argon2 finds its native addon
 * relative to its own directory, and @peculiar/x509 (with the reflect-metadata polyfill it
 * needs first) is loaded only when a certificate is made.
 */
const EXTERNAL = ['argon2', '@peculiar/x509', 'reflect-metadata'];

/** Bundled CommonJS packages call require() for Node's own modules: give them a real one. */
const REQUIRE_BANNER = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";

/**
 * Each module of ours keeps the import.meta.url it would have unbundled, dist/server/<path>.js,
 * so that the files it finds relative to itself (package.json, app.css, the CLI entry the apply
 * worker runs) are where this script puts them. Sound because every output file
 * of the bundle is written directly into dist/server/.
 */
function unbundledModuleUrls(serverDir) {
  return {
    name: 'unbundled-module-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const path = relative(serverDir, args.path);
        if (!source.includes('import.meta.url') || path.startsWith('..')) return undefined;
        const url = `new URL(${JSON.stringify(`./${path.replace(/\.ts$/, '.js')}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/**
 * How every bundle is made (the bench builds its bare express baseline the same way).
 * Whitespace and syntax are minified: Node parses and compiles less at every start (the wizard,
 * and the worker at every apply); identifiers are not renamed, so stack traces keep the names
 * of functions (docs/decisions/0690).
 * @type {import('esbuild').BuildOptions}
 */
export const ESBUILD_COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
};

/**
 * Writes the application tree to `out` (dist/ for the package).
 * @param {string} out
 */
export async function bundle(out) {
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    ...ESBUILD_COMMON,
    entryPoints: { main: 'server/main.ts' },
    outdir: join(out, 'server'),
    // One copy of every module, shared by the entry and the chunks that are loaded later.
    splitting: true,
    chunkNames: '[name]-[hash]',
    external: EXTERNAL,
    plugins: [unbundledModuleUrls(resolve('server'))],
  });

  cpSync('package.json', join(out, 'package.json'));
  if (existsSync('views')) cpSync('views', join(out, 'views'), { recursive: true });
  for (const entry of readdirSync('server', { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
    const from = join(entry.parentPath, entry.name);
    cpSync(from, join(out, from));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // esbuild strips types without checking them: the package must not build from sources that
  // do not type-check.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noEmit'], { stdio: 'inherit' });
  await bundle('dist');
}
