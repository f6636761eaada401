/**
 * The NixOS modules under nix/: every .nix file parses, and site.nix + update.nix, evaluated
 * with nixpkgs' lib.evalModules on the golden fragments (one nix-instantiate run for all of
 * them), give the NixOS values we mean. The evaluation needs nixpkgs' lib: NIXPKGS_LIB, the copy
 * vendored beside the checkout (../shared/vendor/nixpkgs-lib, which .ci/run uses) or
 * <nixpkgs/lib> (test/helpers/nix.ts). Without one, those tests skip on a developer's machine
 * and fail under CI=true.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYOUT_DIRS, WEB_USER, type LayoutDir } from '../../server/nix/paths.js';
import { updateConfigSchema } from '../../server/update/schema.js';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';
import { secretValues } from '../helpers/secrets.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const GOLDEN = join(REPO, 'test/golden');
const HARNESS = join(REPO, 'test/nix/eval-modules.nix');
/** NixOS's own options, stubbed (the harnesses use the same file). */
const NIXOS_STUBS = join(REPO, 'test/nix/nixos-stubs/nixos.nix');
/** nixpkgs declares virtualisation.amazon-init only in the amazon format (its amazon image module imports it). */
const AMAZON_INIT = join(REPO, 'test/nix/nixos-stubs/virtualisation/amazon-init.nix');

function nixFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? nixFiles(join(dir, e.name)) : e.name.endsWith('.nix') ? [join(dir, e.name)] : [],
  );
}

describe('nix files', () => {
  it('every .nix file under nix/, test/nix/ and flake.nix parses', () => {
    requireNix();
    const files = [...nixFiles(join(REPO, 'nix')), ...nixFiles(join(REPO, 'test/nix')), join(REPO, 'flake.nix')];
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      expect(() => execFileSync('nix-instantiate', ['--parse', f], { stdio: ['ignore', 'ignore', 'pipe'] }), f).not.toThrow();
    }
  });
});

// ---- lib.evalModules -------------------------------------------------------------------------

const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir) {
  // CI has no excuse: a skipped evaluation there would hide a broken module.
  if (process.env.CI) throw new Error(`test/nix/modules.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
  console.log(`test/nix/modules.test.ts: evalModules tests skipped: ${nixpkgsLib.reason}`);
}
const withLib = it.skipIf(!nixpkgsLib.dir);
const skipNote = nixpkgsLib.dir ? '' : ` (skipped: ${nixpkgsLib.reason})`;

interface Case {
  name: string;
  input: string;
  fragment: string;
}

function goldenFragments(): Case[] {
  return readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.case'))
    .sort()
    .flatMap((f) => {
      const text = readFileSync(join(GOLDEN, f), 'utf8');
      const m = /^==== fragment\n/m.exec(text);
      return m ? [{ name: f.slice(0, -5), input: text.slice(0, m.index), fragment: text.slice(m.index + m[0].length) }] : [];
    });
}

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2';
/** Inline modules for what the golden files do not cover (Nix source, evaluated as modules). */
const EXTRA: Record<string, string> = {
  // A comment that tries to add a second authorized_keys line, with CR, LF and other controls.
  'ssh-key-injection': `{ bowtie.site = {
    hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/var/lib/bowtie-setup/secrets/admin-password-hash";
      ssh_authorized_keys = [ "ssh-ed25519 ${KEY} ops\\nssh-ed25519 ${KEY} attacker\\r\\ncommand=\\"sh\\" x\\u0000" ]; };
  }; }`.replace('\\u0000', '\\t\u000b'),
  // A secret as a Nix path literal would be copied into the store: the type refuses it.
  'path-literal-secret': `{ bowtie.site = {
    hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = /var/lib/bowtie-setup/secrets/admin-password-hash; };
  }; }`,
  'percent-in-free-text': `{ bowtie.site = {
    hostname = "ctl-1"; site.name = "100% %u uptime";
    admin = { email = "a@example.com"; password_hash_file = "/var/lib/bowtie-setup/secrets/admin-password-hash"; };
    enrollment = { site_id = "6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b"; token_file = "/var/lib/bowtie-setup/secrets/enrollment-token";
      entrypoints = [ "https://ctl-2.example.com/a%20b" ]; };
  }; }`,
  'no-fragment': `{ }`,
  // A VLAN needs its parent named (bowtie-setup pins the probed one before it renders).
  'vlan-without-interface': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x"; network.vlan = 120; }; }`,
  // What the renderer never writes: a proxy URL with credentials, a path, or an injection.
  'proxy-url-with-credentials': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x"; network.proxy.url = "http://u:p@proxy.example.com:3128"; }; }`,
  'proxy-url-with-path': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x"; network.proxy.url = "http://proxy.example.com:3128/\\\${x}"; }; }`,
  'proxy-no-proxy-with-comma': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x"; network.proxy = { url = "http://proxy.example.com:3128"; no_proxy = [ "a,b" ]; }; }; }`,
  // Secret paths the module must refuse: in the store, with a blank, with a systemd specifier.
  'secret-in-store': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/nix/store/00000000000000000000000000000000-hash"; }; }; }`,
  'secret-with-space': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/var/lib/bowtie setup/hash"; }; }; }`,
  'secret-with-specifier': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/var/lib/%d/hash"; }; }; }`,
  // systemd expands $VAR in ExecStartPre= and reads quotes and backslashes there; a shell too.
  'secret-with-dollar': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/run/keys/\\$HOME/hash"; }; }; }`,
  'secret-with-quote': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/run/keys/a'b"; }; }; }`,
  'secret-with-backslash': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/run/keys/a\\\\b"; }; }; }`,
  'secret-with-dotdot': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/run/keys/../../nix/store/x"; }; }; }`,
  // What people write: /run/keys (deployment tools), agenix's /run/agenix, sops-nix's /run/secrets.
  'secret-elsewhere': `{ bowtie.site = { hostname = "ctl-1"; site.name = "x";
    admin = { email = "a@example.com"; password_hash_file = "/run/agenix/admin-hash_v2.age@host+1"; }; }; }`,
};

/** Evaluated together with setup.nix and a flake's image settings. */
const SETUP: Record<string, string> = {
  'setup-factory': `{ }`,
  // An image built without update endpoints, with a complete document that enables updates.
  'setup-no-update-source': '',
  'setup-import-outside-store': `{ lib, ... }: { services.bowtie-setup.configurationImports = lib.mkForce [ "/home/me/controller.nix" ]; }`,
  // The kernel command lines the image formats set (nixpkgs nixos/modules/virtualisation/
  // amazon-image.nix, google-compute-config.nix, proxmox-image.nix); qcow and the others name
  // no serial console (setup-factory).
  // amazon-init exists only where nixpkgs' amazon image module is imported (AMAZON_INIT).
  'setup-amazon': `{ imports = [ ${AMAZON_INIT} ]; boot.kernelParams = [ "console=ttyS0,115200n8" "random.trust_cpu=on" ]; }`,
  'setup-gce': `{ boot.kernelParams = [ "console=ttyS0" "panic=1" "boot.panic_on_fail" ]; }`,
  'setup-proxmox': `{ boot.kernelParams = [ "console=ttyS0" ]; }`,
  // A VT console on the command line adds nothing: tty1 is always there.
  'setup-vt-console': `{ boot.kernelParams = [ "console=tty0" "console=tty1" ]; }`,
  'setup-console-ttys-twice': `{ services.bowtie-setup.console.ttys = [ "tty1" "ttyS0" "ttyS0" ]; }`,
  'setup-console-ttys-hostile': `{ services.bowtie-setup.console.ttys = [ "tty1" "ttyS0.service ../x" ]; }`,
  'setup-console-off': `{ boot.kernelParams = [ "console=ttyS0" ]; services.bowtie-setup.console.enable = false; }`,
  // What a rebuilt generation evaluates: configuration.nix lists the modules, and an image
  // variant's own module (nix/images/) lists itself again.
  'setup-import-listed-twice': `{ services.bowtie-setup.configurationImports = [ "/nix/store/33333333333333333333333333333333-source/nix/images/qemu.nix" ]; }`,
};

