/**
 * The product's modules import each other one way (DESIGN.md: cli -> web/cloud-init/console ->
 * apply -> nix/system -> config): no module under server/ reaches itself again through its
 * imports, type-only imports and re-exports included. A circle means that something both sides
 * need belongs one floor down.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('../../server', import.meta.url));

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = join(dir, e.name);
    return e.isDirectory() ? modules(f) : f.endsWith('.ts') && !f.endsWith('.test.ts') ? [resolve(f)] : [];
  });
}

function cycles(): string[] {
  const files = modules(SERVER);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const deps = [...src.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')));
    edges.set(f, deps.filter((d) => known.has(d)));
  }
  const found = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string) => {
    stack.push(n);
    onStack.add(n);
    for (const m of edges.get(n) ?? []) {
      if (onStack.has(m)) found.add(stack.slice(stack.indexOf(m)).map((x) => relative(SERVER, x)).join(' -> '));
      else if (!done.has(m)) visit(m);
    }
    stack.pop();
    onStack.delete(n);
    done.add(n);
  };
  for (const f of files) if (!done.has(f)) visit(f);
  return [...found];
}

describe('imports under server/', () => {
  it('form no circle', () => {
    expect(modules(SERVER).length).toBeGreaterThan(100);
    expect(cycles()).toEqual([]);
  });
});
