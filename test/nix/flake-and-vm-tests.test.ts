/**
 * The flake and the VM tests, as far as they can be checked without nixpkgs or KVM: the nixpkgs
 * input is pinned by revision; every image variant is a file that imports the nixpkgs image
 * module nixpkgs' own image.modules names and lists itself for rebuilds; the modules name their
 * maintainers and take their package with mkPackageOption; and every VM test under nix/tests/
 * evaluates (test/nix/eval-vm-tests.nix): its script, and each node's modules with every option
 * they set declared, the test driver's addressing included. One nix-instantiate run for the VM
 * tests, one for the rest.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir) {
  if (process.env.CI) throw new Error(`test/nix/flake-and-vm-tests.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
  console.log(`test/nix/flake-and-vm-tests.test.ts: evaluation tests skipped: ${nixpkgsLib.reason}`);
}
const withLib = it.skipIf(!nixpkgsLib.dir);

function evalJson(expr: string): unknown {
  requireNix();
  return JSON.parse(
    execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, NIX_PATH: '' },
    }),
  );
}

// The variants' nixpkgs modules, as nixpkgs' nixos/modules/image/images.nix names them (relative
// to nixos/modules, i.e. modulesPath), with the settings it adds.
const VARIANTS: Record<string, { imports: string[]; settings: Record<string, unknown> }> = {
  amazon: { imports: ['/../maintainers/scripts/ec2/amazon-image.nix'], settings: {} },
  'google-compute': { imports: ['/virtualisation/google-compute-image.nix'], settings: {} },
  hyperv: { imports: ['/virtualisation/hyperv-image.nix'], settings: {} },
  proxmox: { imports: ['/virtualisation/proxmox-image.nix'], settings: { proxmox: { cloudInit: { enable: false } } } },
  qemu: { imports: ['/virtualisation/disk-image.nix'], settings: { image: { efiSupport: false } } },
  'qemu-efi': { imports: ['/virtualisation/disk-image.nix'], settings: {} },
  'raw-efi': { imports: ['/virtualisation/disk-image.nix'], settings: { image: { format: 'raw' } } },
  vmware: { imports: ['/virtualisation/vmware-image.nix'], settings: {} },
};

describe('the flake', () => {
  it('takes nixpkgs from a release channel, and flake.lock pins it to one immutable tarball that modern Nix reads', () => {
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    const inputs = evalJson(`(import ${join(REPO, 'flake.nix')}).inputs`) as Record<string, { url?: string; follows?: string }>;
    expect(Object.keys(inputs)).toEqual(['nixpkgs']);
    // A release channel (nixos-YY.MM or its -small twin): it only moves after Hydra tested the commit.
    const channel = /^https:\/\/channels\.nixos\.org\/nixos-(\d\d\.\d\d)(?:-small)?\/nixexprs\.tar\.(?:zst|xz)$/.exec(inputs.nixpkgs!.url ?? '');
    expect(channel, `inputs.nixpkgs.url is not a NixOS release channel: ${inputs.nixpkgs!.url}`).not.toBeNull();
    const release = channel![1]!;

    // flake.lock as Nix writes it (version 7): read with a schema, no field assumed.
    const sri = z.string().regex(/^sha256-[A-Za-z0-9+/]{43}=$/);
    const lock = z
      .strictObject({
        nodes: z.strictObject({
          nixpkgs: z.strictObject({
            locked: z.strictObject({
              lastModified: z.number().int().positive(),
              narHash: sri,
              rev: z.string().regex(/^[0-9a-f]{40}$/),
              type: z.literal('tarball'),
              url: z.string(),
            }),
            original: z.strictObject({ type: z.literal('tarball'), url: z.string() }),
          }),
          root: z.strictObject({ inputs: z.strictObject({ nixpkgs: z.literal('nixpkgs') }) }),
        }),
        root: z.literal('root'),
        version: z.literal(7),
      })
      .parse(JSON.parse(readFileSync(join(REPO, 'flake.lock'), 'utf8')));
    const { locked, original } = lock.nodes.nixpkgs;
    expect(original.url).toBe(inputs.nixpkgs!.url);
    // The channel's immutable URL names the same release and the locked revision.
    const immutable = /^https:\/\/releases\.nixos\.org\/nixos\/(\d\d\.\d\d)\/nixos-(\d\d\.\d\d)\.(\d+)\.([0-9a-f]{12})\/nixexprs\.tar\.(?:zst|xz)$/.exec(
      locked.url,
    );
    expect(immutable, `locked url is not a release's immutable tarball: ${locked.url}`).not.toBeNull();
    expect([immutable![1], immutable![2]]).toEqual([release, release]);
    expect(locked.rev.startsWith(immutable![4]!)).toBe(true);
    // The lock and nix/controller.nix agree on nothing newer than the release (stateVersion is the
    // first install's release and never moves ahead of the system it runs).
    const stateVersion = /system\.stateVersion = "(\d\d\.\d\d)";/.exec(readFileSync(join(REPO, 'nix/controller.nix'), 'utf8'));
    expect(stateVersion).not.toBeNull();
    expect(Number(stateVersion![1]) <= Number(release)).toBe(true);
    expect(flake).not.toMatch(/nixos-generators/);
  });

  it('runs the appliance on a Node.js release its nixpkgs still maintains, the same in the package and the dev shell', () => {
    // nixpkgs marks a Node.js major insecure when it reaches its end of life and then drops it
    // (nodejs_20: insecure before the 26.05 freeze, removed in July 2026): the package must not name one.
    const pkg = readFileSync(join(REPO, 'nix/package.nix'), 'utf8');
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    const majors = new Set([...`${pkg}\n${flake}`.matchAll(/\bnodejs_(\d+)\b/g)].map((m) => Number(m[1])));
    expect(majors.size, `one Node.js major, not ${[...majors].join(', ')}`).toBe(1);
    const [major] = [...majors];
    // Odd majors are never LTS; 22 is the oldest LTS line nixpkgs 26.05 keeps.
    expect(major! % 2 === 0 && major! >= 22, `nodejs_${major} is not a maintained LTS line`).toBe(true);
  });

  it("builds the images with nixpkgs' own image.modules and system.build.images", () => {
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    expect(flake).toMatch(/image\.modules = lib\.mapAttrs \(_: lib\.mkForce\) imageModules;/);
    expect(flake).toMatch(/controller\.config\.system\.build\.images\.\$\{format\}/);
    const listed = [...flake.matchAll(/^\s+([a-z-]+) = \.\/nix\/images\/\1\.nix;$/gm)].map((x) => x[1]);
    const files = readdirSync(join(REPO, 'nix/images'))
      .filter((f) => f.endsWith('.nix'))
      .map((f) => f.slice(0, -4));
    expect(listed.sort()).toEqual(files.sort());
    expect(files.sort()).toEqual(Object.keys(VARIANTS).sort());
    expect(readdirSync(join(REPO, 'nix'), { recursive: true }).join('\n')).not.toMatch(/nixos-generators/);
  });

  withLib('each variant imports the nixpkgs module nixpkgs names for it and lists itself for rebuilds', () => {
    const files = Object.keys(VARIANTS).map(
      (v) => `{ name = ${JSON.stringify(v)}; m = import ${join(REPO, 'nix/images', `${v}.nix`)} { modulesPath = "/M"; }; }`,
    );
    const out = evalJson(`builtins.listToAttrs (map (v: { inherit (v) name; value = v.m; }) [ ${files.join(' ')} ])`) as Record<
      string,
      Record<string, unknown>
    >;
    for (const [variant, want] of Object.entries(VARIANTS)) {
      const { imports, services, ...settings } = out[variant]!;
      expect(imports, variant).toEqual(want.imports.map((p) => `/M${p}`));
      expect(services, variant).toEqual({ 'bowtie-setup': { configurationImports: [join(REPO, 'nix/images', `${variant}.nix`)] } });
      expect(settings, variant).toEqual(want.settings);
    }
  });
});

describe('the modules', () => {
  withLib('name the team as maintainer, take the package with mkPackageOption, and describe it', () => {
    const anything = 'lib.mkOption { type = lib.types.anything; default = { }; }';
    const expr = `let
      lib = import ${nixpkgsLib.dir};
      anything = ${anything};
      e = lib.evalModules { modules = [ ${join(REPO, 'nix/modules')} {
        options = { assertions = anything; warnings = anything; networking = anything; users = anything; security = anything; environment = anything; systemd = anything; nix = anything; system = anything; virtualisation = anything; nixpkgs = anything; services.timesyncd = anything; services.openssh = anything; services.udev = anything; services.cloud-init = anything;
          meta.maintainers = lib.mkOption { type = lib.types.listOf lib.types.attrs; default = [ ]; }; };
      } { _module.check = false; } ]; };
      pkg = o: { inherit (o) description; defaultText = o.defaultText.text; };
    in {
      maintainers = e.config.meta.maintainers;
      team = import ${join(REPO, 'nix/maintainers.nix')};
      setup = pkg e.options.services.bowtie-setup.package;
      update = pkg e.options.services.bowtie-update.package;
    }`;
    const out = evalJson(expr) as {
      maintainers: Record<string, string>[];
      team: Record<string, Record<string, string>>;
      setup: { description: string; defaultText: string };
      update: { description: string; defaultText: string };
    };
    const team = out.team['bowtie-appliance-team']!;
    // A placeholder for the team, not a person's handle.
    expect(Object.keys(team).sort()).toEqual(['email', 'name']);
    expect(team.email).toMatch(/@[a-z.-]+\.invalid$/);
    // setup.nix, site.nix, update.nix, bowtie-server.nix: each names the team once.
    expect(out.maintainers).toEqual([team, team, team, team]);
    for (const f of ['setup.nix', 'site.nix', 'update.nix', 'bowtie-server.nix', 'bowtie-server-interface.nix']) {
      expect(readFileSync(join(REPO, 'nix/modules', f), 'utf8'), f).toContain('meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];');
    }
    expect(out.setup.defaultText).toBe('pkgs.bowtie-setup');
    expect(out.setup.description).toMatch(/^The bowtie-setup package to use\. /);
    expect(out.update.description).toMatch(/^The bowtie-setup package to use\. /);
    expect(out.update.defaultText).toBe('config.services.bowtie-setup.package');
  });
});

// ---- the VM tests ------------------------------------------------------------------------------

interface NodeResult {
  ok: boolean;
  hostName?: string;
  interfaces?: Record<string, string[]>;
  units?: string[];
}
interface TestResult {
  name: string;
  attributes: string[];
  testName: string;
  testScript: string;
  names: string[];
  nodes: Record<string, NodeResult>;
}

const TESTS_DIR = join(REPO, 'nix/tests');
function listedTests(): string[] {
  return [...readFileSync(join(TESTS_DIR, 'default.nix'), 'utf8').matchAll(/= test \.\/([a-z0-9-]+)\.nix;/g)].map((m) => m[1]!);
}

let vmResult: { addresses: Record<string, string>; tests: TestResult[] } | null = null;
function evaluateVmTests() {
  if (vmResult) return vmResult;
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-vm-tests-'));
  try {
    // Two that must not evaluate: an option of ours misspelt, and one of the test driver's.
    writeFileSync(
      join(dir, 'typo-ours.nix'),
      'common: { name = "typo"; nodes.appliance = { imports = [ common.appliance ]; services.bowtie-setup.listn = "0.0.0.0:443"; }; testScript = ""; }',
    );
    writeFileSync(
      join(dir, 'typo-driver.nix'),
      'common: { name = "typo"; nodes.appliance = { imports = [ common.appliance ]; virtualisation.vlan = [ 1 ]; }; testScript = ""; }',
    );
    const entries = [
      ...listedTests().map((n) => ({ n, f: join(TESTS_DIR, `${n}.nix`) })),
      { n: 'typo-ours', f: join(dir, 'typo-ours.nix') },
      { n: 'typo-driver', f: join(dir, 'typo-driver.nix') },
    ];
    const list = entries.map((e) => `{ name = ${JSON.stringify(e.n)}; file = ${e.f}; }`).join(' ');
    vmResult = evalJson(
      `import ${join(REPO, 'test/nix/eval-vm-tests.nix')} { lib = import ${nixpkgsLib.dir}; repo = ${REPO.replace(/\/$/, '')}; tests = [ ${list} ]; }`,
    ) as { addresses: Record<string, string>; tests: TestResult[] };
    return vmResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const vmTest = (name: string) => {
  const t = evaluateVmTests().tests.find((x) => x.name === name);
  if (!t) throw new Error(`no evaluation of ${name}`);
  return t;
};

describe('the VM tests (nix/tests/) evaluate without KVM', () => {
  withLib('every listed test evaluates: its attributes, its script, every node with every option it sets', () => {
    const names = listedTests();
    expect(names).toEqual(expect.arrayContaining(['static-ipv4', 'provided-tls', 'imds', 'store-secret-scan', 'first-boot-browser', 'update-rollback']));
    const testNames = new Set<string>();
    for (const name of names) {
      const t = vmTest(name);
      expect(t.attributes.sort(), name).toEqual(['name', 'nodes', 'testScript']);
      expect(t.testName, name).toMatch(/^bowtie-[a-z0-9-]+$/);
      testNames.add(t.testName);
      expect(t.testScript.length, name).toBeGreaterThan(100);
      for (const [node, r] of Object.entries(t.nodes)) expect(r.ok, `${name}: node ${node} does not evaluate`).toBe(true);
      expect(t.nodes.appliance?.units, name).toEqual(expect.arrayContaining(['bowtie-setup', 'bowtie-setup-apply']));
    }
    expect(testNames.size).toBe(names.length);
  });

  withLib('every test script is Python that Python parses (one python3 run for all)', () => {
    const scripts = listedTests().map((name) => ({ name, script: vmTest(name).testScript }));
    // A script whose Nix string lost its indentation or quoting would fail here, not on KVM.
    const check =
      'import ast, json, sys\nfor t in json.load(sys.stdin):\n    try:\n        ast.parse(t["script"], t["name"])\n    except SyntaxError as e:\n        print(t["name"], e)\n';
    const out = execFileSync('python3', ['-c', check], { input: JSON.stringify(scripts), encoding: 'utf8' });
    expect(out).toBe('');
    // The check itself catches a broken script.
    const broken = execFileSync('python3', ['-c', check], {
      input: JSON.stringify([{ name: 'broken', script: 'start_all()\n  machine.succeed("x")\n' }]),
      encoding: 'utf8',
    });
    expect(broken).toMatch(/^broken /);
  });

  withLib("a misspelt option, ours or the test driver's, does not evaluate", () => {
    expect(vmTest('typo-ours').nodes.appliance!.ok).toBe(false);
    expect(vmTest('typo-driver').nodes.appliance!.ok).toBe(false);
  });

  withLib("the addresses the scenarios configure are the test driver's for those nodes", () => {
    const { addresses } = evaluateVmTests();
    for (const name of ['static-ipv4', 'provided-tls', 'imds', 'store-secret-scan']) {
      const t = vmTest(name);
      // The driver numbers the nodes by name, in order, from 1: 192.168.1.<n> on vlan 1 (eth1).
      for (const [node, address] of Object.entries(addresses)) {
        expect(t.names.indexOf(node) + 1, `${name}: ${node}`).toBe(Number(address.split('.')[3]));
        if (node !== 'appliance' || name !== 'static-ipv4') expect(t.nodes[node]!.interfaces!.eth1, `${name}: ${node}`).toContain(address);
      }
      expect(t.nodes.cloud!.interfaces!.eth1).toContain('169.254.169.254');
    }
    // The static test's appliance has no address until the apply gives it the one it configures.
    expect(vmTest('static-ipv4').nodes.appliance!.interfaces!.eth1).toEqual([]);
    expect(readFileSync(join(TESTS_DIR, 'static-ipv4.nix'), 'utf8')).toContain('ipv4: { method: static, address: ${a.appliance}/24, gateway: ${a.cloud} }');
    expect(readFileSync(join(TESTS_DIR, 'common.nix'), 'utf8')).toContain(
      `APPLIANCE_IP, CLIENT_IP, CLOUD_IP = "${addresses.appliance}", "${addresses.client}", "${addresses.cloud}"`,
    );
  });

  withLib('the store scan looks for secrets made at run time, so none is in this repository', () => {
    const script = readFileSync(join(TESTS_DIR, 'store-secret-scan.nix'), 'utf8');
    for (const s of ['password = secrets.token_urlsafe', 'token = secrets.token_hex', 'openssl passwd -6', 'make_certificate(cloud'])
      expect(script).toContain(s);
    expect(script).toContain('nix-command path-info --all');
    expect(script).toContain('the canary');
  });
});
