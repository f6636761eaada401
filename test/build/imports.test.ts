/**
 * The product's modules import each other one way (DESIGN.md: cli -> web/cloud-init/console ->
 * apply -> nix/system -> config; views/ are templates the web layer calls): no module under
 * server/ or views/ reaches itself again through its
 * imports, type-only imports and re-exports included. A circle means that something both sides
 * need belongs one floor down. And the product stands alone: nothing under server/ (tests
 * included) imports the nixos-rebuild simulator (sim/) or the bench (scripts/bench/); --simulate
 * runs the simulator as a program, found by path (docs/decisions/0660).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = join(ROOT, 'server');
const VIEWS = join(ROOT, 'views');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = join(dir, e.name);
    return e.isDirectory() ? modules(f) : f.endsWith('.ts') && !f.endsWith('.test.ts') ? [resolve(f)] : [];
  });
}

function cycles(): string[] {
  const files = [...modules(SERVER), ...modules(VIEWS)];
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const deps = [...src.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')));
    edges.set(
      f,
      deps.filter((d) => known.has(d)),
    );
  }
  const found = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string) => {
    stack.push(n);
    onStack.add(n);
    for (const m of edges.get(n) ?? []) {
      if (onStack.has(m))
        found.add(
          stack
            .slice(stack.indexOf(m))
            .map((x) => relative(ROOT, x))
            .join(' -> '),
        );
      else if (!done.has(m)) visit(m);
    }
    stack.pop();
    onStack.delete(n);
    done.add(n);
  };
  for (const f of files) if (!done.has(f)) visit(f);
  return [...found];
}

/** Where the product must not reach: the simulator and the bench. */
const OUTSIDE = ['sim', 'scripts/bench'].map((d) => join(ROOT, d));

/** Every module specifier in `src`: static imports and re-exports, dynamic import(), require(). */
function specifiers(src: string): string[] {
  const found = [
    ...src.matchAll(/^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...src.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...src.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]/g),
  ];
  return found.map((m) => m[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = join(dir, e.name);
    return e.isDirectory() ? sources(f) : /\.(ts|mts|js|mjs|cjs)$/.test(f) ? [f] : [];
  });
}

/** The files under server/ whose imports resolve into the simulator or the bench. */
function reachingOutside(): string[] {
  const bad: string[] = [];
  for (const f of [...sources(SERVER), ...sources(VIEWS)]) {
    for (const s of specifiers(readFileSync(f, 'utf8'))) {
      if (!s.startsWith('.')) continue;
      const target = resolve(dirname(f), s);
      if (OUTSIDE.some((o) => target === o || target.startsWith(`${o}/`))) bad.push(`${relative(ROOT, f)} -> ${s}`);
    }
  }
  return bad;
}

describe('imports under server/ and views/', () => {
  it('never reach the simulator or the bench', () => {
    expect(sources(SERVER).length).toBeGreaterThan(100);
    expect(reachingOutside()).toEqual([]);
  });

  it('are all found, dynamic ones and re-exports included', () => {
    const src = [
      "import { a } from '../../sim/nixos-rebuild/machine.mjs';",
      "export * from '../../scripts/bench/row.js';",
      "import type { B } from './b.js';",
      "const m = await import('../../scripts/bench/web.js');",
      "import './side-effect.js';",
      "export const NOT_AN_IMPORT = new URL('../../sim/nixos-rebuild/nixos-rebuild-sim.mjs', import.meta.url);",
    ].join('\n');
    expect(specifiers(src).sort()).toEqual([
      '../../scripts/bench/row.js',
      '../../scripts/bench/web.js',
      '../../sim/nixos-rebuild/machine.mjs',
      './b.js',
      './side-effect.js',
    ]);
  });

  it('form no circle', () => {
    expect(modules(SERVER).length).toBeGreaterThan(100);
    expect(cycles()).toEqual([]);
  });
});

describe('views/ at the top level', () => {
  it('holds every template: no module under server/ writes markup', () => {
    // The html tag's own module defines it; every other use is a template and belongs in views/.
    const templates = modules(SERVER).filter((f) => relative(SERVER, f) !== join('web', 'html.ts') && /\bhtml`/.test(readFileSync(f, 'utf8')));
    expect(templates.map((f) => relative(ROOT, f))).toEqual([]);
    expect(modules(VIEWS).length).toBeGreaterThan(10);
  });

  it('names each step template after its step', () => {
    const steps = readdirSync(join(SERVER, 'steps'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const views = new Set(readdirSync(join(VIEWS, 'steps')).map((f) => f.replace(/\.ts$/, '')));
    expect(steps.filter((s) => !views.has(s))).toEqual([]);
  });
});