type Evaluated = {
  configurationText: string | null;
  name: string;
  ok: boolean;
  failedAssertions: string[];
  warnings: string[];
  virtualisation: Record<string, any>;
  siteComplete: boolean;
  networking: Record<string, any>;
  users: { users?: Record<string, any> };
  security: Record<string, any>;
  environment: { etc?: Record<string, { text: string }> };
  systemd: {
    services?: Record<string, any>;
    timers?: Record<string, any>;
    paths?: Record<string, any>;
    tmpfiles: { rules: string[] };
    network?: { networks: Record<string, any>; netdevs: Record<string, any> };
  };
  nix: Record<string, any>;
  services: Record<string, any>;
};

let evaluated: Map<string, Evaluated> | null = null;
function evaluate(): Map<string, Evaluated> {
  if (evaluated) return evaluated;
  requireNix();
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-modules-'));
  try {
    const entries: string[] = [];
    for (const c of goldenFragments()) {
      const file = join(dir, `${c.name}.nix`);
      writeFileSync(file, c.fragment);
      entries.push(`{ name = ${JSON.stringify(c.name)}; module = ${file}; }`);
    }
    for (const [name, source] of Object.entries(EXTRA)) {
      const file = join(dir, `${name}.nix`);
      writeFileSync(file, source);
      entries.push(`{ name = ${JSON.stringify(name)}; module = ${file}; }`);
    }
    const design = goldenFragments().find((c) => c.name === 'design-example')!.fragment;
    const noSource = `{ lib, ... }: { imports = [ (${JSON.stringify('DESIGN')}) ]; services.bowtie-update = { metadataUrl = lib.mkForce null; cacheUrl = lib.mkForce null; trustedPublicKeys = lib.mkForce [ ]; }; }`;
    const completeAmazon = `{ imports = [ (${JSON.stringify('DESIGN')}) ${AMAZON_INIT} ]; boot.kernelParams = [ "console=ttyS0,115200n8" ]; }`;
    for (const [name, source] of Object.entries({
      ...SETUP,
      'setup-complete': design,
      'setup-no-update-source': noSource,
      'setup-complete-amazon': completeAmazon,
    })) {
      const file = join(dir, `${name}.nix`);
      writeFileSync(join(dir, 'design.nix'), design);
      writeFileSync(file, source.replace('"DESIGN"', join(dir, 'design.nix')));
      entries.push(`{ name = ${JSON.stringify(name)}; module = ${file}; setup = true; }`);
    }
    const expr = `import ${HARNESS} { lib = import ${nixpkgsLib.dir}; fragments = [ ${entries.join(' ')} ]; }`;
    const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, NIX_PATH: '' },
    });
    evaluated = new Map((JSON.parse(out) as Evaluated[]).map((e) => [e.name, e]));
    return evaluated;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const getMaybe = (name: string): Evaluated | undefined => evaluate().get(name);
const get = (name: string): Evaluated => {
  const e = evaluate().get(name);
  if (!e) throw new Error(`no evaluation for ${name}`);
  if (!e.ok) throw new Error(`${name} did not evaluate`);
  return e;
};
const siteNetwork = (e: Evaluated) => e.systemd.network!.networks['40-bowtie-site'];

