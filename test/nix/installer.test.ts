/**
 * The installer ISO's NixOS module (nix/installer/default.nix), evaluated with nixpkgs'
 * lib.evalModules (test/nix/eval-installer.nix, one nix-instantiate run for every case and the
 * flake's outputs): it imports iso-image.nix from modulesPath, boots UEFI and BIOS from DVD or
 * USB, carries the image with its sha256, runs the install program on tty1 and ttyS0 and reboots
 * when it succeeds, and has no sshd, no password and no network. The payload's build script, as
 * the module writes it, is run for real on a stand-in image, and the install program then
 * installs from what it made.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { INSTALL_SCRIPT, LABEL, makeDevRoot, makeImage, MiB, missingInstallTools, runInstall, sha256 } from '../helpers/installer.js';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir) {
  if (process.env.CI) throw new Error(`test/nix/installer.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
  console.log(`test/nix/installer.test.ts: evaluation tests skipped: ${nixpkgsLib.reason}`);
}
const missing = missingInstallTools();
if (missing.length > 0 && process.env.CI) throw new Error(`test/nix/installer.test.ts: missing under CI: ${missing.join(', ')}`);
const withLib = it.skipIf(!nixpkgsLib.dir);
const withLibAndTools = it.skipIf(!nixpkgsLib.dir || missing.length > 0);

const dir = mkdtempSync(join(tmpdir(), 'bowtie-installer-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Inline modules added to the installer's, one evaluation each. */
const CASES: Record<string, string> = {
  default: '{ }',
  // A fleet's installer: the unattended parameters on its kernel command line.
  unattended: '{ boot.kernelParams = [ "bowtie.install.disk=/dev/disk/by-id/ata-X" "bowtie.install.erase=yes" ]; }',
  'volume-id': '{ bowtie.installer.volumeID = "ACME_CTL_INSTALL"; }',
  // What must not evaluate: a volume ID over ISO 9660's 32 characters or one that would split
  // the unit's command line, and a misspelt iso-image option.
  'volume-id-too-long': `{ bowtie.installer.volumeID = "${'x'.repeat(33)}"; }`,
  'volume-id-hostile': '{ bowtie.installer.volumeID = "x --payload /tmp"; }',
  'iso-option-typo': '{ isoImage.makeEFIBootable = true; }',
  // systemd's stage 1 (a fleet's choice, or a later NixOS default) has no preDeviceCommands.
  'systemd-stage-1': '{ boot.initrd.systemd.enable = true; }',
};

interface Unit {
  description: string;
  wantedBy?: string[];
  conflicts?: string[];
  enable?: boolean;
  unitConfig?: Record<string, unknown>;
  serviceConfig?: Record<string, unknown>;
}
interface Evaluated {
  name: string;
  ok: boolean;
  failedAssertions: string[];
  isoImageDeclaredIn: string[];
  isoImage: Record<string, unknown>;
  imageFileName: string;
  contents: { source: string; target: string }[];
  payload: { name: string; script: string; nativeBuildInputs: string[] };
  install: { name: string; text: string; runtimeInputs: string[] };
  installPath: string;
  kernelParams: string[];
  units: Record<string, Unit>;
  openssh: { enable?: boolean };
  lvm: { enable?: boolean };
  swraid: { enable?: boolean };
  initrd: { preDeviceCommands?: string; services?: { lvm?: { enable?: boolean } }; systemd?: { enable?: boolean } };
  lvmConf: { text?: string };
  users: { mutableUsers: boolean; allowNoPasswordLogin: boolean; users: Record<string, Record<string, unknown>> };
  networking: Record<string, unknown>;
  documentation: { enable: boolean };
}
interface Flake {
  libNames: string[];
  packageNames: string[];
  installerModules: unknown[];
}

