// npm run build: compiles server/ to dist/server/ with tsc and copies what the compiled code
// reads at run time beside it (package.json, views/, and the non-TypeScript files under
// server/ such as stylesheets and the nixos-rebuild simulator), so that dist/ is a complete
// application tree: `node dist/server/main.js` behaves like bin/bowtie-setup.js. The Nix
// package installs dist/ together with the production node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

cpSync('package.json', 'dist/package.json');
// The nixos-rebuild simulator's launcher (used by --simulate); bin/bowtie-setup.js needs tsx.
for (const name of existsSync('bin') ? readdirSync('bin') : []) {
  if (name.endsWith('.mjs')) cpSync(join('bin', name), join('dist/bin', name));
}
if (existsSync('views')) cpSync('views', 'dist/views', { recursive: true });
for (const entry of readdirSync('server', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', from));
}