describe(`nix/modules/site.nix and update.nix through lib.evalModules${skipNote}`, () => {
  withLib('every golden fragment evaluates, passes the assertions, and keeps every secret out', () => {
    const cases = goldenFragments();
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const c of cases) {
      const e = get(c.name);
      expect(e.failedAssertions, c.name).toEqual([]);
      const hostname = /^hostname: *"?([A-Za-z0-9-]+)/m.exec(c.input)?.[1] ?? JSON.parse(c.input).hostname;
      expect(e.networking.hostName, c.name).toBe(hostname);
      const json = JSON.stringify(e);
      for (const secret of secretValues(c.input)) expect(json, `${c.name}: a secret value is in the configuration`).not.toContain(secret);
      // Secrets reach NixOS only as the appliance's secret file paths.
      for (const m of json.matchAll(/"(\/[^"]*secrets[^"]*)"/g)) expect(m[1]).toMatch(/\/var\/lib\/bowtie-setup\/secrets\//);
      const complete = /^ {4}enrollment = \{$/m.test(c.fragment);
      expect(e.siteComplete, c.name).toBe(complete);
      expect(e.services.bowtie_server?.enable ?? false, c.name).toBe(complete);
    }
  });

  withLib('the design example: host, domain, DHCP on ens5, DNS, NTP, admin keys, daemon settings', () => {
    const e = get('design-example');
    expect(e.networking).toMatchObject({ hostName: 'ctl-sfo-01', domain: 'corp.example.com', nameservers: ['1.1.1.1', '9.9.9.9'], enableIPv6: true });
    expect(siteNetwork(e)).toMatchObject({
      matchConfig: { Name: 'ens5' },
      address: [],
      gateway: [],
      networkConfig: { DHCP: 'ipv4', IPv6AcceptRA: true, LinkLocalAddressing: 'ipv6' },
    });
    expect(e.services.timesyncd).toEqual({ enable: true, servers: ['time.cloudflare.com'] });
    expect(e.users.users!.admin).toMatchObject({
      isNormalUser: true,
      extraGroups: ['wheel'],
      openssh: { authorizedKeys: { keys: [`ssh-ed25519 ${KEY} ops@laptop`] } },
      hashedPasswordFile: null,
    });
    const daemon = e.systemd.services!.bowtie_server;
    expect(daemon.environment).toMatchObject({
      SITE_ID: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b',
      BOWTIE_ENTRYPOINTS: 'https://ctl-1.corp.example.com',
      BOWTIE_JOIN_STRATEGY: 'bootstrap-at-failure',
      BOWTIE_INIT_ADMIN_EMAIL: 'ops@example.com',
      BOWTIE_INIT_ADMIN_PASSWORD_HASH_FILE: '%d/admin-password-hash',
      BOWTIE_SKIP_GUI_INIT: '1',
      BOWTIE_TLS_MODE: 'acme',
      BOWTIE_ACME_DOMAINS: 'ctl-sfo-01.corp.example.com',
    });
    expect(daemon.serviceConfig.LoadCredential).toEqual(['admin-password-hash:/var/lib/bowtie-setup/secrets/admin-password-hash']);
    expect(daemon.serviceConfig.ExecStartPre).toEqual([
      expect.stringMatching(/^\+\/nix\/store\/\S+-bowtie-server-psk-env \/var\/lib\/bowtie-setup\/secrets\/enrollment-token$/),
    ]);
    expect(daemon.serviceConfig.EnvironmentFile).toEqual(['-/run/bowtie-setup/bowtie_server.env']);
    expect(e.services.openssh.enable).toBe(true);
    expect(e.security.sudo.wheelNeedsPassword).toBe(false);
  });

  withLib('static IPv4 without an interface: address and gateway on the physical Ethernet NICs', () => {
    const e = get('ipv4-static');
    expect(siteNetwork(e)).toMatchObject({
      matchConfig: { Type: 'ether', Kind: '!*' },
      address: ['10.0.0.5/24'],
      gateway: ['10.0.0.1'],
      dns: ['10.0.0.2', '10.0.0.3'],
      networkConfig: { DHCP: 'no', IPv6AcceptRA: true },
    });
    expect(e.networking.nameservers).toEqual(['10.0.0.2', '10.0.0.3']);
    // bowtie-setup pins the probed NIC before it applies (decision 0641); a fragment that was not
    // pinned (render FILE, written by hand) says at build time where its address will go.
    expect(e.warnings).toContainEqual(expect.stringMatching(/^bowtie\.site\.network: a static address with no interface named goes on every Ethernet NIC/));
    expect(get('ipv6-static-no-gateway').warnings.join('\n')).toMatch(/no interface named/);
    expect(get('design-example').warnings.join('\n')).not.toMatch(/no interface named/);
    expect(get('network-vlan-mtu-static').warnings.join('\n')).not.toMatch(/no interface named/);
  });

  withLib('IPv6 static with a link-local gateway, static without a gateway, DHCPv6, off', () => {
    expect(siteNetwork(get('ipv6-static-link-local-gateway'))).toMatchObject({
      networkConfig: { IPv6AcceptRA: false },
      gateway: expect.arrayContaining([expect.stringMatching(/^fe80::/)]),
    });
    const noGateway = siteNetwork(get('ipv6-static-no-gateway'));
    expect(noGateway.address).toEqual(['2001:db8:10::5/64']);
    expect(noGateway.gateway).toEqual([]);
    expect(siteNetwork(get('ipv6-dhcp')).networkConfig).toMatchObject({ DHCP: 'yes', IPv6AcceptRA: true });
    const off = get('ipv6-off');
    expect(off.networking.enableIPv6).toBe(false);
    expect(siteNetwork(off).networkConfig).toMatchObject({ IPv6AcceptRA: false, LinkLocalAddressing: 'no' });
  });

  withLib('provided TLS: the certificate in /etc, the key as a credential by path', () => {
    const e = get('tls-provided');
    expect(e.environment.etc!['bowtie-setup/tls/certificate.pem']!.text).toContain('-----BEGIN CERTIFICATE-----');
    const daemon = e.systemd.services!.bowtie_server;
    expect(daemon.environment).toMatchObject({
      BOWTIE_TLS_MODE: 'provided',
      BOWTIE_TLS_CERT_FILE: '/etc/bowtie-setup/tls/certificate.pem',
      BOWTIE_TLS_KEY_FILE: '%d/tls-private-key',
    });
    expect(daemon.serviceConfig.LoadCredential).toContain('tls-private-key:/var/lib/bowtie-setup/secrets/tls-private-key');
  });

  withLib('single sign-on: the connector in /etc/dex without its secret, the secret read by path at start', () => {
    const e = get('sso-oidc');
    const connector = JSON.parse(e.environment.etc!['dex/sso.yaml']!.text) as Record<string, any>;
    expect(connector).toEqual({
      type: 'oidc',
      id: 'okta',
      name: 'Sign in with "Okta" ${x} 100%',
      config: {
        issuer: 'https://corp.okta.example.com/oauth2/default',
        clientID: '0oa1b2c3d4e5f6g7h8i9',
        clientSecret: '$BOWTIE_SSO_CLIENT_SECRET',
        redirectURI: '$DEX_ORIGIN/dex/callback',
      },
    });
    expect(e.systemd.services!.bowtie_server.serviceConfig.ExecStartPre).toEqual([
      expect.stringMatching(
        /^\+\/nix\/store\/\S+-bowtie-server-psk-env \/var\/lib\/bowtie-setup\/secrets\/enrollment-token \/var\/lib\/bowtie-setup\/secrets\/sso-client-secret$/,
      ),
    ]);
    // Without single sign-on there is no connector file and the start script gets the PSK only.
    expect(get('design-example').environment.etc?.['dex/sso.yaml']).toBeUndefined();
  });

  withLib('a partial document configures host and network only: no daemon, no updates', () => {
    const e = get('partial-network-only');
    expect(e.networking.hostName).toBe('edge-01');
    expect(e.siteComplete).toBe(false);
    expect(e.services.bowtie_server.enable).toBe(false);
    expect(e.services['bowtie-update'].enable).toBe(false);
    expect(e.systemd.timers?.['bowtie-update']).toBeUndefined();
    expect(e.systemd.services?.bowtie_server).toBeUndefined();
    expect(e.users.users?.admin).toBeUndefined();
    const withAdmin = get('partial-with-admin');
    expect(withAdmin.users.users!.admin.isNormalUser).toBe(true);
    expect(withAdmin.services.bowtie_server.enable).toBe(false);
  });

  withLib('a console password hash reaches the OS account as a file path', () => {
    const e = get('console-password-yescrypt');
    expect(e.users.users!.admin.hashedPasswordFile).toBe('/var/lib/bowtie-setup/secrets/console-password-hash');
    expect(e.security.sudo.wheelNeedsPassword).toBe(true);
  });

  withLib('SSH key comments cannot add a second authorized_keys line', () => {
    for (const name of ['ssh-key-injection', 'ssh-key-hostile-comment']) {
      const keys: string[] = get(name).users.users!.admin.openssh.authorizedKeys.keys;
      expect(keys.length, name).toBeGreaterThanOrEqual(1);
      for (const key of keys) expect(key, name).not.toMatch(/[\u0000-\u001f\u007f]/);
      // What NixOS writes: the keys joined by newlines, one line per key.
      expect(keys.join('\n').split('\n'), name).toHaveLength(keys.length);
    }
    expect(get('ssh-key-injection').users.users!.admin.openssh.authorizedKeys.keys[0]).toMatch(
      /^ssh-ed25519 \S+ ops ssh-ed25519 \S+ attacker {2}command="sh" x {2}$/,
    );
  });

  withLib('a secret given as a Nix path literal is refused (it would be copied into the store)', () => {
    expect(evaluate().get('path-literal-secret')!.ok).toBe(false);
  });

  withLib('"%" in free text stays literal in the daemon environment (systemd specifiers)', () => {
    const env = get('percent-in-free-text').systemd.services!.bowtie_server.environment;
    expect(env.BOWTIE_SITE_NAME).toBe('100%% %%u uptime');
    expect(env.BOWTIE_ENTRYPOINTS).toBe('https://ctl-2.example.com/a%%20b');
    expect(env.BOWTIE_JOIN_STRATEGY).toBe('bootstrap-at-failure');
  });

  withLib('no fragment: the factory image is left alone', () => {
    const e = get('no-fragment');
    // NixOS's defaults (for the options the stubs declare), nothing of a site.
    expect(e.networking).toEqual({
      hostName: 'nixos',
      interfaces: {},
      useDHCP: true,
      extraHosts: '',
      nameservers: [],
      firewall: { allowedTCPPorts: [], allowedUDPPorts: [] },
    });
    expect(e.services.bowtie_server.enable).toBe(false);
    expect(e.systemd.timers ?? {}).toEqual({});
  });

  withLib('updates: a timer from the schedule and a service that survives the switch', () => {
    const e = get('updates-weekdays-beta');
    const input = goldenFragments().find((c) => c.name === 'updates-weekdays-beta')!.fragment;
    const schedule = /schedule = "([^"]*)"/.exec(input)![1];
    const delay = /randomized_delay = "([^"]*)"/.exec(input)![1];
    expect(e.systemd.timers!['bowtie-update']).toMatchObject({
      wantedBy: ['timers.target'],
      timerConfig: { OnCalendar: schedule, RandomizedDelaySec: delay, Persistent: true, Unit: 'bowtie-update.service' },
    });
    const service = e.systemd.services!['bowtie-update'];
    expect(service).toMatchObject({
      restartIfChanged: false,
      stopIfChanged: false,
      unitConfig: { 'X-StopOnRemoval': false },
      serviceConfig: { Type: 'oneshot', ExecStart: expect.stringMatching(/\/bin\/bowtie-setup update --config \/etc\/bowtie-setup\/update.json$/) },
    });
    const settings = JSON.parse(e.environment.etc!['bowtie-setup/update.json']!.text);
    expect(settings.channel).toBe('beta');
    expect(settings.metadata_url).toBe('https://updates.example.com/controller/beta.json');
    // What the module writes is what the command accepts.
    expect(updateConfigSchema.safeParse(settings).success).toBe(true);
    expect(e.nix.settings).toEqual({ substituters: ['https://cache.example.com'], 'trusted-public-keys': [expect.stringMatching(/^bowtie-1:/)] });
  });

  withLib('updates disabled in the document: no timer, the settings stay for update --check', () => {
    const e = get('updates-disabled');
    expect(e.services['bowtie-update'].enable).toBe(false);
    expect(e.systemd.timers?.['bowtie-update']).toBeUndefined();
    expect(e.environment.etc!['bowtie-setup/update.json']).toBeDefined();
  });

  withLib("the update gate waits for the site's link: named, its VLAN, or any link when none is named", () => {
    const network = (name: string) =>
      (JSON.parse(get(name).environment.etc!['bowtie-setup/update.json']!.text) as { health: { network: unknown } }).health.network;
    expect(network('interface-named')).toEqual({ interface: 'enp0s31f6' });
    expect(network('network-vlan-mtu-static')).toEqual({ interface: 'vlan120' });
    expect(network('entrypoints-with-paths')).toEqual({ interface: null });
  });

  withLib("the update health check is this controller's, whatever the cluster entrypoints", () => {
    const settings = JSON.parse(get('entrypoints-with-paths').environment.etc!['bowtie-setup/update.json']!.text);
    expect(settings.health.urls).toEqual(['https://127.0.0.1/']);
    expect(settings.health.units).toEqual(['bowtie_server.service']);
  });
});

