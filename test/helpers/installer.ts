/**
 * Stand-ins for the installer ISO's tests (test/installer/, test/nix/installer.test.ts): a GPT
 * image made with sfdisk, the payload the ISO carries for it, a device directory of sparse files
 * matching test/fixtures/installer/lsblk.json, and a run of nix/installer/bowtie-install.sh.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const INSTALL_SCRIPT = join(REPO, 'nix/installer/bowtie-install.sh');
export const LSBLK_FIXTURE = join(REPO, 'test/fixtures/installer/lsblk.json');
export const LABEL = 'bowtie-controller-installer';
export const MiB = 1024 * 1024;

/** The tools the install program runs that are missing here (scripts/test.sh installs them). */
export function missingInstallTools(): string[] {
  return ['bash', 'jq', 'zstd', 'sfdisk', 'wipefs', 'flock', 'sha256sum', 'realpath'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The stand-in Controller image: GPT with an ESP and a root partition, both holding random bytes. */
export function makeImage(file: string, size: number): Buffer {
  writeFileSync(file, Buffer.alloc(0));
  truncateSync(file, size);
  execFileSync('sfdisk', ['--quiet', file], {
    input: 'label: gpt\nstart=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP\nstart=4096, type=0FC63DAF-8483-4772-8E79-3D69E4C7D8E4\n',
  });
  const bytes = readFileSync(file);
  randomBytes(MiB).copy(bytes, MiB);
  randomBytes(size - 3 * MiB).copy(bytes, 2 * MiB);
  writeFileSync(file, bytes);
  return bytes;
}

/** What nix/installer/default.nix's payload derivation makes of an image, made here. */
export function makePayload(to: string, image: string, zstdArgs: string[] = []): void {
  const bytes = readFileSync(image);
  mkdirSync(to, { recursive: true });
  execFileSync('zstd', ['--quiet', '--force', ...zstdArgs, '-o', join(to, 'controller.img.zst'), image]);
  writeFileSync(join(to, 'controller.img.sha256'), `${sha256(bytes)}\n`);
  writeFileSync(join(to, 'controller.img.size'), `${bytes.length}\n`);
  writeFileSync(join(to, 'controller.img.disk-id'), execFileSync('sfdisk', ['--disk-id', image], { encoding: 'utf8' }));
}

interface Fixture {
  blockdevices: { name: string; size: number }[];
}
export const DISKS = ['sda', 'sdb', 'sdc', 'sdd', 'sde', 'sdf', 'sdg', 'sdh'];

/** A fresh device directory: one sparse file per fixture disk (its size), a partition, by-id links. */
export function makeDevRoot(dev: string): string {
  const fixture = JSON.parse(readFileSync(LSBLK_FIXTURE, 'utf8')) as Fixture;
  mkdirSync(join(dev, 'disk/by-id'), { recursive: true });
  for (const d of DISKS) {
    const size = fixture.blockdevices.find((b) => b.name === d)!.size;
    const file = join(dev, d);
    // A recognisable first and last MiB, so that "nothing written" means something.
    writeFileSync(file, Buffer.alloc(MiB, d));
    truncateSync(file, size);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(MiB, `end-of-${d}`), 0, MiB, size - MiB);
    closeSync(fd);
  }
  writeFileSync(join(dev, 'sda1'), Buffer.alloc(MiB, 'sda1'));
  symlinkSync('../../sda', join(dev, 'disk/by-id/ata-Samsung_SSD_870_EVO_250GB_S6PENL0T123456A'));
  symlinkSync('../../sdc', join(dev, 'disk/by-id/usb-USB_SSD_0123-0:0'));
  symlinkSync('../../sdb', join(dev, 'disk/by-id/usb-Ultra_USB_3.0_4C530001230517102341-0:0'));
  symlinkSync('../../sda1', join(dev, 'disk/by-id/ata-Samsung_SSD_870_EVO_250GB_S6PENL0T123456A-part1'));
  return dev;
}

/** Every stand-in disk's sha256, by name. */
export function snapshot(dev: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dev, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, sha256(readFileSync(join(dev, e.name)))]),
  );
}

export interface InstallRun {
  status: number | null;
  out: string;
}
export interface InstallOptions {
  work: string;
  dev: string;
  payload: string;
  cmdline: string;
  input?: string;
  devicesJson?: string;
  /** The program as text (as the module hands it to writeShellApplication); the file by default. */
  script?: string;
  lock?: string;
  /** sysfs as the program sees it: with firmware/efi (booted with UEFI) unless `bios`. */
  bios?: boolean;
}

/** bash's arguments for one run of the install program. */
export function installArgs(opts: InstallOptions): string[] {
  const cmdline = join(opts.work, `kernel-cmdline-${process.hrtime.bigint()}`);
  writeFileSync(cmdline, `${opts.cmdline}\n`);
  let script = INSTALL_SCRIPT;
  if (opts.script !== undefined) {
    script = `${cmdline}.sh`;
    writeFileSync(script, opts.script);
  }
  const args = ['--payload', opts.payload, '--boot-label', LABEL, '--cmdline', cmdline, '--devices-json', opts.devicesJson ?? LSBLK_FIXTURE];
  const sys = join(opts.work, opts.bios ? 'sys-bios' : 'sys-uefi');
  mkdirSync(join(sys, opts.bios ? 'firmware' : 'firmware/efi'), { recursive: true });
  return [script, ...args, '--dev-root', opts.dev, '--lock', opts.lock ?? join(opts.work, 'lock'), '--sys', sys];
}

/** One run of the install program with bash, to its end. */
export function runInstall(opts: InstallOptions): InstallRun {
  const r = spawnSync('bash', installArgs(opts), { input: opts.input ?? '', encoding: 'utf8', cwd: opts.work, timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
