/**
 * What the audit of the Nix layer against nixpkgs 26.05 found (docs/nix-option-audit.md), held
 * in place: every NixOS option path our modules define is in the audit table (a new one fails
 * here until someone checks it against nixpkgs and adds its row); both boot loaders the image
 * formats use get the generation limit; and no pkgs attribute that nixpkgs 26.05 deprecates is
 * named under nix/. One nix-instantiate run for the evaluated modules, one for controller.nix.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FACTORY_HOSTNAME } from '../../server/cloud-init/partial.js';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AUDIT = join(REPO, 'docs/nix-option-audit.md');
const AMAZON_INIT = join(REPO, 'test/nix/nixos-stubs/virtualisation/amazon-init.nix');
const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir) {
  if (process.env.CI) throw new Error(`test/nix/nixpkgs-audit.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
  console.log(`test/nix/nixpkgs-audit.test.ts: evaluation tests skipped: ${nixpkgsLib.reason}`);
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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Attribute sets whose keys are names we choose (units, users, files), not option names. */
const NAMED = [
  'systemd.services',
  'systemd.timers',
  'systemd.paths',
  'systemd.network.networks',
  'systemd.network.netdevs',
  'users.users',
  'users.groups',
  'environment.etc',
];

/**
 * The option paths under which a value is defined, as the audit table writes them: a named
 * entry becomes <name> and only its first level is kept (systemd.services.<name>.serviceConfig;
 * the unit directives are audited in the table's systemd section).
 */
function optionPaths(value: Json, prefix = ''): string[] {
  // An empty set is the harness's free-form default, not a definition (a named entry's is).
  if (!isObject(value)) return prefix ? [prefix] : [];
  const named = NAMED.includes(prefix);
  return Object.entries(value).flatMap(([key, v]) => {
    if (named) return isObject(v) && Object.keys(v).length > 0 ? Object.keys(v).map((field) => `${prefix}.<name>.${field}`) : [`${prefix}.<name>`];
    return optionPaths(v, prefix ? `${prefix}.${key}` : key);
  });
}

const FRAGMENTS: Record<string, string> = {
  factory: '{ }',
  // A network-only document naming no interface: the site's unit matches the physical NICs.
  partial: '{ bowtie.site = { hostname = "ctl-2"; site.name = "x"; }; }',
  amazon: `{ imports = [ ${AMAZON_INIT} ]; boot.kernelParams = [ "console=ttyS0" ]; }`,
  // Everything the site document can turn on: VLAN, MTU, proxy with credentials, provided TLS,
  // single sign-on, a console password, static addresses.
  complete: `{ bowtie.site = {
    hostname = "ctl-1"; domain = "example.com"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/var/lib/bowtie-setup/secrets/admin-password-hash";
      ssh_authorized_keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops" ];
      console_password_hash_file = "/var/lib/bowtie-setup/secrets/console-password-hash"; };
    network = { interface = "ens5"; vlan = 120; mtu = 1400; dns = [ "192.0.2.53" ]; ntp = [ "192.0.2.123" ];
      ipv4 = { method = "static"; address = "192.0.2.10/24"; gateway = "192.0.2.1"; };
      proxy = { url = "http://proxy.example.com:3128"; credentials_file = "/var/lib/bowtie-setup/secrets/proxy-credentials"; no_proxy = [ "10.0.0.0/8" ]; }; };
    enrollment = { site_id = "6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b"; token_file = "/var/lib/bowtie-setup/secrets/enrollment-token"; };
    tls = { mode = "provided"; certificate = "-----BEGIN CERTIFICATE-----"; private_key_file = "/var/lib/bowtie-setup/secrets/tls-key"; };
    sso = { type = "oidc"; id = "corp"; name = "Corp"; issuer = "https://id.example.com"; client_id = "c";
      client_secret_file = "/var/lib/bowtie-setup/secrets/sso-client-secret"; };
  }; }`,
};
// What the harness's pkgs must refuse: nixpkgs 26.05 deprecates the xorg set (pkgs.xorg.lndir
// evaluates with a warning there and stops existing later). A missing attribute is not caught by
// the harness's tryEval: the whole run fails, so it is evaluated on its own.
const XORG_LNDIR = '{ pkgs, ... }: { services.bowtie-setup.offline.extraDependencies = [ pkgs.xorg.lndir ]; }';