describe(`network.vlan, network.mtu and network.proxy through lib.evalModules${skipNote}`, () => {
  const daemon = (name: string) => get(name).systemd.services!.bowtie_server;
  const update = (name: string) => get(name).systemd.services!['bowtie-update'];

  withLib('a VLAN: the netdev with its id and MTU, the parent carries it with the same MTU, the site addresses go on the VLAN', () => {
    const e = get('network-vlan-mtu-static');
    expect(e.failedAssertions).toEqual([]);
    expect(e.systemd.network!.netdevs['40-bowtie-vlan']).toEqual({
      netdevConfig: { Name: 'vlan120', Kind: 'vlan', MTUBytes: '1400' },
      vlanConfig: { Id: 120 },
    });
    expect(e.systemd.network!.networks['30-bowtie-vlan-parent']).toEqual({
      matchConfig: { Name: 'ens5' },
      vlan: ['vlan120'],
      networkConfig: { DHCP: 'no', IPv6AcceptRA: false, LinkLocalAddressing: 'no' },
      linkConfig: { RequiredForOnline: 'carrier', MTUBytes: '1400' },
    });
    expect(siteNetwork(e)).toMatchObject({
      matchConfig: { Name: 'vlan120' },
      address: ['10.20.0.5/24'],
      gateway: ['10.20.0.1'],
      linkConfig: { RequiredForOnline: 'routable', MTUBytes: '1400' },
    });
    const jumbo = get('network-vlan-dhcp-jumbo');
    expect(jumbo.systemd.network!.netdevs['40-bowtie-vlan'].vlanConfig).toEqual({ Id: 4094 });
    expect(jumbo.systemd.network!.networks['30-bowtie-vlan-parent'].linkConfig.MTUBytes).toBe('9000');
    expect(siteNetwork(jumbo).networkConfig.DHCP).toBe('ipv4');
  });

  withLib("an MTU without a VLAN is the site link's; no VLAN means no netdev and no parent unit", () => {
    const e = get('network-mtu-only');
    expect(siteNetwork(e).linkConfig).toEqual({ RequiredForOnline: 'routable', MTUBytes: '576' });
    expect(siteNetwork(e).matchConfig).toEqual({ Type: 'ether', Kind: '!*' });
    expect(e.systemd.network!.netdevs ?? {}).toEqual({});
    expect(e.systemd.network!.networks['30-bowtie-vlan-parent']).toBeUndefined();
    expect(siteNetwork(get('design-example')).linkConfig).toEqual({ RequiredForOnline: 'routable' });
  });

  withLib("DHCPv4 takes the server's MTU (GCE's 1460) unless the document names one; a static address has no DHCPv4 section", () => {
    // systemd.network(5): UseMTU= defaults to false; with MTUBytes= set it is ignored.
    expect(siteNetwork(get('network-mtu-only')).dhcpV4Config).toEqual({ UseMTU: true });
    expect(siteNetwork(get('network-mtu-only')).linkConfig.MTUBytes).toBe('576');
    expect(siteNetwork(get('network-vlan-dhcp-jumbo')).dhcpV4Config).toEqual({ UseMTU: true });
    expect(siteNetwork(get('network-vlan-mtu-static')).dhcpV4Config ?? {}).toEqual({});
  });

  withLib('a VLAN without a named parent is refused by an assertion naming the option', () => {
    expect(get('vlan-without-interface').failedAssertions).toEqual([expect.stringContaining('bowtie.site.network.vlan')]);
  });

  withLib('a proxy without credentials: both units get HTTP(S)_PROXY and NO_PROXY, upper and lower case', () => {
    const url = 'https://[2001:db8::10]:8443';
    for (const unit of [daemon('network-proxy-https-ipv6'), update('network-proxy-https-ipv6')]) {
      expect(unit.environment).toMatchObject({ HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url });
      expect(unit.environment.NO_PROXY).toBeUndefined();
    }
    expect(update('network-proxy-https-ipv6').environment.HOME).toBe('/root');
    expect(daemon('design-example').environment.HTTP_PROXY).toBeUndefined();
    expect(update('design-example').environment).toEqual({ HOME: '/root' });
  });

  withLib('a proxy with credentials: no URL in the environment; a root ExecStartPre writes it from the secret file at start', () => {
    for (const [name, unit] of [
      ['bowtie_server', daemon('network-proxy-credentials')],
      ['bowtie-update', update('network-proxy-credentials')],
    ] as const) {
      const noProxy = '.corp.example.com,10.0.0.0/8,fd00::/8,localhost,127.0.0.1,::1,*';
      expect(unit.environment).toMatchObject({ NO_PROXY: noProxy, no_proxy: noProxy });
      for (const v of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) expect(unit.environment[v], `${name} ${v}`).toBeUndefined();
      expect(unit.serviceConfig.ExecStartPre).toContain(
        `+/nix/store/00000000000000000000000000000000-bowtie-proxy-env /var/lib/bowtie-setup/secrets/proxy-credentials /run/bowtie-setup/proxy-${name}.env http://proxy.corp.example.com:3128`,
      );
      expect([unit.serviceConfig.EnvironmentFile].flat()).toContain(`-/run/bowtie-setup/proxy-${name}.env`);
    }
    // The daemon keeps its own PSK step and file, first.
    expect(daemon('network-proxy-credentials').serviceConfig.ExecStartPre[0]).toMatch(/bowtie-server-psk-env /);
    expect(daemon('network-proxy-credentials').serviceConfig.EnvironmentFile[0]).toBe('-/run/bowtie-setup/bowtie_server.env');
    expect(update('network-proxy-credentials').serviceConfig).toMatchObject({ Type: 'oneshot', MemoryMax: '80%' });
  });

  withLib('no credential of any proxy case lands in an evaluated, store-bound string', () => {
    for (const c of goldenFragments().filter((g) => g.name.startsWith('network-proxy'))) {
      const secrets = secretValues(c.input);
      if (c.name !== 'network-proxy-https-ipv6') expect(secrets.length, c.name).toBeGreaterThan(0);
      const json = JSON.stringify(get(c.name));
      for (const secret of secrets) expect(json, c.name).not.toContain(secret);
      expect(json, c.name).not.toMatch(/:\/\/[^"/]*@/);
    }
  });

  withLib('proxy values the renderer never writes are refused by the option types', () => {
    for (const name of ['proxy-url-with-credentials', 'proxy-url-with-path', 'proxy-no-proxy-with-comma']) expect(evaluate().get(name)?.ok, name).toBe(false);
  });
});

describe(`nix/modules/setup.nix through lib.evalModules${skipNote}`, () => {
  withLib('the web unit: unprivileged, one capability, hardened, the claim block on the console', () => {
    const e = get('setup-factory');
    expect(e.failedAssertions).toEqual([]);
    const web = e.systemd.services!['bowtie-setup'];
    expect(web.serviceConfig).toMatchObject({
      User: 'bowtie-setup',
      AmbientCapabilities: ['CAP_NET_BIND_SERVICE'],
      CapabilityBoundingSet: ['CAP_NET_BIND_SERVICE'],
      NoNewPrivileges: true,
      ProtectSystem: 'strict',
      // Its own files and the spool; root's state, the status and shared/ stay read-only to it.
      ReadWritePaths: ['/var/lib/bowtie-setup/web', '/run/bowtie-setup/spool'],
      StateDirectory: 'bowtie-setup/web',
      StateDirectoryMode: '0700',
      RuntimeDirectory: 'bowtie-setup/spool',
      RuntimeDirectoryMode: '0700',
      RuntimeDirectoryPreserve: 'yes',
      PrivateDevices: true,
      BindPaths: ['/dev/console'],
      ExecStart: expect.stringMatching(/\/bin\/bowtie-setup serve --listen 0\.0\.0\.0:443 --console \/dev\/console$/),
    });
    expect(web.serviceConfig.MemoryDenyWriteExecute).toBeUndefined();
    expect(web.unitConfig.ConditionPathExists).toBe('!/var/lib/bowtie-setup/handed-off');
    expect(readFileSync(join(REPO, 'nix/modules/setup.nix'), 'utf8')).toMatch(/# Hardening\n/);
    expect(e.networking.firewall.allowedTCPPorts).toEqual([443, 80]);
    expect(e.services.udev.extraRules).toContain('KERNEL=="console", GROUP="bowtie-setup", MODE="0620"');
  });

  withLib('tmpfiles makes exactly the layout server/nix/paths.ts declares: root owns its state, the wizard only web/ and the spool', () => {
    const rules = get('setup-factory').systemd.tmpfiles.rules;
    const user = (o: LayoutDir['owner']) => (o === 'root' ? 'root' : WEB_USER);
    const expected = LAYOUT_DIRS.map((d) => `d ${d.path} ${d.mode.toString(8).padStart(4, '0')} ${user(d.owner)} ${user(d.group)} -`);
    expect(rules.filter((r) => r.startsWith('d '))).toEqual(expected);
    expect(rules).toContain('d /var/lib/bowtie-setup 0711 root root -');
    expect(rules).toContain('d /var/lib/bowtie-setup/secrets 0700 root root -');
    expect(rules).toContain('d /var/lib/bowtie-setup/shared 2750 root bowtie-setup -');
    expect(rules).toContain('d /var/lib/bowtie-setup/web 0700 bowtie-setup bowtie-setup -');
    // Everything the wizard may write is in its own directories; nothing of root's is.
    const webOwned = rules.filter((r) => / bowtie-setup bowtie-setup -$/.test(r)).map((r) => r.split(' ')[1]);
    expect(webOwned).toEqual(['/var/lib/bowtie-setup/web', '/run/bowtie-setup/spool']);
    // The old layout's wizard files (the draft holds secrets) are removed at boot.
    expect(rules).toEqual(expect.arrayContaining(['r /var/lib/bowtie-setup/setup-code', 'r /var/lib/bowtie-setup/draft.json', 'R /var/lib/bowtie-setup/tls']));
  });

  withLib('the units that run nixos-rebuild survive the switch; only the worker may be started by the wizard', () => {
    const e = get('setup-factory');
    for (const unit of ['bowtie-setup-apply', 'bowtie-setup-cloud-init', 'bowtie-setup-console', 'bowtie-setup-console@tty1']) {
      expect(e.systemd.services![unit], unit).toMatchObject({ restartIfChanged: false, stopIfChanged: false, unitConfig: { 'X-StopOnRemoval': false } });
    }
    expect(e.systemd.services!['bowtie-setup-apply'].serviceConfig.ExecStart).toMatch(/bowtie-setup apply --worker$/);
    expect(e.systemd.services!['bowtie-setup-cloud-init'].serviceConfig.ExecStart).toMatch(/bowtie-setup cloud-init --imds '?http:\/\/169.254.169.254'?$/);
    expect(e.security.polkit.extraConfig).toContain('action.lookup("unit") == "bowtie-setup-apply.service"');
    expect(e.security.polkit.extraConfig).toContain('subject.user == "bowtie-setup"');
  });

  withLib('/etc/nixos/configuration.nix imports the image by store path and the site fragment, and parses', () => {
    const e = get('setup-factory');
    const text = e.configurationText!;
    expect(text).toContain('(builtins.storePath "/nix/store/22222222222222222222222222222222-source" + "/nix/controller.nix")');
    expect(text).toContain('(builtins.storePath "/nix/store/33333333333333333333333333333333-source" + "/nix/images/qemu.nix")');
    expect(text).toContain('lib.optional (builtins.pathExists /etc/nixos/bowtie/site.nix) /etc/nixos/bowtie/site.nix');
    expect(text).toContain('services.bowtie-setup.nixpkgs = (builtins.storePath "/nix/store/11111111111111111111111111111111-source" + "");');
    expect(text).toContain('system.nixos.revision = "abcdef0123456789";');
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-configuration-'));
    try {
      writeFileSync(join(dir, 'configuration.nix'), text);
      expect(() => execFileSync('nix-instantiate', ['--parse', join(dir, 'configuration.nix')], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(e.nix.nixPath).toEqual(['nixpkgs=/nix/store/11111111111111111111111111111111-source', 'nixos-config=/etc/nixos/configuration.nix']);
    const release = JSON.parse(e.environment.etc!['bowtie-setup/release.json']!.text) as Record<string, string>;
    expect(release).toEqual({
      version: '1.8.2',
      nixpkgs: '/nix/store/11111111111111111111111111111111-source',
      configuration: expect.stringMatching(/^\/nix\/store\/[0-9a-z]{32}-configuration\.nix$/),
    });
  });

  withLib("a rebuilt generation writes the same configuration.nix: the image modules again, once, and the image's package", () => {
    const e = get('setup-factory');
    const text = e.configurationText!;
    // Evaluated as the appliance does, with builtins.storePath taking the path as given (the
    // fake store paths do not exist here) and no site fragment yet.
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-configuration-'));
    try {
      const file = join(dir, 'configuration.nix');
      writeFileSync(file, `(builtins:\n${text}\n) (builtins // { storePath = p: p; pathExists = _: false; })\n`);
      const expr = `let m = import ${file} { lib = import ${nixpkgsLib.dir}; }; in { imports = m.imports; listed = m.services.bowtie-setup.configurationImports; package = m.services.bowtie-setup.package; release = m.services.bowtie-setup.releaseVersion; update = m.services.bowtie-update; }`;
      const out = JSON.parse(
        execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } }),
      ) as { imports: string[]; listed: string[]; package: string; release: string; update: Record<string, unknown> };
      // The flake sets the package inline (not re-imported): the next generation keeps the image's build.
      expect(out.package).toBe('/nix/store/00000000000000000000000000000000-bowtie-setup-image-0.1.0');
      // A store path has no .version: the release stays the image's.
      expect(out.release).toBe('1.8.2');
      // The image's update endpoints, below what a listed module sets.
      const pinned = (content: unknown) => ({ _type: 'override', priority: 900, content });
      expect(out.update).toEqual({
        metadataUrl: pinned('https://updates.example.com/controller/{channel}.json'),
        cacheUrl: pinned('https://cache.example.com'),
        trustedPublicKeys: pinned(['bowtie-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=']),
      });
      const image = [
        '/nix/store/22222222222222222222222222222222-source/nix/controller.nix',
        '/nix/store/33333333333333333333333333333333-source/nix/images/qemu.nix',
      ];
      expect(out.imports).toEqual(image);
      expect(out.listed).toEqual(image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The next generation has them from configuration.nix and the variant's module again.
    expect(get('setup-import-listed-twice').configurationText).toBe(text);
  });

  withLib('an image module outside the store is refused with a message naming the option', () => {
    expect(get('setup-import-outside-store').failedAssertions).toEqual([expect.stringContaining('services.bowtie-setup.configurationImports')]);
  });

  withLib('hand-off: the daemon waits for the marker and stops the wizard when it starts', () => {
    const e = get('setup-complete');
    expect(e.failedAssertions).toEqual([]);
    expect(e.systemd.services!.bowtie_server).toMatchObject({
      conflicts: ['bowtie-setup.service', 'bowtie-setup-console.service', 'bowtie-setup-console@tty1.service'],
      unitConfig: { ConditionPathExists: '/var/lib/bowtie-setup/handed-off' },
    });
    expect(e.systemd.paths!['bowtie-setup-handoff'].pathConfig).toEqual({ PathExists: '/var/lib/bowtie-setup/handed-off', Unit: 'bowtie_server.service' });
    expect(get('setup-factory').systemd.paths?.['bowtie-setup-handoff']).toBeUndefined();
  });

  withLib("the wizard can read the active fragment back: nix-instantiate is on its unit's PATH", () => {
    // The review page, the completion page and /export evaluate the fragment (server/apply/fragment-value.ts).
    const wizard = get('setup-factory').systemd.services!['bowtie-setup'];
    expect(wizard.path).toHaveLength(1);
    expect(JSON.stringify(wizard.path)).toMatch(/nix/);
  });
});

describe(`the console menus: tty1 and the format's serial console (docs/decisions/0524)${skipNote}`, () => {
  const MARKER = '/var/lib/bowtie-setup/handed-off';
  const ttysOf = (name: string): string[] => get(name).services['bowtie-setup'].console.ttys;
  /** Every console name any unit (name or value) mentions. */
  const consolesIn = (e: Evaluated): Set<string> =>
    new Set(JSON.stringify({ services: e.systemd.services, paths: e.systemd.paths }).match(/\btty(?:S|AMA)?\d+/g) ?? []);

  withLib('the serial console comes from the format: ttyS0 on amazon, gce and proxmox; tty1 alone elsewhere', () => {
    expect(ttysOf('setup-amazon')).toEqual(['tty1', 'ttyS0']);
    expect(ttysOf('setup-gce')).toEqual(['tty1', 'ttyS0']);
    expect(ttysOf('setup-proxmox')).toEqual(['tty1', 'ttyS0']);
    expect(ttysOf('setup-factory')).toEqual(['tty1']);
    expect(ttysOf('setup-vt-console')).toEqual(['tty1']);
  });

  withLib('with format amazon a menu runs on ttyS0 and on tty1, each part of the one unit the worker starts', () => {
    const e = get('setup-amazon');
    expect(e.failedAssertions).toEqual([]);
    const units = e.systemd.services!;
    expect(units['bowtie-setup-console']).toMatchObject({
      wantedBy: ['multi-user.target'],
      wants: ['bowtie-setup-console@tty1.service', 'bowtie-setup-console@ttyS0.service'],
      unitConfig: { ConditionPathExists: `!${MARKER}`, 'X-StopOnRemoval': false },
      restartIfChanged: false,
      serviceConfig: { Type: 'oneshot', RemainAfterExit: true },
    });
    for (const [tty, vt] of [
      ['tty1', true],
      ['ttyS0', false],
    ] as const) {
      const menu = units[`bowtie-setup-console@${tty}`];
      expect(menu, tty).toMatchObject({
        partOf: ['bowtie-setup-console.service'],
        restartIfChanged: false,
        stopIfChanged: false,
        unitConfig: { ConditionPathExists: `!${MARKER}`, 'X-StopOnRemoval': false },
        serviceConfig: { TTYPath: `/dev/${tty}`, StandardInput: 'tty', StandardOutput: 'tty', TTYVTDisallocate: vt, Restart: 'always' },
      });
      expect(menu.serviceConfig.ExecStart).toMatch(/\/bin\/bowtie-setup console$/);
      // It takes its console from a login prompt a reset left running; a failure there does not stop it.
      const logins = vt ? `autovt@${tty}.service getty@${tty}.service` : `serial-getty@${tty}.service`;
      expect(menu.serviceConfig.ExecStartPre).toMatch(new RegExp(`^-/nix/store/[^ ]+/bin/systemctl stop ${logins}$`));
      // No Conflicts= with the prompt: after hand-off the menu is still in the boot transaction
      // (its condition is checked later), and a conflict would remove the prompt's start job.
      expect(menu.conflicts).toEqual(['bowtie-setup-login.service']);
    }
  });

  withLib('the login prompts wait for the hand-off, and the marker starts them after the menus stop', () => {
    const e = get('setup-amazon');
    const units = e.systemd.services!;
    for (const login of ['getty@tty1', 'autovt@tty1', 'serial-getty@ttyS0']) {
      expect(units[login], login).toEqual({ overrideStrategy: 'asDropin', unitConfig: { ConditionPathExists: MARKER } });
    }
    const menus = ['bowtie-setup-console.service', 'bowtie-setup-console@tty1.service', 'bowtie-setup-console@ttyS0.service'];
    expect(units['bowtie-setup-login']).toMatchObject({
      conflicts: menus,
      after: menus,
      // NixOS's VT prompt is autovt@ (logind starts it on the active VT at boot).
      wants: ['autovt@tty1.service', 'serial-getty@ttyS0.service'],
      before: ['autovt@tty1.service', 'serial-getty@ttyS0.service'],
      unitConfig: { ConditionPathExists: MARKER },
      serviceConfig: { Type: 'oneshot', RemainAfterExit: true },
    });
    expect(units['bowtie-setup-login'].wantedBy).toBeUndefined();
    expect(e.systemd.paths!['bowtie-setup-login']).toMatchObject({
      wantedBy: ['multi-user.target'],
      pathConfig: { PathExists: MARKER, Unit: 'bowtie-setup-login.service' },
    });
    // After a reset the worker starts the menus' unit: that stops the login service, so the
    // next hand-off's marker triggers it again.
    expect(units['bowtie-setup-console'].conflicts).toEqual(['bowtie-setup-login.service']);
  });

  withLib('hand-off stops every menu: the daemon conflicts with each', () => {
    const e = get('setup-complete-amazon');
    expect(e.failedAssertions).toEqual([]);
    expect(e.systemd.services!.bowtie_server.conflicts).toEqual([
      'bowtie-setup.service',
      'bowtie-setup-console.service',
      'bowtie-setup-console@tty1.service',
      'bowtie-setup-console@ttyS0.service',
    ]);
  });

  withLib('no unit names a console the format lacks', () => {
    expect([...consolesIn(get('setup-factory'))].sort()).toEqual(['tty1']);
    expect([...consolesIn(get('setup-vt-console'))].sort()).toEqual(['tty1']);
    for (const name of ['setup-amazon', 'setup-gce', 'setup-proxmox', 'setup-complete-amazon'])
      expect([...consolesIn(get(name))].sort(), name).toEqual(['tty1', 'ttyS0']);
    // With the menu off, no prompt waits for a marker and nothing takes a console.
    const off = get('setup-console-off');
    expect(consolesIn(off).size).toBe(0);
    expect(off.systemd.paths?.['bowtie-setup-login']).toBeUndefined();
  });

  withLib('a console listed twice is refused by name; a name that is not a console does not evaluate', () => {
    expect(get('setup-console-ttys-twice').failedAssertions).toEqual([expect.stringContaining('services.bowtie-setup.console.ttys')]);
    expect(getMaybe('setup-console-ttys-hostile')?.ok).toBe(false);
  });
});

describe(`the image as written evaluates and would boot (issue: the Nix layer)${skipNote}`, () => {
  withLib('the daemon starts: an EnvironmentFile its own ExecStartPre writes is optional', () => {
    const unit = get('setup-complete').systemd.services!.bowtie_server;
    const files = [unit.serviceConfig.EnvironmentFile].flat() as string[];
    expect(files.length).toBeGreaterThan(0);
    const written = (unit.serviceConfig.ExecStartPre as string[]).join(' ');
    for (const f of files) if (written.includes('psk-env') && f.includes('/run/bowtie-setup/')) expect(f.startsWith('-'), f).toBe(true);
  });

  withLib('a unit that writes to /dev/console under PrivateDevices is allowed the device', () => {
    const e = get('setup-factory');
    for (const [name, unit] of Object.entries(e.systemd.services!)) {
      const sc = unit.serviceConfig ?? {};
      const usesConsole = JSON.stringify(sc).includes('/dev/console') || JSON.stringify(unit.script ?? '').includes('/dev/console');
      if (usesConsole && sc.PrivateDevices) expect([sc.DeviceAllow].flat(), name).toContain('/dev/console w');
    }
  });

  withLib('one setup agent: amazon-init and cloud-init are off where our cloud-init runs', () => {
    for (const name of ['setup-amazon', 'setup-complete-amazon']) {
      const e = get(name);
      expect(e.virtualisation['amazon-init']?.enable, name).toBe(false);
      expect(e.services['cloud-init'].enable, name).toBe(false);
    }
  });

  withLib('every other format evaluates without amazon-init, which nixpkgs declares in the amazon format only', () => {
    // nixpkgs' module-list.nix does not import virtualisation/amazon-init.nix; setting its option
    // where it is not declared stops the evaluation of the whole image (docs/nix-option-audit.md).
    for (const name of ['setup-factory', 'setup-complete', 'setup-gce', 'setup-proxmox']) {
      const e = get(name);
      expect(e.virtualisation, name).not.toHaveProperty('amazon-init');
      expect(e.services['cloud-init'].enable, name).toBe(false);
    }
  });

  withLib("the update unit runs services.bowtie-setup.package, the appliance's own", () => {
    const e = get('setup-complete');
    expect(e.systemd.services!['bowtie-update'].serviceConfig.ExecStart).toMatch(/^\/nix\/store\/0{32}-bowtie-setup-image-0\.1\.0\/bin\/bowtie-setup update /);
  });

  withLib('the update health gate asks this controller, not its peers', () => {
    const e = get('setup-complete');
    const settings = JSON.parse(e.environment.etc!['bowtie-setup/update.json']!.text) as { health: { urls: string[]; units: string[] } };
    expect(settings.health.units).toContain('bowtie_server.service');
    for (const url of settings.health.urls) expect(new URL(url).hostname).toMatch(/^(127\.0\.0\.1|localhost|\[::1\])$/);
  });

  withLib('an image without update endpoints evaluates with updates on, says so, and installs no timer', () => {
    const e = get('setup-no-update-source');
    expect(e.failedAssertions).toEqual([]);
    expect(e.warnings.join('\n')).toMatch(/no update source/);
    expect(e.systemd.timers?.['bowtie-update']).toBeUndefined();
    expect(JSON.parse(e.environment.etc!['bowtie-setup/image.json']!.text)).toEqual({ updates_available: false });
    expect(JSON.parse(get('setup-complete').environment.etc!['bowtie-setup/image.json']!.text)).toEqual({ updates_available: true });
  });

  withLib('after the hand-off, every boot removes what the wizard held', () => {
    const unit = get('setup-complete').systemd.services!['bowtie-setup-scrub'];
    expect(unit.unitConfig.ConditionPathExists).toBe('/var/lib/bowtie-setup/handed-off');
    expect(unit.serviceConfig.ExecStart).toMatch(
      /\/bin\/rm -f \/var\/lib\/bowtie-setup\/web\/draft\.json \/var\/lib\/bowtie-setup\/web\/setup-code \/var\/lib\/bowtie-setup\/shared\/cloud-init\.json$/,
    );
    expect(get('setup-factory').systemd.services!['bowtie-setup-scrub']).toBeUndefined();
  });

  withLib('a secret path in the store, with a blank, a systemd specifier, $, a quote, a backslash or .. is refused by the option type', () => {
    for (const name of [
      'secret-in-store',
      'secret-with-space',
      'secret-with-specifier',
      'secret-with-dollar',
      'secret-with-quote',
      'secret-with-backslash',
      'secret-with-dotdot',
    ])
      expect(evaluate().get(name)?.ok, name).toBe(false);
    expect(get('design-example').ok).toBe(true);
    expect(get('secret-elsewhere').ok).toBe(true);
  });

  withLib('enable options default to off; the image turns the wizard on', () => {
    const lib = nixpkgsLib.dir!;
    const expr = `let lib = import ${lib};
      e = lib.evalModules { modules = [ ${join(REPO, 'nix/modules')} ${NIXOS_STUBS} { _module.check = false; } ]; };
      c = import ${join(REPO, 'nix/controller.nix')} { inherit lib; };
    in [ e.config.services.bowtie-setup.enable e.config.services.bowtie-update.enable c.services.bowtie-setup.enable ]`;
    expect(
      JSON.parse(
        execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } }),
      ),
    ).toEqual([false, false, true]);
  });

  withLib('every option of ours has a description', () => {
    const lib = nixpkgsLib.dir!;
    const expr = `let
      lib = import ${lib};
      e = lib.evalModules { modules = [ ${join(REPO, 'nix/modules')} ${NIXOS_STUBS} { _module.check = false; } ]; };
      docs = lib.concatMap lib.optionAttrSetToDocList [ e.options.bowtie e.options.services.bowtie-setup e.options.services.bowtie-update ];
    in { all = builtins.length docs; missing = map (d: d.name) (lib.filter (d: d.visible && (d.description == null || d.description == "")) docs); }`;
    const out = JSON.parse(
      execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } }),
    ) as { all: number; missing: string[] };
    expect(out.all).toBeGreaterThan(40);
    expect(out.missing).toEqual([]);
  });

  withLib('every unit we define has a memory ceiling', () => {
    const e = get('setup-complete');
    const ours = Object.entries(e.systemd.services!).filter(([name]) => /^bowtie/.test(name));
    expect(ours.length).toBeGreaterThanOrEqual(5);
    for (const [name, unit] of ours) expect(unit.serviceConfig?.MemoryMax, name).toMatch(/^\d+(%|[KMG])$/);
  });

  withLib('exactly this unfree package is allowed, in the image and in the flake', () => {
    const lib = nixpkgsLib.dir!;
    const out = execFileSync(
      'nix-instantiate',
      [
        '--eval',
        '--strict',
        '--json',
        '--expr',
        `let lib = import ${lib}; c = import ${join(REPO, 'nix/controller.nix')} { inherit lib; }; p = c.nixpkgs.config.allowUnfreePredicate; in [ (p { pname = "bowtie-setup"; version = "0.1.0"; name = "bowtie-setup-0.1.0"; }) (p { pname = "some-other-unfree"; version = "1"; name = "some-other-unfree-1"; }) ]`,
      ],
      { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } },
    );
    expect(JSON.parse(out)).toEqual([true, false]);
    expect(readFileSync(join(REPO, 'nix/package.nix'), 'utf8')).toMatch(/license = lib\.licenses\.unfree/);
    expect(readFileSync(join(REPO, 'flake.nix'), 'utf8')).toMatch(/allowUnfreePredicate = pkg: builtins\.elem \(lib\.getName pkg\) \[ "bowtie-setup" \]/);
  });

  withLib('every exported module (nixosModules.*) evaluates on its own, switched on, with only NixOS stubbed', () => {
    // flake.nix's nixosModules, each alone: what a module reads or sets, it imports.
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    const exported = [...flake.matchAll(/^\s+([a-z-]+) = \.\/nix\/modules(\/[a-z-]+\.nix)?;$/gm)].map((m) => ({
      name: m[1]!,
      file: `nix/modules${m[2] ?? ''}`,
    }));
    expect(exported.map((e) => e.name).sort()).toEqual(['bowtie-server-interface', 'default', 'setup', 'site', 'update']);
    const pkg =
      '{ type = "derivation"; name = "bowtie-setup-0.1.0"; version = "0.1.0"; outPath = "/nix/store/00000000000000000000000000000000-bowtie-setup-0.1.0"; }';
    const on = `{ lib, options, ... }: let pkg = ${pkg}; in { config = lib.mkMerge [
      (lib.optionalAttrs (options.services ? bowtie-setup) { services.bowtie-setup = { enable = true; package = pkg; }; })
      (lib.optionalAttrs (options.services ? bowtie-update) { services.bowtie-update = { package = pkg; metadataUrl = "https://u.example.com/{channel}.json"; cacheUrl = "https://c.example.com"; trustedPublicKeys = [ "k-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ]; }; })
    ]; }`;
    const expr = `let
      lib = import ${nixpkgsLib.dir};
      stubs = import ${join(REPO, 'test/nix/nixos-stubs/pkgs.nix')} { nixpkgsSource = "/nix/store/11111111111111111111111111111111-source"; };
      one = file: let c = (lib.evalModules { modules = [ file ${NIXOS_STUBS} stubs.module (${on}) ]; }).config;
        r = builtins.tryEval (builtins.deepSeq [ c.systemd c.environment c.assertions c.warnings ] true); in r.success;
    in { ${exported.map((e) => `${JSON.stringify(e.name)} = one ${join(REPO, e.file)};`).join(' ')} }`;
    const out = JSON.parse(
      execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } }),
    ) as Record<string, boolean>;
    expect(out).toEqual(Object.fromEntries(exported.map((e) => [e.name, true])));
  });

  withLib('nixosModules.site evaluates on its own (it imports what it sets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-site-alone-'));
    try {
      const fragment = join(dir, 'site.nix');
      writeFileSync(fragment, goldenFragments().find((c) => c.name === 'design-example')!.fragment);
      // Only NixOS's own options are stubbed: nothing of ours but site.nix is given.
      const expr = `let
        lib = import ${nixpkgsLib.dir};
        pkgs = { callPackage = _: _: "/nix/store/00000000000000000000000000000000-bowtie-setup"; writeShellScript = n: _: n; };
        c = (lib.evalModules { modules = [ ${join(REPO, 'nix/modules/site.nix')} ${NIXOS_STUBS} { _module.args = { inherit pkgs; }; } ${fragment} ]; }).config;
      in { update = c.services.bowtie-update.enable; warnings = c.warnings; }`;
      const out = JSON.parse(
        execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } }),
      ) as { update: boolean; warnings: string[] };
      expect(out.update).toBe(true);
      expect(out.warnings.join('\n')).toMatch(/services\.bowtie_server is not declared/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
