/**
 * The installer ISO's install program (nix/installer/bowtie-install.sh), run for real with bash
 * against files standing in for disks: a small GPT image made here with sfdisk (its partitions
 * filled with random bytes) is the Controller image, and the device list is
 * test/fixtures/installer/lsblk.json (real `lsblk --json --bytes` output of this machine, with
 * the boot medium, removable, small, mounted, read-only and LVM disks added by hand). The oracle
 * for what lands on a disk is util-linux itself: `sfdisk --json`, `--dump` and `--verify`.
 * Every refusal leaves every stand-in disk byte for byte as it was.
 *
 * Needs bash, jq, zstd, sfdisk, wipefs, flock and sha256sum (scripts/test.sh installs the
 * Debian packages); without them these tests skip on a developer's machine and fail under CI.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISKS,
  INSTALL_SCRIPT,
  installArgs,
  LSBLK_FIXTURE,
  makeDevRoot,
  makeImage,
  makePayload,
  MiB,
  missingInstallTools,
  runInstall,
  sha256,
  snapshot,
} from '../helpers/installer.js';

const IMAGE_SIZE = 6 * MiB;
const missing = missingInstallTools();
if (missing.length > 0 && process.env.CI) throw new Error(`test/installer/install.test.ts: missing under CI: ${missing.join(', ')}`);
if (missing.length > 0) console.log(`test/installer/install.test.ts: skipped, missing ${missing.join(', ')}`);
const withTools = it.skipIf(missing.length > 0);

const dir = mkdtempSync(join(tmpdir(), 'bowtie-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = join(dir, 'controller.img');
const payload = join(dir, 'payload');

/** Waits for a state, not for a time: checks it again every 20 ms until it holds. */
async function waitFor(state: () => boolean): Promise<void> {
  while (!state()) await new Promise((r) => setTimeout(r, 20));
}

interface Run {
  status: number | null;
  out: string;
  dev: string;
}
let runs = 0;
function run(opts: { input?: string; cmdline?: string; payloadDir?: string; devicesJson?: string; dev?: string; bios?: boolean }): Run {
  const dev = opts.dev ?? makeDevRoot(join(dir, `dev-${++runs}`));
  const r = runInstall({
    work: dir,
    dev,
    payload: opts.payloadDir ?? payload,
    cmdline: opts.cmdline ?? 'BOOT_IMAGE=/boot/bzImage init=/nix/store/x/init root=LABEL=bowtie-controller-installer console=ttyS0,115200n8 console=tty0',
    input: opts.input,
    devicesJson: opts.devicesJson,
    bios: opts.bios,
  });
  return { ...r, dev };
}

interface Table {
  partitiontable: {
    id: string;
    lastlba: number;
    firstlba: number;
    partitions: { node: string; start: number; size: number; type: string; uuid: string; name?: string }[];
  };
}
const table = (file: string): Table => JSON.parse(execFileSync('sfdisk', ['--json', file], { encoding: 'utf8' })) as Table;
const partitions = (t: Table) => t.partitiontable.partitions.map(({ node: _node, ...p }) => p);

beforeAll(() => {
  if (missing.length === 0) {
    makeImage(image, IMAGE_SIZE);
    makePayload(payload, image);
  }
});