type Evaluated = { name: string; ok: boolean; extraDependencies?: string[] } & Record<string, Json>;
function evalFragments(fragments: Record<string, string>): Evaluated[] {
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-audit-'));
  try {
    const entries = Object.entries(fragments).map(([name, source]) => {
      const file = join(dir, `${name}.nix`);
      writeFileSync(file, source);
      return `{ name = ${JSON.stringify(name)}; module = ${file}; setup = true; }`;
    });
    return evalJson(
      `import ${join(REPO, 'test/nix/eval-modules.nix')} { lib = import ${nixpkgsLib.dir}; fragments = [ ${entries.join(' ')} ]; }`,
    ) as Evaluated[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
let evaluated: Map<string, Evaluated> | null = null;
function evaluate(): Map<string, Evaluated> {
  evaluated ??= new Map(evalFragments(FRAGMENTS).map((e) => [e.name, e]));
  return evaluated;
}
const get = (name: string): Evaluated => {
  const e = evaluate().get(name);
  if (!e?.ok) throw new Error(`${name} did not evaluate`);
  return e;
};

/** NixOS's namespaces in the evaluated result (ours, and the stubs' own settings, left out). */
const NIXOS_KEYS = ['networking', 'users', 'security', 'environment', 'systemd', 'nix', 'services', 'virtualisation'];
const OURS = /^services\.(bowtie-setup|bowtie-update|bowtie_server)\./;
// Set by test/nix/eval-modules.nix to stand for NixOS (what our modules read), not by our modules.
const STUB_VALUES = new Set(['nix.package', 'systemd.package', 'environment.sessionVariables.NIX_PATH']);

/** What the stubbed NixOS options hold when nothing defines them (their declared defaults). */
function stubDefaults(): Record<string, Json> {
  return evalJson(
    `let c = (import ${nixpkgsLib.dir}).evalModules { modules = [ ${join(REPO, 'test/nix/nixos-stubs/nixos.nix')} ]; }; in
     builtins.listToAttrs (map (k: { name = k; value = c.config.\${k} or { }; }) [ ${NIXOS_KEYS.map((k) => JSON.stringify(k)).join(' ')} ])`,
  ) as Record<string, Json>;
}

/** `value` without the leaves equal to the stubs' defaults at the same place: a default is no definition. */
function withoutDefaults(value: Json, defaults: Json | undefined): Json {
  if (!isObject(value) || !isObject(defaults)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    const d = defaults[k];
    if (d !== undefined && JSON.stringify(v) === JSON.stringify(d)) continue;
    out[k] = withoutDefaults(v, d);
  }
  return out;
}

function definedPaths(): string[] {
  const paths = new Set<string>();
  const defaults = stubDefaults();
  for (const name of ['factory', 'partial', 'amazon', 'complete']) {
    const e = get(name);
    for (const key of NIXOS_KEYS)
      for (const p of optionPaths(withoutDefaults(e[key] ?? null, defaults[key]), key)) if (!OURS.test(p) && !STUB_VALUES.has(p)) paths.add(p);
  }
  // nix/controller.nix is a plain attribute set: its definitions are read as they are.
  // mkDefault and friends are unwrapped to their content, functions (allowUnfreePredicate) named.
  const controller = evalJson(
    `let
      unwrap = v: if builtins.isFunction v then "<function>"
        else if builtins.isAttrs v then (if v ? _type && v ? content then unwrap v.content else builtins.mapAttrs (_: unwrap) v)
        else v;
    in unwrap (builtins.removeAttrs (import ${join(REPO, 'nix/controller.nix')} { lib = import ${nixpkgsLib.dir}; }) [ "imports" ])`,
  ) as Json;
  for (const p of optionPaths(controller)) if (!OURS.test(p)) paths.add(p);
  // nix/images/*.nix: what each sets besides its import and its own listing.
  const images = evalJson(
    `map (f: builtins.removeAttrs (import f { lib = import ${nixpkgsLib.dir}; modulesPath = "/M"; pkgs.stdenv.hostPlatform.isx86_64 = true; }) [ "imports" "services" ]) [ ${readdirSync(
      join(REPO, 'nix/images'),
    )
      .filter((f) => f.endsWith('.nix'))
      .map((f) => join(REPO, 'nix/images', f))
      .join(' ')} ]`,
  ) as Json[];
  for (const image of images) for (const p of optionPaths(image)) paths.add(p);
  return [...paths].sort();
}

/** Unit and networkd directives as `[Section] Key`, from the option each section is written from. */
const SECTIONS: Record<string, Record<string, string>> = {
  services: { unitConfig: 'Unit', serviceConfig: 'Service' },
  timers: { unitConfig: 'Unit', timerConfig: 'Timer' },
  paths: { unitConfig: 'Unit', pathConfig: 'Path' },
  networks: { matchConfig: 'Match', networkConfig: 'Network', linkConfig: 'Link', dhcpV4Config: 'DHCPv4' },
  netdevs: { netdevConfig: 'NetDev', vlanConfig: 'VLAN' },
};
function directives(): string[] {
  const found = new Set<string>();
  for (const name of ['factory', 'partial', 'amazon', 'complete']) {
    const systemd = get(name).systemd as Record<string, Json>;
    const network = (systemd.network ?? {}) as Record<string, Json>;
    const kinds: Record<string, Json | undefined> = { services: systemd.services, timers: systemd.timers, paths: systemd.paths, ...network };
    for (const [kind, sections] of Object.entries(SECTIONS)) {
      const units = kinds[kind];
      if (!isObject(units)) continue;
      for (const unit of Object.values(units)) {
        if (!isObject(unit)) continue;
        for (const [option, section] of Object.entries(sections)) {
          const settings = unit[option];
          if (isObject(settings)) for (const key of Object.keys(settings)) found.add(`[${section}] ${key}`);
        }
      }
    }
  }
  return [...found].sort();
}

describe(`the NixOS options our modules define are the audited ones (docs/nix-option-audit.md)`, () => {
  withLib('every unit and networkd directive our modules write is in the audit table', () => {
    const table = readFileSync(AUDIT, 'utf8');
    const found = directives();
    if (process.env.PRINT_AUDIT_PATHS) console.log(found.join('\n'));
    expect(found).toEqual(
      expect.arrayContaining(['[Service] DeviceAllow', '[Service] TTYVHangup', '[Link] RequiredForOnline', '[VLAN] Id', '[Timer] Persistent']),
    );
    const missing = found.filter((d) => !table.includes(`\`${d}\``));
    expect(missing, 'check these against systemd and add them to the table').toEqual([]);
  });

  withLib('the paths walk finds named entries and leaves', () => {
    expect(
      optionPaths({ systemd: { services: { a: { serviceConfig: { X: 1 }, after: ['b'] } }, package: 'p' }, users: { groups: { g: {} } }, boot: {} }),
    ).toEqual(['systemd.services.<name>.serviceConfig', 'systemd.services.<name>.after', 'systemd.package', 'users.groups.<name>']);
  });

  withLib('every option path set by nix/controller.nix and nix/modules has a row in the audit table', () => {
    const table = readFileSync(AUDIT, 'utf8');
    const paths = definedPaths();
    if (process.env.PRINT_AUDIT_PATHS) console.log(paths.join('\n'));
    // The walk covers the modules: the hardened web unit, networkd, the users, the controller's own.
    expect(paths).toEqual(
      expect.arrayContaining([
        'systemd.services.<name>.serviceConfig',
        'systemd.network.netdevs.<name>.vlanConfig',
        'users.users.<name>.hashedPasswordFile',
        'virtualisation.amazon-init.enable',
        'boot.loader.systemd-boot.configurationLimit',
        'services.openssh.settings.PermitRootLogin',
      ]),
    );
    const missing = paths.filter((p) => !table.includes(`\`${p}\``));
    expect(missing, 'audit these against nixpkgs and add their rows').toEqual([]);
  });
});

// Every image format: nix/controller.nix with the format's nix/images/ file, whose nixpkgs module
// is a stand-in at nixpkgs' path (test/nix/nixos-stubs/image-formats/), before setup and with the
// design example's complete site. One evaluation for all of them.
const FORMATS = readdirSync(join(REPO, 'nix/images'))
  .filter((f) => f.endsWith('.nix'))
  .map((f) => f.slice(0, -4))
  .sort();
const DESIGN = (() => {
  const text = readFileSync(join(REPO, 'test/golden/design-example.case'), 'utf8');
  const m = /^==== fragment\n/m.exec(text);
  if (!m) throw new Error('test/golden/design-example.case has no fragment');
  return text.slice(m.index + m[0].length);
})();
type Format = Evaluated & {
  failedAssertions: string[];
  networking: { hostName?: string; useDHCP?: boolean; firewall?: { enable?: boolean } };
  services: { openssh?: { settings?: { PermitRootLogin?: string } }; 'cloud-init'?: { enable?: boolean } };
  bootLoader: { grub?: { configurationLimit?: number }; 'systemd-boot'?: { configurationLimit?: number; enable?: boolean } };
  initrdModules: string[];
};
let formats: Map<string, Format> | null = null;
function formatResults(): Map<string, Format> {
  if (formats) return formats;
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-formats-'));
  try {
    writeFileSync(join(dir, 'design.nix'), DESIGN);
    const fragments: Record<string, string> = {};
    for (const f of FORMATS) {
      const imports = `${join(REPO, 'nix/controller.nix')} ${join(REPO, 'nix/images', `${f}.nix`)}`;
      fragments[`${f}-factory`] = `{ imports = [ ${imports} ]; }`;
      fragments[`${f}-complete`] = `{ imports = [ ${imports} ${join(dir, 'design.nix')} ]; }`;
    }
    formats = new Map((evalFragments(fragments) as Format[]).map((e) => [e.name, e]));
    return formats;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const format = (name: string): Format => {
  const e = formatResults().get(name);
  if (!e?.ok) throw new Error(`${name} did not evaluate (a conflict with nixpkgs' image module?)`);
  // nix/images/ lists the repository's own files, which are not in a store here: that assertion only.
  expect(
    e.failedAssertions.filter((m) => !m.includes('configurationImports')),
    name,
  ).toEqual([]);
  return e;
};

describe('every image format evaluates with the definitions of its nixpkgs module', () => {
  withLib('all eight formats, before and after setup', () => {
    expect(FORMATS).toEqual(['amazon', 'google-compute', 'hyperv', 'proxmox', 'qemu', 'qemu-efi', 'raw-efi', 'vmware']);
    for (const f of FORMATS) for (const stage of ['factory', 'complete']) format(`${f}-${stage}`);
  });

  withLib("the host name: the appliance's before setup, the site's after, whatever the format's module defaults or forces", () => {
    // amazon and google-compute default it to "" (mkDefault), proxmox forces "" with its cloud-init integration.
    for (const f of FORMATS) {
      // The name the wizard and the reset take for the image's own (server/cloud-init/partial.ts).
      expect(format(`${f}-factory`).networking.hostName, f).toBe(FACTORY_HOSTNAME);
      expect(format(`${f}-complete`).networking.hostName, f).toBe('ctl-sfo-01');
    }
  });

  withLib('root never logs in over SSH, also where the format says prohibit-password', () => {
    for (const f of FORMATS) expect(format(`${f}-factory`).services.openssh?.settings?.PermitRootLogin, f).toBe('no');
  });

  withLib('the boot menu: 10 generations with either loader, unless the format sets its own (google-compute: 0)', () => {
    for (const f of FORMATS) {
      const loader = format(`${f}-factory`).bootLoader;
      expect(loader.grub?.configurationLimit, f).toBe(f === 'google-compute' ? 0 : 10);
      // qemu-efi and raw-efi boot with systemd-boot (nixpkgs' disk-image.nix with efiSupport).
      expect(loader['systemd-boot']?.configurationLimit, f).toBe(10);
    }
    expect(format('qemu-efi-factory').bootLoader['systemd-boot']?.enable).toBe(true);
    expect(format('qemu-factory').bootLoader['systemd-boot']?.enable).toBe(false);
  });

  withLib("raw-efi, the installer's image for bare metal, finds its disk behind the common RAID and HBA controllers; the other formats are unchanged", () => {
    // nixpkgs' all-hardware profile (its stand-in) and the controllers it leaves out, together.
    const raw = format('raw-efi-factory').initrdModules;
    for (const m of ['hpsa', 'nvme', 'ahci', 'megaraid_sas', 'mpt3sas', 'mpi3mr', 'smartpqi', 'aacraid', 'vmd']) expect(raw, m).toContain(m);
    for (const f of FORMATS.filter((x) => x !== 'raw-efi')) expect(format(`${f}-factory`).initrdModules, f).toEqual([]);
  });

  withLib("proxmox: DHCP stays on and NixOS's cloud-init off (ours reads the cloud-init drive)", () => {
    for (const stage of ['factory', 'complete']) {
      const e = format(`proxmox-${stage}`);
      expect(e.networking.useDHCP ?? true).toBe(true);
      expect(e.services['cloud-init']?.enable).toBe(false);
    }
  });

  withLib('a stand-in that conflicts with us is caught: a plain PermitRootLogin of our own against amazon', () => {
    const out = evalFragments({
      conflict: `{ imports = [ ${join(REPO, 'nix/images/amazon.nix')} ]; services.openssh.settings.PermitRootLogin = "no"; }`,
    });
    expect(out[0]!.ok).toBe(false);
  });
});

describe('findings of the audit, held in place', () => {
  withLib('a unit that takes a console (StandardInput=tty) names it, and hangs it up before an ExecStartPre takes it', () => {
    // systemd gives every Exec line of the unit the terminal; with StandardInput=tty a process
    // waits until the terminal's controlling process (a login prompt's session) lets it go. The
    // menu's ExecStartPre is what stops the login prompt: TTYVHangup= ends that session first.
    const units = Object.entries((get('amazon').systemd as { services: Record<string, { serviceConfig?: Record<string, Json> }> }).services);
    const consoles = units.filter(([, u]) => {
      const input = u.serviceConfig?.StandardInput;
      return typeof input === 'string' && input.startsWith('tty');
    });
    expect(consoles.map(([n]) => n).sort()).toEqual(['bowtie-setup-console@tty1', 'bowtie-setup-console@ttyS0']);
    for (const [name, u] of consoles) {
      expect(u.serviceConfig!.TTYPath, name).toMatch(/^\/dev\/tty(S0|1)$/);
      if (u.serviceConfig!.ExecStartPre) expect(u.serviceConfig!.TTYVHangup, name).toBe(true);
    }
  });

  withLib("the offline build dependencies are nixpkgs 26.05's top-level attributes, and the harness refuses the deprecated xorg set", () => {
    expect(get('factory').extraDependencies).toContain('/nix/store/00000000000000000000000000000000-lndir');
    expect(() => evalFragments({ 'xorg-lndir': XORG_LNDIR })).toThrow(/attribute 'xorg' missing/);
  });

  it('no file under nix/ names a pkgs attribute nixpkgs 26.05 deprecates or removed', () => {
    const files = (readdirSync(join(REPO, 'nix'), { recursive: true }) as string[]).filter((f) => f.endsWith('.nix'));
    expect(files.length).toBeGreaterThan(10);
    // xorg.*: deprecated set (nixpkgs #479724); nixfmt-rfc-style: now nixfmt; nodejs_20: removed.
    for (const f of files) expect(readFileSync(join(REPO, 'nix', f), 'utf8'), f).not.toMatch(/\bxorg\.|\bnixfmt-rfc-style\b|\bnodejs_20\b/);
  });
});
