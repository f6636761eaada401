/**
 * What the wizard loads before it answers its first page (docs/decisions/0540, 0690): `serve`
 * and the app import, at load time, only what the unlock page needs. Each package below cost
 * the start measurably when it was on this path (zod about 28 ms, execa about 24 ms on the
 * bench machine); readers of boundary files load their schemas when there is a file to parse.
 * A static import that brings one back costs start-up time silently; this says which chain did.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVE = ['server/cli.ts', 'server/commands/serve.ts', 'server/app.ts'];
/** Packages and modules that the first page does not need. */
const SERVE_LATER = [
  'zod',
  'execa',
  'express-rate-limit',
  'yaml',
  'postal-mime',
  'argon2',
  '@peculiar/x509',
  'server/config/schema.ts',
  'server/steps/routes.ts',
];
/** The apply worker (`apply --worker`) before its first nixos-rebuild: it hashes nothing, serves nothing. */
const WORKER = ['server/cli.ts', 'server/commands/apply.ts', 'server/commands/apply-worker.ts'];
const WORKER_LATER = ['argon2', 'express', 'helmet', 'yaml', 'postal-mime', '@peculiar/x509', 'server/app.ts', 'server/steps/routes.ts'];

/** Imports that load a module when this one loads: not `import type`/`export type`, not import(). */
export function loadTimeSpecifiers(src: string): string[] {
  const found = [...src.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm), ...src.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)];
  return found.map((m) => m[1]!);
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every module and package the start path loads, each with the chain that loads it. */
function startPath(start: readonly string[]): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const queue = start.map((f) => [f] as string[]);
  while (queue.length > 0) {
    const chain = queue.shift()!;
    const file = chain[chain.length - 1]!;
    if (reached.has(file)) continue;
    reached.set(file, chain);
    if (!file.endsWith('.ts')) continue;
    for (const spec of loadTimeSpecifiers(readFileSync(join(ROOT, file), 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        queue.push([...chain, packageOf(spec)]);
        continue;
      }
      const target = relative(ROOT, resolve(dirname(join(ROOT, file)), spec.replace(/\.js$/, '.ts')));
      if (existsSync(join(ROOT, target))) queue.push([...chain, target]);
    }
  }
  return reached;
}

describe('the start path', () => {
  it('finds load-time imports only', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export type { C } from './c.js';",
      "export { d, type E } from './d.js';",
      "import './side-effect.js';",
      "const z = await import('zod');",
      "import {\n  f,\n  g,\n} from 'express';",
    ].join('\n');
    expect(loadTimeSpecifiers(src).sort()).toEqual(['./a.js', './d.js', './side-effect.js', 'express']);
  });

  it('reaches express and the unlock page, and none of what comes later', () => {
    const reached = startPath(SERVE);
    expect(reached.has('express')).toBe(true);
    expect(reached.has('server/steps/unlock/index.ts')).toBe(true);
    const late = SERVE_LATER.filter((m) => reached.has(m)).map((m) => reached.get(m)!.join(' -> '));
    expect(late).toEqual([]);
  });

  it("of the apply worker reaches the engine, zod and execa, and not argon2 or the web's", () => {
    const reached = startPath(WORKER);
    for (const m of ['server/apply/worker.ts', 'server/config/schema.ts', 'zod', 'execa']) expect(reached.has(m)).toBe(true);
    const late = WORKER_LATER.filter((m) => reached.has(m)).map((m) => reached.get(m)!.join(' -> '));
    expect(late).toEqual([]);
  });
});