describe('the install program writes the image', () => {
  withTools('interactively: lists, confirms, writes, verifies, moves the backup GPT to the end of the larger disk', () => {
    const r = run({ input: 'sda\nsda\n\n' });
    expect(r.status, r.out).toBe(0);
    // The listing: the two candidates, and every other disk with its reason.
    expect(r.out).toMatch(/^ {2}sda +16\.0 MiB {2}Samsung SSD 870 EVO 250GB, serial S6PENL0T123456A$/m);
    expect(r.out).toMatch(/^ {2}sdc +12\.0 MiB .*, removable$/m);
    for (const [name, why] of Object.entries({
      zram0: 'too small: 0.0 MiB, the image needs 6.0 MiB',
      vda: 'in use: mounted at /',
      sdb: "the installer's own boot medium",
      sr0: "the installer's own boot medium",
      sdd: 'too small: 4.0 MiB, the image needs 6.0 MiB',
      sde: 'in use: mounted at /mnt/data',
      sdf: 'read-only',
      sdg: 'in use by lvm vg0-data',
      sdh: "4096-byte logical sectors: the image's partition table is laid out for 512-byte sectors and would not boot from this disk",
      loop0: 'a loop device',
    }))
      expect(r.out).toMatch(new RegExp(`^ {2}${name} +${why.replace(/[.()]/g, '\\$&')}$`, 'm'));
    // What the confirmation shows: the partitions now on the disk.
    expect(r.out).toMatch(/sda1 +4\.0 MiB {2}vfat, label OLD-ESP/);
    expect(r.out).toMatch(/sda2 +10\.0 MiB {2}ext4, label data/);
    // A device's model and serial reach the terminal without its control or shell characters.
    expect(r.out).not.toMatch(/\u001b/);
    expect(r.out).toContain('USB??2J??31mSSD?EVIL, serial 0123?(reboot)');

    const disk = join(r.dev, 'sda');
    expect(statSync(disk).size).toBe(16 * MiB);
    const got = table(disk);
    const want = table(image);
    expect(partitions(got)).toEqual(partitions(want));
    expect(got.partitiontable.id).toBe(want.partitiontable.id);
    // The backup header at the disk's end: the last usable LBA is the disk's, not the image's.
    expect(want.partitiontable.lastlba).toBe(IMAGE_SIZE / 512 - 34);
    expect(got.partitiontable.lastlba).toBe((16 * MiB) / 512 - 34);
    const verify = spawnSync('sfdisk', ['--verify', disk], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toMatch(/No errors detected/);
    expect(verify.stdout + verify.stderr).not.toMatch(/backup GPT table is not on the end/);
    // The partitions' bytes are the image's; the old disk's last MiB is gone (wipefs, backup GPT).
    const bytes = readFileSync(disk);
    const img = readFileSync(image);
    expect(sha256(bytes.subarray(MiB, IMAGE_SIZE - MiB))).toBe(sha256(img.subarray(MiB, IMAGE_SIZE - MiB)));
    expect(bytes.subarray(16 * MiB - 512).toString('latin1')).not.toContain('end-of-sda');
    // The backup GPT header itself is the disk's last sector ("EFI PART", its own LBA in it).
    const last = bytes.subarray(16 * MiB - 512);
    expect(last.subarray(0, 8).toString('latin1')).toBe('EFI PART');
    expect(last.readBigUInt64LE(24)).toBe(BigInt((16 * MiB) / 512 - 1));
    expect(img.subarray(IMAGE_SIZE - 512, IMAGE_SIZE - 504).toString('latin1')).toBe('EFI PART');
    // The other disks are untouched.
    const other = makeDevRoot(join(dir, `clean-${runs}`));
    const before = snapshot(other);
    const after = snapshot(r.dev);
    for (const d of DISKS.filter((x) => x !== 'sda')) expect(after[d], d).toBe(before[d]);
  });

  withTools('started with BIOS, it says before anything is written that the installed disk needs UEFI', () => {
    const warning = 'WARNING: this machine started the installer in BIOS (legacy) mode.';
    const r = run({ input: 'sda\nsda\n\n', bios: true });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`${warning} The Bowtie Controller\n         starts with UEFI only`);
    expect(r.out.indexOf(warning)).toBeLessThan(r.out.indexOf('Erasing sda'));
    expect(run({ input: '' }).out).not.toContain('WARNING');
  });

  withTools('unattended, from the kernel command line: a by-id name and erase=yes, no question asked', () => {
    const r = run({ cmdline: 'quiet bowtie.install.disk=/dev/disk/by-id/usb-USB_SSD_0123-0:0 bowtie.install.erase=yes console=tty0' });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('Unattended install');
    expect(r.out).toContain('Installed on sdc.');
    expect(r.out).not.toMatch(/Type sdc/);
    expect(r.out).toMatch(/^Target: sdc .*, removable\n {4}\(none\)$/m);
    const got = table(join(r.dev, 'sdc'));
    expect(partitions(got)).toEqual(partitions(table(image)));
    expect(got.partitiontable.lastlba).toBe((12 * MiB) / 512 - 34);
    // Booted again from the medium, it does not install again over what it installed.
    const before = snapshot(r.dev);
    const again = run({ cmdline: 'bowtie.install.disk=/dev/sdc bowtie.install.erase=yes', dev: r.dev });
    expect(again.out).toContain(
      `sdc already holds a NixOS disk image with this installer's partition layout (GPT disk identifier ${got.partitiontable.id}): not erased unattended; nothing written.`,
    );
    // Only the GPT disk identifier is known, which every deterministic NixOS image shares: the
    // message claims no more than that.
    expect(again.out).not.toMatch(/holds the Bowtie Controller/);
    expect(again.out).toContain('to install on sdc, erase it or install interactively');
    expect(again.status).toBe(1);
    expect(snapshot(r.dev)).toEqual(before);
  });

  withTools('a write that comes out corrupted is caught by the verify step (exit 1, no reboot)', () => {
    // A zstd frame without its checksum, with one byte flipped inside a block of random data:
    // zstd decompresses it without complaint, so only the sha256 of the written bytes can tell.
    const bad = join(dir, 'payload-corrupt');
    const img = readFileSync(image);
    makePayload(bad, image, ['--no-check', '-1']);
    const zst = readFileSync(join(bad, 'controller.img.zst'));
    const at = zst.indexOf(img.subarray(3 * MiB, 3 * MiB + 32));
    expect(at).toBeGreaterThan(0);
    zst.writeUInt8(zst.readUInt8(at + 7) ^ 0xff, at + 7);
    writeFileSync(join(bad, 'controller.img.zst'), zst);
    const r = run({ cmdline: 'bowtie.install.disk=/dev/sda bowtie.install.erase=yes', payloadDir: bad });
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/verification failed: sda does not hold the image \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)/);
    expect(r.out).not.toContain('Installed on');
    // Interactively, the failure goes back to the list instead of ending the program.
    const i = run({ input: 'sda\nsda\n\n', payloadDir: bad });
    expect(i.out).toContain('verification failed');
    expect(i.out).toContain('Press Enter to choose a disk again.');
    expect(i.out.match(/Disks this installer can write:/g)).toHaveLength(2);
    expect(i.status).toBe(1);
  });
});

