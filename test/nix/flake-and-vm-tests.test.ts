/**
 * The flake and the VM tests, as far as they can be checked without nixpkgs or KVM: the nixpkgs
 * input is pinned by revision; every image variant is a file that imports the nixpkgs image
 * module nixpkgs' own image.modules names and lists itself for rebuilds; the modules name their
 * maintainers and take their package with mkPackageOption; and every VM test under nix/tests/
 * evaluates (test/nix/eval-vm-tests.nix): its script, each node's modules with every option they
 * set declared, the test driver's addressing included, and the system the appliance rebuilds
 * into when the test applies its document: the driver's and the test's own settings survive
 * the switch, the link the client uses keeps the address it knows, and nothing the new
 * generation needs is missing from an offline VM. One nix-instantiate run for the VM tests,
 * one for the rest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateDocument } from '../../server/config/validate.js';
import { renderFragment } from '../../server/nix/render.js';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir) {
  if (process.env.CI) throw new Error(`test/nix/flake-and-vm-tests.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
  console.log(`test/nix/flake-and-vm-tests.test.ts: evaluation tests skipped: ${nixpkgsLib.reason}`);
}
const withLib = it.skipIf(!nixpkgsLib.dir);

function evalJson(expr: string, readWrite = false): unknown {
  requireNix();
  return JSON.parse(
    execFileSync('nix-instantiate', ['--eval', '--strict', '--json', ...(readWrite ? ['--read-write-mode'] : []), '--expr', expr], {
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
  'google-compute': {
    imports: ['/virtualisation/google-compute-image.nix'],
    // One setup agent: the metadata's startup and shutdown scripts do not run (decision 0674).
    settings: { systemd: { services: { 'google-startup-scripts': { enable: false }, 'google-shutdown-scripts': { enable: false } } } },
  },
  hyperv: { imports: ['/virtualisation/hyperv-image.nix'], settings: {} },
  proxmox: { imports: ['/virtualisation/proxmox-image.nix'], settings: { proxmox: { cloudInit: { enable: false } } } },
  qemu: { imports: ['/virtualisation/disk-image.nix'], settings: { image: { efiSupport: false } } },
  'qemu-efi': { imports: ['/virtualisation/disk-image.nix'], settings: {} },
  // Also what the installer ISO writes to bare metal: nixpkgs' all-hardware profile (the stage-1
  // drivers and firmware of nixpkgs' installation media) and the storage controllers it lacks.
  'raw-efi': {
    imports: ['/virtualisation/disk-image.nix', '/profiles/all-hardware.nix'],
    settings: {
      image: { format: 'raw' },
      boot: { initrd: { availableKernelModules: ['megaraid_sas', 'mpt3sas', 'mpi3mr', 'smartpqi', 'aacraid', 'vmd', 'isci'] } },
    },
  },
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

  withLib('the package builds its native addon against the Node.js it runs on, and fetches every package through the lock', () => {
    // nix/package.nix evaluated with nixpkgs' builders stood in by functions that return what
    // they were given: argon2 is compiled by npmConfigHook's node-gyp against that hook's nodejs
    // (its nodeSrc), so the hook must carry the wrapper's Node.js, not nixpkgs' default one.
    const out = evalJson(`let
      lib = import ${nixpkgsLib.dir};
      node = v: { name = "nodejs-\${v}"; version = v; meta.mainProgram = "node"; outPath = "/nix/store/00000000000000000000000000000000-nodejs-\${v}"; };
      pkg = import ${join(REPO, 'nix/package.nix')} {
        inherit lib;
        npmRegistry = "https://npm.example.com/";
        buildNpmPackage = attrs: attrs;
        importNpmLock = {
          __functor = _: { npmRoot, packageLock }: { lockPackages = builtins.length (builtins.attrNames packageLock.packages); };
          npmConfigHook = { default = true; override = args: { overriddenWith = args.nodejs.version; }; };
        };
        nodejs_24 = node "24.11.0";
        python3 = "python3";
        makeWrapper = "makeWrapper";
      };
    in { runs = pkg.nodejs.version; hook = pkg.npmConfigHook; locked = pkg.npmDeps.lockPackages; license = pkg.meta.license.shortName or pkg.meta.license; }`) as {
      runs: string;
      hook: { overriddenWith?: string };
      locked: number;
    };
    expect(out.hook.overriddenWith).toBe(out.runs);
    expect(out.locked).toBeGreaterThan(50);
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
      (v) =>
        `{ name = ${JSON.stringify(v)}; m = import ${join(REPO, 'nix/images', `${v}.nix`)} { inherit lib; modulesPath = "/M"; pkgs.stdenv.hostPlatform.isx86_64 = true; }; }`,
    );
    const out = evalJson(
      `let lib = import ${nixpkgsLib.dir}; in builtins.listToAttrs (map (v: { inherit (v) name; value = v.m; }) [ ${files.join(' ')} ])`,
    ) as Record<string, Record<string, unknown>>;
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
    const expr = `let
      lib = import ${nixpkgsLib.dir};
      e = lib.evalModules { modules = [ ${join(REPO, 'nix/modules')} ${join(REPO, 'test/nix/nixos-stubs/nixos.nix')} { _module.check = false; } ]; };
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

interface NodeSummary {
  ok: boolean;
  hostName?: string;
  interfaces?: Record<string, string[]>;
  routes?: Record<string, string[]>;
  extraHosts?: string;
  nameservers?: string[];
  firewall?: { allowedTCPPorts: number[]; allowedUDPPorts: number[] };
  /** The networkd unit that configures eth1, or null when none matches it. */
  eth1?: { unit: string; dhcp: boolean; addresses: string[] } | null;
  units?: string[];
  etc?: string[];
  specialisations?: string[];
  bowtie?: boolean;
  packages?: string[];
  extraDependencies?: string[];
  includeBuildDependencies?: boolean;
  storeOnDisk?: boolean;
  grubForceInstall?: boolean;
  consoleTtys?: string[];
  updateHealthUrls?: string[];
  dhcpRange?: string[];
  failedAssertions?: string[];
  configurationImports?: string[];
  nixpkgsHasContext?: boolean;
}
interface TestResult {
  name: string;
  attributes: string[];
  testName: string;
  testScript: string;
  names: string[];
  nodes: Record<string, NodeSummary>;
  rebuilt?: NodeSummary;
}

