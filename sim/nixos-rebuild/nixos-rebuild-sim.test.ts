/**
 * The nixos-rebuild simulator's contract: nixos-rebuild's command line and exit codes,
 * internal-json on stderr, generations with bin/switch-to-configuration under the root, the
 * fragment checked with nix-instantiate --parse, and fault injection by environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MACHINE } from './machine.mjs';
const SIMULATOR = fileURLToPath(new URL('./nixos-rebuild-sim.mjs', import.meta.url));

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bowtie-sim-'));
  mkdirSync(join(root, 'etc/nixos/bowtie'), { recursive: true });
  mkdirSync(join(root, 'work'));
  writeFileSync(join(root, 'etc/nixos/bowtie/site.nix'), '{\n  bowtie.site = { hostname = "sim-a"; };\n}\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function sim(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(SIMULATOR, args, {
    cwd: join(root, 'work'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', BOWTIE_SETUP_ROOT: root, BOWTIE_SIM_DELAY_SCALE: '0', ...env },
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}
const gen = () => readlinkSync(join(root, 'nix/var/nix/profiles/system'));
const active = () => realpathSync(join(root, 'run/current-system'));

describe('nixos-rebuild simulator', () => {
  it('refuses to run without a root', () => {
    const r = spawnSync(SIMULATOR, ['build'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BOWTIE_SETUP_ROOT/);
  });

  it('build emits internal-json activities and a result link, and changes no generation', () => {
    const r = sim(['build', '--log-format', 'internal-json', '-v']);
    expect(r.code).toBe(0);
    const json = r.stderr.split('\n').filter((l) => l.startsWith('@nix '));
    expect(json.length).toBeGreaterThan(20);
    const msgs = json.map((l) => JSON.parse(l.slice(5)) as { action: string; type?: number });
    expect(msgs.some((m) => m.action === 'start' && m.type === 105)).toBe(true);
    expect(msgs.some((m) => m.action === 'result' && m.type === 105)).toBe(true);
    expect(existsSync(join(root, 'work/result/bin/switch-to-configuration'))).toBe(true);
    expect(gen()).toBe('system-1-link');
  });

  it('test activates without a new generation; switch adds one and makes it the boot default', () => {
    expect(sim(['list-generations']).stdout).toMatch(/^1 .*nixos-system-bowtie.* \(current\)$/m);
    const factory = active();
    expect(sim(['test']).code).toBe(0);
    expect(gen()).toBe('system-1-link');
    expect(active()).not.toBe(factory);
    expect(readFileSync(join(root, 'boot/default-generation'), 'utf8').trim()).toBe('1');
    expect(sim(['switch']).code).toBe(0);
    expect(gen()).toBe('system-2-link');
    expect(readFileSync(join(root, 'boot/default-generation'), 'utf8').trim()).toBe('2');
    expect(JSON.parse(readFileSync(join(active(), 'site.json'), 'utf8'))).toEqual({ hostname: 'sim-a' });
    // --rollback goes back to generation 1 and activates it.
    expect(sim(['switch', '--rollback']).code).toBe(0);
    expect(gen()).toBe('system-1-link');
    expect(active()).toBe(factory);
    // A generation's own switch-to-configuration works from its path.
    const stc = join(root, 'nix/var/nix/profiles/system-2-link/bin/switch-to-configuration');
    const r = spawnSync(stc, ['test'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', BOWTIE_SIM_DELAY_SCALE: '0' } });
    expect(r.status).toBe(0);
    expect(active()).toBe(realpathSync(join(root, 'nix/var/nix/profiles/system-2-link')));
  });

  it('a new base system on NIX_PATH (bowtie-setup update) gives a new generation; other entries do not', () => {
    const base = (n: number) =>
      `nixpkgs=/nix/store/${String(n).repeat(32)}-source:nixos-config=/nix/store/${String(n + 1).repeat(32)}-source/configuration.nix`;
    expect(sim(['switch']).code).toBe(0);
    expect(gen()).toBe('system-2-link');
    // The same fragment on another release's nixpkgs and configuration: a new system.
    expect(sim(['switch'], { NIX_PATH: base(1) }).code).toBe(0);
    expect(gen()).toBe('system-3-link');
    expect(readFileSync(join(active(), 'nix-path'), 'utf8').trim().split(':').sort()).toEqual(base(1).split(':').sort());
    expect(JSON.parse(readFileSync(join(active(), 'site.json'), 'utf8'))).toEqual({ hostname: 'sim-a' });
    // The same base again (order of entries and unrelated entries do not matter): no new one.
    const [pkgs, conf] = base(1).split(':');
    expect(sim(['switch'], { NIX_PATH: `${conf}:nixos-hardware=/x:${pkgs}` }).code).toBe(0);
    expect(gen()).toBe('system-3-link');
    // The next release.
    expect(sim(['switch'], { NIX_PATH: base(4) }).code).toBe(0);
    expect(gen()).toBe('system-4-link');
    // Without NIX_PATH the system is the one from before the first update.
    expect(sim(['switch']).code).toBe(0);
    expect(realpathSync(join(root, 'nix/var/nix/profiles/system'))).toBe(realpathSync(join(root, 'nix/var/nix/profiles/system-2-link')));
  });

  it('boot makes a generation the default without activating it', () => {
    sim(['list-generations']);
    const factory = active();
    expect(sim(['boot']).code).toBe(0);
    expect(gen()).toBe('system-2-link');
    expect(active()).toBe(factory);
  });

  it('fails evaluation when the fragment does not parse (nix-instantiate --parse)', () => {
    writeFileSync(join(root, 'etc/nixos/bowtie/site.nix'), '{ bowtie.site = { hostname = "x"; ');
    const r = sim(['build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error/);
  });

  it("injects switch-to-configuration's exit codes after activating, as on a real system", () => {
    for (const code of [2, 3, 4, 100]) {
      const r = sim(['test'], { BOWTIE_SIM_FAIL: `test:${code}` });
      expect(r.code).toBe(code);
    }
    const r = sim(['switch'], { BOWTIE_SIM_FAIL: 'switch:4' });
    expect(r.code).toBe(4);
    expect(gen()).toBe('system-2-link');
    expect(r.stderr).toMatch(/units failed/);
    const usage = sim(['frobnicate']);
    expect(usage.code).toBe(1);
  });

  it('crashes (SIGKILL) and hangs where asked', () => {
    const crash = sim(['switch'], { BOWTIE_SIM_CRASH: 'switch@profile' });
    expect(crash.signal).toBe('SIGKILL');
    expect(gen()).toBe('system-2-link');
    const hang = spawnSync(SIMULATOR, ['build'], {
      cwd: join(root, 'work'),
      env: { PATH: process.env.PATH ?? '', BOWTIE_SETUP_ROOT: root, BOWTIE_SIM_DELAY_SCALE: '0', BOWTIE_SIM_HANG: 'build' },
      timeout: 1500,
    });
    expect(hang.signal).toBe('SIGTERM');
  });

  it('records each call with its arguments and environment', () => {
    sim(['build', '--log-format', 'internal-json']);
    const calls = readFileSync(join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; env: Record<string, string> });
    expect(calls.at(-1)?.argv).toEqual(['build', '--log-format', 'internal-json']);
    expect(calls.at(-1)?.env.BOWTIE_SETUP_ROOT).toBe(root);
  });

  it('writes the one simulated machine once, records no call, and activation moves its address', () => {
    const net = join(root, 'sys/class/net');
    expect(sim(['--simulated-machine']).code).toBe(0);
    expect(readFileSync(join(net, 'ens3/simulated-addresses'), 'utf8')).toBe(`${MACHINE[0]!.addresses}\n`);
    expect(readFileSync(join(net, 'ens4/carrier'), 'utf8')).toBe('0\n');
    expect(existsSync(join(net, 'ens3/device'))).toBe(true);
    expect(existsSync(join(net, 'lo/device'))).toBe(false);
    expect(existsSync(join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl'))).toBe(false);
    // A sandbox keeps its machine: a second call changes nothing.
    writeFileSync(join(net, 'ens3/simulated-addresses'), '10.9.9.9/24\n');
    expect(sim(['--simulated-machine']).code).toBe(0);
    expect(readFileSync(join(net, 'ens3/simulated-addresses'), 'utf8')).toBe('10.9.9.9/24\n');
    writeFileSync(join(net, 'ens3/simulated-addresses'), `${MACHINE[0]!.addresses}\n`);
    writeFileSync(
      join(root, 'etc/nixos/bowtie/site.nix'),
      '{\n  bowtie.site = { hostname = "sim-b"; network = { interface = "ens3"; ipv4 = { method = "static"; address = "192.168.122.20/24"; }; }; };\n}\n',
    );
    expect(sim(['test']).code).toBe(0);
    expect(readFileSync(join(net, 'ens3/simulated-addresses'), 'utf8')).toBe('192.168.122.20/24\n');
    expect(readFileSync(join(net, 'ens3/simulated-dhcp-addresses'), 'utf8')).toBe(`${MACHINE[0]!.addresses}\n`);
  });
});