describe('two consoles', () => {
  withTools('while the other console writes, this one writes nothing, waits for it to end, and exits 3', async () => {
    const dev = makeDevRoot(join(dir, `lock-${++runs}`));
    const before = snapshot(dev);
    const lock = join(dir, 'lock-held');
    // The other console's install: a process holding the lock until its input closes.
    const other = spawn('flock', [lock, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const otherEnded = new Promise((done) => other.on('exit', done));
    await waitFor(() => spawnSync('flock', ['--nonblock', lock, 'true']).status === 1);
    const args = installArgs({ work: dir, dev, payload, cmdline: 'quiet', lock });
    const child = spawn('bash', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const ended = new Promise<number | null>((done) => child.on('exit', done));
    child.stdin.end('sda\nsda\n');
    await waitFor(() => out.includes('Another console is installing: this one waits for it to end.'));
    expect(snapshot(dev)).toEqual(before);
    other.stdin.end();
    await otherEnded;
    expect(await ended).toBe(3);
    expect(out).toContain('The install on the other console has ended.');
    expect(out).not.toContain('Erasing sda');
    expect(snapshot(dev)).toEqual(before);
  });
});

describe('a disk that changes between the listing and the confirmation', () => {
  withTools('is not written: another disk may now carry the name', async () => {
    const dev = makeDevRoot(join(dir, `swap-${++runs}`));
    const before = snapshot(dev);
    const devices = join(dir, 'lsblk-swapped.json');
    const listing = readFileSync(LSBLK_FIXTURE, 'utf8');
    writeFileSync(devices, listing);
    const child = spawn('bash', installArgs({ work: dir, dev, payload, cmdline: 'quiet', devicesJson: devices }), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const ended = new Promise<number | null>((done) => child.on('exit', done));
    child.stdin.write('sda\n');
    await waitFor(() => out.includes('Type sda to erase it and install'));
    // Unplugged and another disk plugged in: same name, another serial.
    writeFileSync(devices, listing.replace('S6PENL0T123456A', 'S6PENL0T999999Z'));
    child.stdin.end('sda\n');
    expect(await ended).toBe(1);
    expect(out).toContain('sda changed since it was shown: nothing written.');
    expect(out).not.toContain('Erasing sda');
    expect(snapshot(dev)).toEqual(before);
  });
});

describe('the install program as the ISO builds it', () => {
  // writeShellApplication fails the ISO's build on any shellcheck finding; CI has no Nix build.
  const haveShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;
  if (!haveShellcheck && process.env.CI) throw new Error('test/installer/install.test.ts: shellcheck is missing under CI');
  it.skipIf(!haveShellcheck)('passes shellcheck, as writeShellApplication checks it', () => {
    const r = spawnSync('shellcheck', ['--shell=bash', INSTALL_SCRIPT], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The check itself finds an unquoted expansion.
    const bad = join(dir, 'bad.sh');
    writeFileSync(bad, 'x=$1\nrm -f $x\n');
    expect(spawnSync('shellcheck', ['--shell=bash', bad]).status).not.toBe(0);
  });
});

describe('the install program refuses, and writes nothing', () => {
  const refusedInteractively: [string, RegExp][] = [
    ['sdz', /sdz: no such device/],
    ['sdb', /sdb cannot be written: the installer's own boot medium/],
    ['/dev/disk/by-id/usb-Ultra_USB_3.0_4C530001230517102341-0:0', /sdb cannot be written: the installer's own boot medium/],
    ['sde', /sde cannot be written: in use: mounted at \/mnt\/data/],
    ['sdd', /sdd cannot be written: too small: 4\.0 MiB, the image needs 6\.0 MiB/],
    ['sdf', /sdf cannot be written: read-only/],
    ['sdg', /sdg cannot be written: in use by lvm vg0-data/],
    // A 4Kn disk: the image's 512-byte-sector GPT would be written, verified, and not boot.
    ['sdh', /sdh cannot be written: 4096-byte logical sectors: the image's partition table is laid out for 512-byte sectors/],
    ['sda1', /sda1 is a partition \(or volume\) on sda, not a whole disk/],
    ['/dev/disk/by-id/ata-Samsung_SSD_870_EVO_250GB_S6PENL0T123456A-part1', /is a partition \(or volume\) on sda, not a whole disk/],
    ['sda; touch pwned', /sda\? touch pwned is not a disk name/],
    ['$(touch pwned)', /\?\(touch pwned\) is not a disk name/],
    ['`touch pwned`', /\?touch pwned\? is not a disk name/],
    ['sda\u001b[2J', /sda\?\?2J is not a disk name/],
    ['../sda', /\.\.\/sda is not a plain device path/],
    ['/dev/../etc/passwd', /is not a plain device path/],
    ['/etc/passwd', /\/etc\/passwd is not under \/dev/],
    ['*', /: \? is not a disk name/],
    ['a'.repeat(300), /is not a disk name/],
  ];
  withTools.each(refusedInteractively)('typed %s', (answer, message) => {
    const dev = makeDevRoot(join(dir, `hostile-${++runs}`));
    const before = snapshot(dev);
    const r = run({ input: `${answer}\n`, dev });
    expect(r.out).toMatch(message);
    expect(r.out).toContain('Nothing written.');
    // Back at the prompt, then the end of input ends the program.
    expect(r.out).toContain('no answer (end of input); nothing written');
    expect(r.status).toBe(1);
    expect(snapshot(dev)).toEqual(before);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  withTools.each(['SDA', 'yes', 'sda ', '/dev/sda', ''])('a confirmation that is not the exact name (%j)', (confirm) => {
    const dev = makeDevRoot(join(dir, `confirm-${++runs}`));
    const before = snapshot(dev);
    const r = run({ input: `sda\n${confirm}\n`, dev });
    expect(r.out).toContain('Everything on this disk will be erased:');
    expect(r.out).toContain('Not confirmed: nothing written.');
    expect(r.status).toBe(1);
    expect(snapshot(dev)).toEqual(before);
  });

  const refusedUnattended: [string, RegExp][] = [
    ['bowtie.install.disk=/dev/sda', /bowtie\.install\.disk needs bowtie\.install\.erase=yes beside it; nothing written/],
    ['bowtie.install.erase=yes', /bowtie\.install\.erase=yes without bowtie\.install\.disk; nothing written/],
    ['bowtie.install.disk=/dev/sda bowtie.install.erase=YES', /bowtie\.install\.erase must be yes, not YES; nothing written/],
    ['bowtie.install.disk=/dev/sda bowtie.install.erase=no', /bowtie\.install\.erase must be yes, not no/],
    ['bowtie.install.disk=/dev/sda bowtie.install.erase=yes bowtie.install.reboot=no', /unknown parameter bowtie\.install\.reboot/],
    ['bowtie.install.disk=/dev/sda bowtie.install.disk=/dev/sdc bowtie.install.erase=yes', /bowtie\.install\.disk is given twice/],
    ['bowtie.install.disk bowtie.install.erase=yes', /bowtie\.install\.disk is not bowtie\.install\.<name>=<value>/],
    ['bowtie.install.disk= bowtie.install.erase=yes', /bowtie\.install\.disk is empty/],
    ['"bowtie.install.disk=/dev/sda" bowtie.install.erase=yes', /is not bowtie\.install\.<name>=<value>/],
    ['bowtie.install.disk=/dev/sdb bowtie.install.erase=yes', /sdb cannot be written: the installer's own boot medium/],
    ['bowtie.install.disk=/dev/sr0 bowtie.install.erase=yes', /sr0: no such device|sr0 cannot be written/],
    ['bowtie.install.disk=/dev/sda1 bowtie.install.erase=yes', /sda1 is a partition \(or volume\) on sda, not a whole disk/],
    ['bowtie.install.disk=/dev/sde bowtie.install.erase=yes', /sde cannot be written: in use: mounted at \/mnt\/data/],
    ['bowtie.install.disk=/dev/sdd bowtie.install.erase=yes', /sdd cannot be written: too small/],
    ['bowtie.install.disk=/dev/sdh bowtie.install.erase=yes', /sdh cannot be written: 4096-byte logical sectors/],
    ['bowtie.install.disk=/dev/sda;reboot bowtie.install.erase=yes', /\/dev\/sda\?reboot is not a disk name/],
    ['bowtie.install.disk=/dev/sda$(reboot) bowtie.install.erase=yes', /is not a disk name/],
    ['bowtie.install.disk=/dev/../dev/sda bowtie.install.erase=yes', /is not a plain device path/],
    ['bowtie.install.disk=/dev/* bowtie.install.erase=yes', /\/dev\/\? is not a disk name/],
  ];
  withTools.each(refusedUnattended)('kernel command line %s', (cmdline, message) => {
    const dev = makeDevRoot(join(dir, `cmdline-${++runs}`));
    const before = snapshot(dev);
    const r = run({ cmdline: `BOOT_IMAGE=/boot/bzImage ${cmdline} console=tty0`, dev });
    expect(r.out).toMatch(message);
    expect(r.out).toMatch(/nothing written/);
    expect(r.status).toBe(1);
    expect(snapshot(dev)).toEqual(before);
  });

  withTools('a device list it cannot read, or a medium without the image or its hash', () => {
    const dev = makeDevRoot(join(dir, `bad-${++runs}`));
    const before = snapshot(dev);
    const hostile = join(dir, 'lsblk-hostile.json');
    // Entries it does not read are listed as not offered; the others are still offered.
    const disk = { type: 'disk', size: 16 * MiB, ro: false, rm: false, 'log-sec': 512 };
    const part = { type: 'part', size: MiB, ro: false, rm: false, 'log-sec': 512 };
    writeFileSync(
      hostile,
      JSON.stringify({
        blockdevices: [
          { ...disk, name: 'sda;reboot' },
          { ...disk, name: 'sdb', children: [{ ...part, name: 'sdb1', size: '1M' }] },
          { ...disk, name: 'sdc', mountpoints: '/' },
          { ...disk, name: 'sdd', children: { name: 'sdd1' } },
          5,
          { ...disk, name: 'sde', ro: 'no' },
          // Without its logical sector size, or with one that is not a number of bytes.
          { ...disk, name: 'sdg', 'log-sec': undefined },
          { ...disk, name: 'sdh', 'log-sec': '512' },
          { ...disk, name: 'sdf' },
        ],
      }),
    );
    let r = run({ input: 'sda\nsdc\n', devicesJson: hostile, dev });
    for (const name of ['sda\\?reboot', 'sdb', 'sdc', 'sdd', '\\?', 'sde', 'sdg', 'sdh'])
      expect(r.out).toMatch(new RegExp(`^ {2}${name} +lsblk describes it \\(or a partition on it\\) in a form this installer does not read$`, 'm'));
    expect(r.out).toMatch(/^ {2}sdf +16\.0 MiB {2}unknown model$/m);
    expect(r.out).toContain('sda is not a disk this machine lists');
    expect(r.out).toContain('sdc cannot be written: lsblk describes it');
    expect(r.status).toBe(1);
    // A listing without its list of devices: nothing to offer, and the program stops.
    writeFileSync(hostile, '{"blockdevices": "x"}');
    r = run({ input: 'sda\nsda\n', devicesJson: hostile, dev });
    expect(r.out).toContain('the device list (lsblk --json --bytes) is not what this program reads; nothing written');
    expect(r.status).toBe(1);
    const noHash = join(dir, 'payload-no-hash');
    makePayload(noHash, image);
    writeFileSync(join(noHash, 'controller.img.sha256'), 'not a hash\n');
    r = run({ input: 'sda\nsda\n', payloadDir: noHash, dev });
    expect(r.out).toContain("the image's recorded sha256 on the installer medium is not a sha256");
    expect(r.status).toBe(1);
    r = run({ input: 'sda\nsda\n', payloadDir: join(dir, 'nowhere'), dev });
    expect(r.out).toContain('the image is missing from the installer medium');
    expect(snapshot(dev)).toEqual(before);
  });
});