const TESTS_DIR = join(REPO, 'nix/tests');
function listedTests(): string[] {
  return [...readFileSync(join(TESTS_DIR, 'default.nix'), 'utf8').matchAll(/= test \.\/([a-z0-9-]+)\.nix;/g)].map((m) => m[1]!);
}
/** The tests that apply a document (nix/tests/documents/<test>.json) and so rebuild the appliance. */
const documented = (): string[] => listedTests().filter((t) => existsSync(join(TESTS_DIR, 'documents', `${t}.json`)));

// The secrets the scripts add at run time: the fragment names secret files, never values, so
// any valid stand-in renders the same fragment.
const RUN_TIME_SECRETS = { password: 'stand-in-admin-password-0123456789', token: 'stand-in-sync-psk-0123456789abcdef' };

/** The fragment a test's document renders to, as bowtie-setup renders it. */
function testFragment(test: string): string {
  const doc = JSON.parse(readFileSync(join(TESTS_DIR, 'documents', `${test}.json`), 'utf8')) as {
    admin?: Record<string, unknown>;
    enrollment?: Record<string, unknown>;
  };
  const full = { ...doc, admin: { password: RUN_TIME_SECRETS.password, ...doc.admin }, enrollment: { token: RUN_TIME_SECRETS.token, ...doc.enrollment } };
  const result = validateDocument(full, 'complete');
  if (!result.ok) throw new Error(`nix/tests/documents/${test}.json: ${JSON.stringify(result.errors)}`);
  return renderFragment(result.config);
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
    // How the tests were before: an appliance setting given inline (not a file the rebuild
    // imports), a DHCP document on eth1 with no DHCP server, and nixpkgs by pkgs.path.
    writeFileSync(
      join(dir, 'inline-setting.nix'),
      'common: { name = "inline"; nodes = { inherit (common) client cloud; appliance = { imports = [ common.appliance ]; networking.interfaces.eth1.ipv4.routes = [ { address = "169.254.169.254"; prefixLength = 32; } ]; }; }; testScript = ""; }',
    );
    writeFileSync(join(dir, 'no-dhcp-server.nix'), 'common: { name = "no-dhcp"; nodes = { inherit (common) appliance client cloud; }; testScript = ""; }');
    writeFileSync(
      join(dir, 'nixpkgs-by-path.nix'),
      'common: { name = "by-path"; nodes.appliance = { lib, pkgs, ... }: { imports = [ common.appliance ]; services.bowtie-setup.nixpkgs = lib.mkForce pkgs.path; }; testScript = ""; }',
    );
    const entries = [
      ...listedTests().map((n) => ({ n, f: join(TESTS_DIR, `${n}.nix`) })),
      ...['typo-ours', 'typo-driver', 'inline-setting', 'no-dhcp-server', 'nixpkgs-by-path'].map((n) => ({ n, f: join(dir, `${n}.nix`) })),
    ];
    const fragments: Record<string, string> = {};
    for (const t of documented()) fragments[t] = testFragment(t);
    // The counter-examples apply first-boot-browser's document (DHCP on eth1).
    for (const t of ['inline-setting', 'no-dhcp-server', 'nixpkgs-by-path']) fragments[t] = testFragment('first-boot-browser');
    const fragmentAttrs = Object.entries(fragments).map(([t, text]) => {
      writeFileSync(join(dir, `${t}.site.nix`), text);
      return `${JSON.stringify(t)} = ${join(dir, `${t}.site.nix`)};`;
    });
    const list = entries.map((e) => `{ name = ${JSON.stringify(e.n)}; file = ${e.f}; }`).join(' ');
    vmResult = evalJson(
      `import ${join(REPO, 'test/nix/eval-vm-tests.nix')} { lib = import ${nixpkgsLib.dir}; repo = ${REPO.replace(/\/$/, '')}; tests = [ ${list} ]; fragments = { ${fragmentAttrs.join(' ')} }; }`,
      true,
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
const rebuiltOf = (name: string): NodeSummary => {
  const r = vmTest(name).rebuilt;
  if (!r?.ok) throw new Error(`${name}: the rebuilt system does not evaluate`);
  return r;
};
/** setup.nix asserts the listed modules are in the store; the harness imports them from the checkout. */
const assertionsHere = (n: NodeSummary) => (n.failedAssertions ?? []).filter((m) => !m.startsWith('services.bowtie-setup.configurationImports:'));

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
      expect(assertionsHere(t.nodes.appliance!), name).toEqual([]);
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
    for (const name of listedTests().filter((t) => vmTest(t).names.includes('cloud'))) {
      const t = vmTest(name);
      // The driver numbers the nodes by name, in order, from 1: 192.168.1.<n> on vlan 1 (eth1).
      expect(t.names, name).toEqual(['appliance', 'client', 'cloud']);
      for (const [node, address] of Object.entries(addresses)) {
        expect(t.names.indexOf(node) + 1, `${name}: ${node}`).toBe(Number(address.split('.')[3]));
        if (node !== 'appliance' || name !== 'static-ipv4') expect(t.nodes[node]!.interfaces!.eth1, `${name}: ${node}`).toContain(address);
      }
      expect(t.nodes.cloud!.interfaces!.eth1).toContain('169.254.169.254');
    }
    // The static test's appliance has no address until the apply gives it the one it configures.
    expect(vmTest('static-ipv4').nodes.appliance!.interfaces!.eth1 ?? []).toEqual([]);
    expect(readFileSync(join(TESTS_DIR, 'addresses.nix'), 'utf8')).toContain(`appliance = "${addresses.appliance}";`);
    // Every address a document names is one of the test network's.
    for (const t of documented()) {
      const text = readFileSync(join(TESTS_DIR, 'documents', `${t}.json`), 'utf8');
      for (const ip of text.match(/\d+\.\d+\.\d+\.\d+/g) ?? []) expect(Object.values(addresses), `${t}: ${ip}`).toContain(ip);
    }
  });

  withLib('the store scan looks for secrets made at run time, so none is in this repository', () => {
    const script = readFileSync(join(TESTS_DIR, 'store-secret-scan.nix'), 'utf8');
    for (const s of ['password = secrets.token_urlsafe', 'token = secrets.token_hex', 'openssl passwd -6', 'make_certificate(cloud'])
      expect(script).toContain(s);
    expect(script).toContain('nix-command path-info --all');
    expect(script).toContain('the canary');
    const doc = readFileSync(join(TESTS_DIR, 'documents', 'store-secret-scan.json'), 'utf8');
    for (const key of ['password', 'token', 'console_password_hash', 'private_key']) expect(doc).not.toContain(`"${key}"`);
  });
});