const imageDir = join(dir, 'raw-efi');
let result: { cases: Evaluated[]; flake: Flake } | null = null;
function evaluate() {
  if (result) return result;
  requireNix();
  const entries = Object.entries(CASES).map(([name, m]) => `{ name = ${JSON.stringify(name)}; module = ${m}; }`);
  // The flake's outputs with a nixpkgs whose nixosSystem returns its arguments: what
  // lib.mkInstaller hands to NixOS, and the package names (their values are never forced).
  const flake = `let
      lib = import ${nixpkgsLib.dir};
      outputs = (import ${REPO}/flake.nix).outputs {
        self = outputs // { outPath = "${REPO}"; };
        nixpkgs = { lib = lib // { nixosSystem = args: args; }; outPath = "/nonexistent"; };
      };
    in {
      libNames = builtins.attrNames outputs.lib;
      packageNames = builtins.attrNames outputs.packages.x86_64-linux;
      installerModules = map (m: if builtins.isAttrs m then m else toString m)
        (outputs.lib.mkInstaller { controller.config.system.build.images.raw-efi = "RAW-EFI"; modules = [ "EXTRA" ]; }).modules;
    }`;
  const expr = `{ cases = import ${REPO}/test/nix/eval-installer.nix { lib = import ${nixpkgsLib.dir}; image = ${JSON.stringify(imageDir)}; cases = [ ${entries.join(' ')} ]; }; flake = ${flake}; }`;
  result = JSON.parse(
    execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, NIX_PATH: '' },
    }),
  ) as { cases: Evaluated[]; flake: Flake };
  return result;
}
function get(name: string): Evaluated {
  const e = evaluate().cases.find((c) => c.name === name);
  if (!e) throw new Error(`no evaluation of ${name}`);
  if (!e.ok) throw new Error(`${name} did not evaluate`);
  return e;
}

