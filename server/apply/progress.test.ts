import { describe, expect, it } from 'vitest';
import { NixProgress, storeName } from './progress.js';
import { publishedStatusSchema } from './status-schema.js';
import { idleStatus } from './status.js';

const j = (o: unknown) => `@nix ${JSON.stringify(o)}`;

describe('NixProgress', () => {
  it('counts builds, copied paths and bytes the way nix does', () => {
    const p = new NixProgress();
    p.line(j({ action: 'start', id: 2, level: 0, parent: 0, text: '', type: 104 }));
    p.line(j({ action: 'start', id: 3, level: 0, parent: 0, text: '', type: 103 }));
    p.line(j({ action: 'result', id: 2, type: 105, fields: [0, 4, 0, 0] }));
    p.line(j({ action: 'result', id: 3, type: 106, fields: [100, 3000] }));
    p.line(j({ action: 'result', id: 3, type: 105, fields: [0, 2, 0, 0] }));
    expect(p.snapshot()).toMatchObject({ buildsDone: 0, buildsTotal: 4, pathsDone: 0, pathsTotal: 2, bytesDone: 0, bytesTotal: 3000 });
    const text = "copying path '/r/nix/store/ix1w54f7qs9agh75a484zgr7zznl50ic-bowtie-server-1.8.2' from 'https://cache.nixos.org'";
    expect(p.line(j({ action: 'start', id: 5, level: 3, parent: 0, text, type: 108 }))).toBe(text);
    p.line(j({ action: 'start', id: 6, level: 4, parent: 5, text, type: 100 }));
    p.line(j({ action: 'result', id: 6, type: 105, fields: [1000, 1000, 0, 0] }));
    p.line(j({ action: 'stop', id: 6 }));
    p.line(j({ action: 'result', id: 3, type: 105, fields: [1, 2, 0, 0] }));
    p.line(j({ action: 'result', id: 2, type: 105, fields: [3, 4, 1, 0] }));
    const s = p.snapshot();
    expect(s).toMatchObject({ buildsDone: 3, buildsTotal: 4, pathsDone: 1, pathsTotal: 2, bytesDone: 1000, bytesTotal: 3000 });
    expect(s.activity).toBe("copying path bowtie-server-1.8.2 from 'https://cache.nixos.org'");
  });

  it('passes plain lines through, shows build log lines and errors, hides debug chatter', () => {
    const p = new NixProgress();
    expect(p.line('building the system configuration...')).toBe('building the system configuration...');
    expect(p.snapshot().activity).toBe('building the system configuration');
    expect(p.line(j({ action: 'msg', level: 0, msg: 'error: builder failed' }))).toBe('error: builder failed');
    expect(p.line(j({ action: 'msg', level: 5, msg: 'debug noise' }))).toBeNull();
    p.line(j({ action: 'start', id: 9, level: 3, parent: 0, text: "building '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc.drv'", type: 105 }));
    expect(p.line(j({ action: 'result', id: 9, type: 101, fields: ['installing etc'] }))).toBe('installing etc');
    p.line(j({ action: 'result', id: 9, type: 104, fields: ['buildPhase'] }));
    expect(p.snapshot().activity).toBe('building etc (buildPhase)');
    expect(p.line('@nix {not json')).toBe('@nix {not json');
  });

  it('shortens store paths under any root', () => {
    expect(storeName("building '/tmp/x/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-a-25.05.drv'")).toBe('building nixos-system-a-25.05');
  });

  it('takes what the child process prints as text when it is not a message of nix, and never counts a count that is not one', () => {
    const p = new NixProgress();
    p.line(j({ action: 'start', id: 2, level: 0, parent: 0, text: '', type: 104 }));
    // Shapes nix never writes: each is passed through as the text it is, nothing is thrown.
    for (const odd of [
      '@nix null',
      '@nix 5',
      '@nix "msg"',
      '@nix []',
      j({ action: 7 }),
      j({ action: 'msg', msg: { x: 1 } }),
      j({ action: 'start', id: 'x' }),
    ]) {
      expect(p.line(odd)).toBe(odd);
    }
    // Counts that are not counts (text, negative, fractional, beyond 2^53, Infinity) count as 0.
    for (const bad of ['"3"', '-1', '1.5', '1e300', '1e400']) {
      p.line(`@nix {"action":"result","id":2,"type":105,"fields":[${bad},${bad},0,0]}`);
      expect(p.snapshot()).toMatchObject({ buildsDone: 0, buildsTotal: 0 });
    }
    p.line(j({ action: 'result', id: 2, type: 106, fields: [104, -5] }));
    const progress = p.snapshot();
    expect(progress).toMatchObject({ buildsDone: 0, buildsTotal: 0 });
    // What is published with it still passes the readers' schema.
    const published = { ...idleStatus({ progress }), worker: null, publishedAt: new Date(0).toISOString() };
    expect(publishedStatusSchema.safeParse(published).success).toBe(true);
  });
});