describe('the system each VM test switches the appliance to (issue 11)', () => {
  withLib('every test but the console one applies its document, and its script applies that one', () => {
    expect(documented().sort()).toEqual(
      listedTests()
        .filter((t) => t !== 'serial-console')
        .sort(),
    );
    for (const t of documented()) {
      // The document applied is the one rendered here: the script names it (a store path named
      // after it), or the appliance's own module seeds it as cloud-init user data.
      const node = join(TESTS_DIR, 'nodes', `${t}.nix`);
      const seeded = existsSync(node) && readFileSync(node, 'utf8').includes(`bowtie-test.seed = "${t}";`);
      if (seeded) expect(vmTest(t).nodes.appliance!.configurationImports, t).toContain(node);
      else expect(vmTest(t).testScript, t).toMatch(new RegExp(`/nix/store/[0-9a-z]{32}-${t}\\.json`));
      expect(rebuiltOf(t).ok, t).toBe(true);
    }
  });

  withLib("the driver's backdoor, its addressing and the test's own settings survive the switch", () => {
    for (const t of documented()) {
      const before = vmTest(t).nodes.appliance!;
      const after = rebuiltOf(t);
      expect(after.units, t).toContain('backdoor');
      // Nothing the VM ran is gone; the site adds its own.
      expect(after.units, t).toEqual(expect.arrayContaining(before.units!));
      expect(after.etc, t).toEqual(expect.arrayContaining(before.etc!));
      expect(after.specialisations, t).toEqual(before.specialisations);
      // The driver's addresses and routes and /etc/hosts, as the VM had them.
      expect(after.interfaces, t).toEqual(before.interfaces);
      expect(after.routes, t).toEqual(before.routes);
      expect(after.extraHosts, t).toBe(before.extraHosts);
      expect(assertionsHere(after), t).toEqual([]);
      // The next generation lists the same files again, the driver's addressing among them.
      expect(after.configurationImports, t).toEqual(before.configurationImports);
      expect(
        before.configurationImports!.filter((f) => f.endsWith('-vm-driver-network.nix')),
        t,
      ).toHaveLength(1);
    }
    expect(rebuiltOf('update-rollback').specialisations).toEqual(['broken']);
    expect(rebuiltOf('imds').routes!.eth1).toEqual(['169.254.169.254']);
    // A setting given inline is not in configuration.nix: the switched system would lose it.
    const inline = vmTest('inline-setting');
    expect(inline.nodes.appliance!.routes!.eth1).toEqual(['169.254.169.254']);
    expect(inline.rebuilt!.routes!.eth1 ?? []).toEqual([]);
  });

  withLib('after the switch eth1 has the address the client knows the appliance by', () => {
    const { addresses } = evaluateVmTests();
    for (const t of documented()) {
      const test = vmTest(t);
      const before = test.nodes.appliance!.eth1;
      const after = rebuiltOf(t).eth1!;
      // Before: the driver's static address (NixOS's unit), except where the test withholds it.
      if (t === 'static-ipv4') expect(before, t).toMatchObject({ unit: '99-ethernet-default-dhcp', addresses: [] });
      else expect(before, t).toEqual({ unit: '40-eth1', dhcp: false, addresses: [`${addresses.appliance}/24`] });
      // After: the site's unit takes eth1 over (it sorts first), the driver's unit is ignored.
      expect(after.unit, t).toBe('40-bowtie-site');
      // The health gate's DNS probe asks the cloud directly, whose dnsmasq answers every name.
      // Through the system resolver it could ask the user-mode NIC's DHCP name server first,
      // which has no upstream in a build sandbox.
      expect(rebuiltOf(t).nameservers, t).toEqual([addresses.cloud]);
      if (after.dhcp) {
        // Then a DHCP server on the test network hands out exactly that address.
        expect(test.nodes.cloud?.dhcpRange, t).toEqual([`${addresses.appliance},${addresses.appliance},255.255.255.0,1h`]);
        expect(test.nodes.cloud?.firewall?.allowedUDPPorts, t).toEqual(expect.arrayContaining([53, 67]));
        expect(after.addresses, t).toEqual([]);
      } else {
        expect(after.addresses, t).toEqual([`${addresses.appliance}/24`]);
        expect(test.nodes.cloud?.dhcpRange ?? [], `${t}: a DHCP server would give eth1 an address before the apply`).toEqual([]);
      }
    }
    // The tests as they were: DHCP on eth1 with no server to answer.
    const bare = vmTest('no-dhcp-server');
    expect(bare.rebuilt!.eth1).toMatchObject({ unit: '40-bowtie-site', dhcp: true });
    expect(bare.nodes.cloud!.dhcpRange).toEqual([]);
  });

  withLib('an offline rebuild has what it builds from: the build closure, and each package only the site uses', () => {
    for (const t of documented()) {
      const before = vmTest(t).nodes.appliance!;
      const after = rebuiltOf(t);
      expect(before.includeBuildDependencies, t).toBe(true);
      const present = new Set([...before.packages!, ...before.extraDependencies!]);
      expect(
        after.packages!.filter((p) => !present.has(p)),
        t,
      ).toEqual([]);
      // The nixpkgs configuration.nix evaluates keeps its store context (it is in the closure).
      expect(before.nixpkgsHasContext, t).toBe(true);
    }
    // The daemon's interpreter is one such package: kept by fake-daemon.nix, not by the factory image's units.
    const first = vmTest('first-boot-browser').nodes.appliance!;
    expect(first.packages).not.toContain('/nix/store/00000000000000000000000000000000-python3');
    expect(first.extraDependencies).toContain('/nix/store/00000000000000000000000000000000-python3');
    expect(rebuiltOf('first-boot-browser').packages).toContain('/nix/store/00000000000000000000000000000000-python3');
    // nixpkgs by pkgs.path, as the tests had it: a string without context.
    expect(vmTest('nixpkgs-by-path').nodes.appliance!.nixpkgsHasContext).toBe(false);
  });

  withLib("update-rollback's gate asks the stand-in daemon, so only the broken release fails it", () => {
    // The stand-in serves plain HTTP on 8443 (fake-daemon.nix); the site's own health URL is the
    // real daemon's https://127.0.0.1/, which nothing answers in the VM.
    const served = /http\.server (\d+)/.exec(readFileSync(join(TESTS_DIR, 'fake-daemon.nix'), 'utf8'));
    expect(served?.[1]).toBe('8443');
    const want = [`http://127.0.0.1:${served![1]}/`];
    expect(vmTest('update-rollback').nodes.appliance!.updateHealthUrls).toEqual(want);
    expect(rebuiltOf('update-rollback').updateHealthUrls).toEqual(want);
  });

  withLib("the setup menus stay off ttyS0, the port of the driver's backdoor stderr, except in the serial-console test", () => {
    // nixos/modules/testing/test-instrumentation.nix: the backdoor's stderr is /dev/ttyS0 and
    // serial-getty@ttyS0 is masked, since another program there makes its writes fail (EIO).
    const withAppliance = listedTests().filter((t) => vmTest(t).nodes.appliance?.bowtie);
    expect(withAppliance.length).toBeGreaterThan(5);
    for (const t of withAppliance) expect(vmTest(t).nodes.appliance!.consoleTtys, t).toEqual(t === 'serial-console' ? ['tty1', 'ttyS0'] : ['tty1']);
  });

  withLib('a switch installs the boot loader, and what it built survives a reboot or crash() of the VM', () => {
    for (const t of documented()) {
      const before = vmTest(t).nodes.appliance!;
      const after = rebuiltOf(t);
      // GRUB on the VM's disk, which has no partition table: blocklists, in both generations.
      expect([before.grubForceInstall, after.grubForceInstall], t).toEqual([true, true]);
      // The store's writable layer on the VM's disk, as its database is.
      expect(before.storeOnDisk, t).toBe(true);
    }
    // The VM boots its image's generation directly: after a reboot no test expects the site's.
    for (const t of ['first-boot-browser', 'headless-user-data']) {
      const script = vmTest(t).testScript;
      const reboot = script.indexOf('appliance.shutdown()');
      if (reboot >= 0) expect(script.slice(reboot), t).not.toMatch(/bowtie_server|hostname \| grep -x ctl-/);
    }
    expect(vmTest('first-boot-browser').testScript).toContain('/boot/grub/grub.cfg');
  });

  withLib('confirm-timeout and crash-during-apply wait for states the appliance reports, never for a time', () => {
    for (const t of listedTests()) expect(vmTest(t).testScript, t).not.toMatch(/\bsleep\b|time\.sleep/);
    const confirm = vmTest('confirm-timeout').testScript;
    expect(confirm).toContain('"phase": "confirm"');
    expect(confirm).toContain('"outcome": "rolled-back"');
    expect(confirm).toContain('"failedPhase": "confirm"');
    // The step is published as "phase" in the status; state.json journals it as "step".
    expect(vmTest('crash-during-apply').testScript).toContain('bowtie-setup status --json');
    expect(vmTest('crash-during-apply').testScript).not.toMatch(/grep[^\n]*state\.json/);
  });
});