describe('the installer ISO module', () => {
  withLib("imports nixpkgs' iso-image.nix from modulesPath and boots UEFI and BIOS, from DVD or USB", () => {
    const e = get('default');
    expect(e.failedAssertions).toEqual([]);
    expect(e.isoImageDeclaredIn).toEqual([join(REPO, 'test/nix/nixos-stubs/installer/cd-dvd/iso-image.nix')]);
    expect(e.isoImage).toMatchObject({ makeEfiBootable: true, makeBiosBootable: true, makeUsbBootable: true, volumeID: LABEL });
    expect(e.isoImage.prependToMenuLabel).toBe('Install the Bowtie Controller (');
    expect(e.imageFileName).toBe('bowtie-controller-installer-26.05.20260930.78e9c78.iso');
    // Stage 1 finds the medium by its volume ID; the kernel talks on the serial port and tty0,
    // tty0 last so that it is /dev/console.
    expect(e.kernelParams).toEqual(expect.arrayContaining([`root=LABEL=${LABEL}`, 'console=ttyS0,115200n8', 'console=tty0']));
    const consoles = e.kernelParams.filter((p) => p.startsWith('console='));
    expect(consoles.at(-1)).toBe('console=tty0');
  });

  it("imports exactly nixpkgs' iso-image.nix and all-hardware.nix (the drivers nixpkgs' own installers carry)", () => {
    requireNix();
    const imports = JSON.parse(
      execFileSync(
        'nix-instantiate',
        ['--eval', '--strict', '--json', '--expr', `(import ${REPO}/nix/installer { config = { }; lib = { }; pkgs = { }; modulesPath = "/M"; }).imports`],
        {
          encoding: 'utf8',
          env: { ...process.env, NIX_PATH: '' },
        },
      ),
    ) as string[];
    expect(imports).toEqual(['/M/installer/cd-dvd/iso-image.nix', '/M/profiles/all-hardware.nix']);
  });

  withLib('runs the install program on tty1 and ttyS0 instead of a login prompt, and reboots when it succeeds', () => {
    const e = get('default');
    expect(e.install.text).toBe(readFileSync(INSTALL_SCRIPT, 'utf8'));
    expect(e.install.runtimeInputs.sort()).toEqual(['coreutils', 'jq', 'util-linux', 'zstd']);
    for (const tty of ['tty1', 'ttyS0']) {
      const unit = e.units[`bowtie-install@${tty}`]!;
      expect(unit.wantedBy, tty).toEqual(['multi-user.target']);
      expect(unit.unitConfig, tty).toEqual({ SuccessAction: 'reboot', RequiresMountsFor: '/iso/bowtie' });
      expect(unit.serviceConfig, tty).toMatchObject({
        ExecStart: `${e.installPath}/bin/bowtie-install --payload /iso/bowtie --boot-label ${LABEL}`,
        StandardInput: 'tty',
        StandardOutput: 'tty',
        StandardError: 'tty',
        TTYPath: `/dev/${tty}`,
        Type: 'idle',
      });
      expect(unit.serviceConfig).not.toHaveProperty('Restart');
    }
    for (const login of ['getty@tty1', 'autovt@tty1', 'serial-getty@ttyS0']) expect(e.units[login], login).toEqual({ enable: false });
    expect(e.units['bowtie-install@tty1']!.conflicts).toEqual(['getty@tty1.service', 'autovt@tty1.service']);
    expect(e.units['bowtie-install@ttyS0']!.conflicts).toEqual(['serial-getty@ttyS0.service']);
    expect(Object.keys(e.units).sort()).toEqual(['autovt@tty1', 'bowtie-install@tty1', 'bowtie-install@ttyS0', 'getty@tty1', 'serial-getty@ttyS0']);
  });

  withLib('has no sshd, no password and no network', () => {
    const e = get('default');
    expect(e.openssh.enable).toBe(false);
    expect(e.users.mutableUsers).toBe(false);
    expect(e.users.allowNoPasswordLogin).toBe(true);
    expect(e.users.users).toEqual({ root: { hashedPassword: '!' } });
    expect(e.networking).toMatchObject({ useDHCP: false, wireless: { enable: false } });
    expect(e.documentation.enable).toBe(false);
  });

  withLib("activates no old LVM volume group or MD array on the machine's disks, in stage 1 or 2", () => {
    // A reused disk's volume groups, brought up by NixOS's LVM udev rules or stage 1's
    // `lvm vgchange -ay`, would make the install program refuse it ("in use by lvm"), with no
    // shell to stop them.
    const e = get('default');
    expect(e.lvm).toEqual({ enable: false });
    expect(e.swraid).toEqual({ enable: false });
    const noActivation = 'activation {\n  volume_list = [ ]\n  auto_activation_volume_list = [ ]\n}\n';
    expect(e.lvmConf.text).toBe(noActivation);
    // Stage 1 writes the same lvm.conf before udev starts: run its commands, /etc moved aside.
    const commands = e.initrd.preDeviceCommands ?? '';
    expect(commands).toMatch(/^mkdir -p \/etc\/lvm\n/);
    const etc = join(dir, 'initrd-etc');
    execFileSync('bash', ['-euo', 'pipefail', '-c', commands.replaceAll('/etc/', `${etc}/`)]);
    expect(readFileSync(join(etc, 'lvm/lvm.conf'), 'utf8')).toBe(noActivation);
    // With systemd's stage 1, LVM stays out of it, and nothing it would refuse is set.
    expect(e.initrd.services).toEqual({ lvm: { enable: false } });
    const s = get('systemd-stage-1');
    expect(s.initrd).toEqual({ systemd: { enable: true }, services: { lvm: { enable: false } }, preDeviceCommands: '' });
    expect(s.lvm).toEqual({ enable: false });
    expect(s.lvmConf.text).toBe(noActivation);
  });

  withLibAndTools("carries the image, its sha256, size and GPT identifier: the payload's script, run here, makes what the install program installs", () => {
    const e = get('default');
    expect(e.contents).toEqual([{ source: 'bowtie-controller-raw-efi-payload', target: '/bowtie' }]);
    expect(e.payload.nativeBuildInputs.sort()).toEqual(['util-linux', 'zstd']);
    expect(e.payload.script).toContain(`img=${imageDir}/nixos.img\n`);
    mkdirSync(imageDir, { recursive: true });
    const bytes = makeImage(join(imageDir, 'nixos.img'), 6 * MiB);
    const out = join(dir, 'payload');
    execFileSync('bash', ['-euo', 'pipefail', '-c', e.payload.script], { env: { ...process.env, out } });
    expect(readFileSync(join(out, 'controller.img.sha256'), 'utf8')).toBe(`${sha256(bytes)}\n`);
    expect(readFileSync(join(out, 'controller.img.size'), 'utf8')).toBe(`${bytes.length}\n`);
    expect(readFileSync(join(out, 'controller.img.disk-id'), 'utf8')).toBe(
      execFileSync('sfdisk', ['--disk-id', join(imageDir, 'nixos.img')], { encoding: 'utf8' }),
    );
    expect(sha256(execFileSync('zstd', ['-dc', join(out, 'controller.img.zst')], { maxBuffer: 1 << 26 }))).toBe(sha256(bytes));

    const dev = makeDevRoot(join(dir, 'dev'));
    const r = runInstall({ work: dir, dev, payload: out, cmdline: 'bowtie.install.disk=/dev/sda bowtie.install.erase=yes', script: e.install.text });
    expect(r.status, r.out).toBe(0);
    expect(sha256(readFileSync(join(dev, 'sda')).subarray(MiB, 5 * MiB))).toBe(sha256(bytes.subarray(MiB, 5 * MiB)));
    expect(spawnSync('sfdisk', ['--verify', join(dev, 'sda')], { encoding: 'utf8' }).stdout).toMatch(/No errors detected/);
  });

  withLib('takes the unattended parameters and another volume ID; refuses a bad volume ID and a misspelt iso-image option', () => {
    expect(get('unattended').kernelParams).toEqual(
      expect.arrayContaining(['bowtie.install.disk=/dev/disk/by-id/ata-X', 'bowtie.install.erase=yes', `root=LABEL=${LABEL}`]),
    );
    const v = get('volume-id');
    expect(v.isoImage.volumeID).toBe('ACME_CTL_INSTALL');
    expect(v.units['bowtie-install@tty1']!.serviceConfig!.ExecStart).toMatch(/ --boot-label ACME_CTL_INSTALL$/);
    for (const name of ['volume-id-too-long', 'volume-id-hostile', 'iso-option-typo'])
      expect(evaluate().cases.find((c) => c.name === name)!.ok, name).toBe(false);
  });
});

describe('the flake', () => {
  withLib("has lib.mkInstaller (the installer module with the controller's raw-efi image) and packages.image-iso", () => {
    const { flake } = evaluate();
    expect(flake.libNames).toContain('mkInstaller');
    expect(flake.packageNames).toContain('image-iso');
    expect(flake.packageNames.filter((p) => p.startsWith('image-')).sort()).toEqual(
      ['amazon', 'google-compute', 'hyperv', 'iso', 'proxmox', 'qemu', 'qemu-efi', 'raw-efi', 'vmware'].map((f) => `image-${f}`),
    );
    expect(flake.installerModules).toEqual([join(REPO, 'nix/installer'), { bowtie: { installer: { image: 'RAW-EFI' } } }, 'EXTRA']);
  });

  it("the installer is not one of the appliance's formats (nix/images/ stays the eight variants)", () => {
    const flake = readFileSync(join(REPO, 'flake.nix'), 'utf8');
    expect(flake).toContain('image-iso = (mkInstaller { inherit controller; }).config.system.build.isoImage;');
    expect(flake).not.toMatch(/nix\/images\/iso/);
  });
});
