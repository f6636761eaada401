/**
 * The console menu driven by scripted input (no terminal): the claim block in each phase, a
 * static network entered with mistakes (each error printed exactly as the CLI prints it, then
 * asked again) and applied through the engine in simulate mode, and a reset from the menu.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragmentSite } from '../../server/apply/fragment-value.js';
import { enginePaths } from '../../server/apply/paths.js';
import { formatSetupCode, loadOrCreateSetupCode, setupCodePath } from '../../server/auth/setup-code.js';
import { writeStatus } from '../../server/cloud-init/state-files.js';
import { formatFieldErrors } from '../../server/config/errors.js';
import { validateDocument } from '../../server/config/validate.js';
import { runConsole } from '../../server/console/index.js';
import { draftPath } from '../../server/steps/draft.js';
import { ensureWizardCertificate } from '../../server/system/tls.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, testEnv } from '../apply/harness.js';

let configured: string;

beforeAll(async () => {
  configured = await makeRoot();
  expect((await apply(configured, fixtureDoc('old'))).outcome).toBe('applied');
}, 60_000);

afterAll(() => removeRoots());

/** Runs the console on `lines` (then end of input); returns everything it printed. */
async function session(root: string, lines: string[], restarts: string[] = []): Promise<string> {
  const input = new PassThrough();
  let out = '';
  const output = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  input.end(lines.map((l) => `${l}\n`).join(''));
  await runConsole({ input, output, root, simulate: true, env: testEnv(), restartWizard: async () => void restarts.push('wizard') });
  return out;
}

/** Fits an 80-column VGA or serial console; field errors keep the CLI's exact words (the terminal wraps them). */
function expectConsoleSafe(out: string): void {
  for (const line of out.split('\n')) {
    if (!/^[a-z][a-z0-9_.]*: /.test(line)) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(line, 'ASCII only').toMatch(/^[\x20-\x7e]*$/);
  }
}

/** The error line the CLI prints for `doc` at `path`. */
function cliError(doc: unknown, path: string): string {
  const r = validateDocument(doc, 'any');
  if (r.ok) throw new Error('expected errors');
  const line = formatFieldErrors(r.errors.filter((e) => e.path === path));
  expect(line).not.toBe('');
  return line;
}

describe('claim block', () => {
  it('first boot: the URL on the current address, the setup code grouped, the certificate fingerprint', async () => {
    const root = await makeRoot();
    const { code } = await loadOrCreateSetupCode(root);
    const { certificate } = await ensureWizardCertificate(root, 'bowtie', ['bowtie', '192.168.122.10']);
    const out = await session(root, []);
    expect(out).toContain('==== Bowtie Controller setup ====');
    expect(out).toMatch(/ {2}Open: +https:\/\/192\.168\.122\.10\/ {2}\(ens3\)\n/);
    expect(out).not.toContain('127.0.0.1');
    expect(out).not.toContain('fe80');
    expect(out).toContain(`  Setup code:   ${formatSetupCode(code)}\n`);
    const fp = certificate.fingerprint256;
    expect(out).toContain(`  Certificate:  SHA-256 ${fp.slice(0, 47)}\n`);
    expect(out).toContain(`${fp.slice(48)}\n`);
    expect(out).toContain('1) Network setup (static address, no DHCP)');
    expectConsoleSafe(out);
  });

  it("reads the wizard's files without following links: a planted link shows nothing", async () => {
    const root = await makeRoot();
    await loadOrCreateSetupCode(root);
    const target = `${root}/elsewhere`;
    writeFileSync(target, 'ABCD-EFGH-JKMN-PQRS\n');
    rmSync(setupCodePath(root));
    symlinkSync(target, setupCodePath(root));
    const out = await session(root, []);
    expect(out).not.toContain('ABCD-EFGH-JKMN-PQRS');
    expect(out).toContain('Setup code:   (not made yet');
  });

  it('pre-claimed by cloud-init: names the admin instead of showing the code', async () => {
    const root = await makeRoot();
    const { code } = await loadOrCreateSetupCode(root);
    await writeStatus(root, {
      instance_id: 'i-1',
      status: 'prefilled',
      errors: [],
      prefill: { hostname: 'lab', admin: { email: 'lab@example.com', password_hash: '$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA' } },
    });
    const out = await session(root, []);
    expect(out).toContain('  Sign in as:   lab@example.com\n');
    expect(out).not.toContain(formatSetupCode(code));
    expect(out).not.toContain('Setup code:');
    expectConsoleSafe(out);
  });

  it('after hand-off: the controller URL and its service instead of a code', async () => {
    const root = cloneRoot(configured);
    await loadOrCreateSetupCode(root);
    const out = await session(root, []);
    expect(out).toContain('==== Bowtie Controller ====');
    expect(out).toContain('Setup is complete');
    expect(out).toMatch(/Controller: +https:\/\/ctl-old\//);
    expect(out).toContain('https://192.168.122.10/  (ens3)');
    expect(out).toContain('bowtie_server.service active');
    expect(out).not.toContain('Setup code');
    expectConsoleSafe(out);
  });
});

describe('network setup', () => {
  it("re-asks a field after a mistake, with the CLI's error line, then applies it through the engine", async () => {
    const root = await makeRoot();
    const restarts: string[] = [];
    const out = await session(
      root,
      [
        '1',
        '', //              interface: the default (ens3)
        '10.0.0.300/24', // not an address
        '10.0.0.5/24',
        '10.1.0.1', //      not in the subnet
        '10.0.0.1',
        '', //              no DNS server
        '10.0.0.1 9.9.9.9',
        '', //              no advanced settings
        'ctl-console',
        'y',
        '', //              back to the menu
      ],
      restarts,
    );
    const base = { hostname: 'ctl-console', network: { ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, dns: ['10.0.0.1'] } };
    expect(out).toContain(
      `\n${cliError({ ...base, network: { ...base.network, ipv4: { ...base.network.ipv4, address: '10.0.0.300/24' } } }, 'network.ipv4.address')}\n`,
    );
    expect(out).toContain('\nnetwork.ipv4.gateway: not in 10.0.0.0/24\n');
    expect(out).toContain(`\n${cliError({ ...base, network: { ipv4: base.network.ipv4 } }, 'network.dns')}\n`);
    expect(out).toContain('Applied (generation 2).');
    expect(out).toContain('The setup wizard is now at https://10.0.0.5/');
    expectConsoleSafe(out);

    // The fragment holds the address; the machine has it; the wizard's draft has the network.
    const site = await readFragmentSite(enginePaths(root).fragment);
    if (site.kind !== 'site') throw new Error('no fragment');
    expect(site.site.hostname).toBe('ctl-console');
    expect(site.site.network.interface).toBe('ens3');
    expect(site.site.network.ipv4).toEqual({ method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' });
    expect(site.site.network.dns).toEqual(['10.0.0.1', '9.9.9.9']);
    expect(site.site.admin).toBeNull();
    expect(readFileSync(`${root}/sys/class/net/ens3/simulated-addresses`, 'utf8').trim()).toBe('10.0.0.5/24');
    const draft = JSON.parse(readFileSync(draftPath(root), 'utf8'));
    expect(draft.document.network.ipv4.address).toBe('10.0.0.5/24');
    expect(restarts).toEqual(['wizard']);
    // The claim block shown after the apply has the new address.
    expect(out.slice(out.lastIndexOf('==== Bowtie'))).toContain('https://10.0.0.5/  (ens3)');
  });

  it('advanced: a VLAN, an MTU and a proxy, each re-asked after a mistake; credentials are refused on this screen', async () => {
    const root = await makeRoot();
    const out = await session(root, [
      '1',
      '',
      '10.0.0.5/24',
      '10.0.0.1',
      '10.0.0.1',
      'y', //                                   advanced settings
      '4095', //                                out of range
      '120',
      'jumbo', //                               not a number
      '1000', //                                IPv6 (auto) needs 1280
      '1400',
      'socks5://proxy.corp.example.com:1080', // not http(s)
      'http://svc:Sup3rSecretPw@proxy.corp.example.com:3128', // credentials on the console
      'http://proxy.corp.example.com:3128',
      '.corp.example.com a,b 10.0.0.0/33', //   a comma splits; a bad range
      '.corp.example.com localhost',
      'ctl-console',
      'y',
      '',
    ]);
    expect(out).toContain('\nnetwork.vlan: must be a whole number from 1 to 4094 (802.1Q VLAN id)\n');
    expect(out).toContain('\nnetwork.mtu: must be a number, not text\n');
    expect(out).toContain('\nnetwork.mtu: below 1280 leaves no IPv6 on the link: set ipv6 to off, or an MTU of at least 1280\n');
    expect(out).toContain('\nnetwork.proxy.url: must be an http:// or https:// URL');
    expect(out).toContain('\nnetwork.proxy.url: give the user name and password in the setup wizard (this screen shows what is typed)\n');
    expect(out).toContain('\nnetwork.proxy.no_proxy.3: must be a valid CIDR range, e.g. 10.0.0.0/8\n');
    // Only where the transcript echoes the typed line (a terminal would too): no message repeats it.
    expect(out.split('Sup3rSecretPw').length - 1).toBe(1);
    expect(out).toMatch(/: http:\/\/svc:Sup3rSecretPw@proxy\.corp\.example\.com:3128\n/);
    expect(out).toContain('  VLAN:       120 on ens3');
    expect(out).toContain('  Proxy:      http://proxy.corp.example.com:3128\n  Bypass:     .corp.example.com localhost\n');
    expect(out).toContain('Applied (generation 2).');
    expectConsoleSafe(out);
    const site = await readFragmentSite(enginePaths(root).fragment);
    if (site.kind !== 'site') throw new Error('no fragment');
    expect(site.site.network).toMatchObject({
      interface: 'ens3',
      vlan: 120,
      mtu: 1400,
      proxy: { url: 'http://proxy.corp.example.com:3128', no_proxy: ['.corp.example.com', 'localhost'] },
    });
  });

  it('an empty address backs out; nothing is applied', async () => {
    const root = await makeRoot();
    const out = await session(root, ['1', '', '', '']);
    expect(out).toContain('Nothing was changed.');
    expect(existsSync(enginePaths(root).fragment)).toBe(false);
  });

  it('refuses after setup: a network-only apply would drop the admin and enrollment', async () => {
    const root = cloneRoot(configured);
    const before = readFileSync(enginePaths(root).fragment, 'utf8');
    const out = await session(root, ['1', '']);
    expect(out).toContain('already set up beyond its network');
    expect(out).toContain('Change its network in the controller');
    expect(readFileSync(enginePaths(root).fragment, 'utf8')).toBe(before);
  });

  it('carries an admin the site holds (user data, or kept by reset --config) with its hashes; the draft gets no secret', async () => {
    const root = await makeRoot();
    const old = fixtureDoc('old') as { admin: { email: string; password_hash: string; console_password_hash: string } };
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
    expect((await apply(root, { hostname: 'ctl-lab', admin: { ...old.admin, ssh_authorized_keys: [key] } })).outcome).toBe('applied');
    const p = enginePaths(root);
    const before = await readFragmentSite(p.fragment);
    const out = await session(root, ['1', '', '10.0.0.5/24', '10.0.0.1', '10.0.0.1', '', '', 'y', '']);
    expect(out).toContain('Applied (generation 3).');
    const after = await readFragmentSite(p.fragment);
    if (after.kind !== 'site' || before.kind !== 'site') throw new Error('no fragment');
    expect(after.site.network.ipv4).toEqual({ method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' });
    expect(after.site.admin).toEqual(before.site.admin);
    expect(after.site.admin?.ssh_authorized_keys).toEqual([key]);
    expect(readFileSync(p.secrets.adminPasswordHash, 'utf8')).toBe(old.admin.password_hash);
    expect(readFileSync(p.secrets.consolePasswordHash, 'utf8')).toBe(old.admin.console_password_hash);
    const draft = readFileSync(draftPath(root), 'utf8');
    expect(JSON.parse(draft).document.admin).toEqual({ email: old.admin.email, ssh_authorized_keys: [key] });
    for (const secret of [old.admin.password_hash, old.admin.console_password_hash]) expect(draft + out).not.toContain(secret);
  });
});

describe('menu', () => {
  it('reset --config from the menu, confirmed by the host name', async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    const declined = await session(root, ['3', '1', 'ctl-wrong', '']);
    expect(declined).toContain('Not confirmed: nothing was changed.');
    expect(existsSync(p.handoffMarker)).toBe(true);

    const out = await session(root, ['3', '1', 'ctl-old', '']);
    expect(out).toContain('Type the host name (ctl-old) to confirm');
    expect(out).toMatch(/reset --config: done/);
    expect(existsSync(p.handoffMarker)).toBe(false);
    const site = await readFragmentSite(p.fragment);
    // The admin's access stays (docs/decisions/0523); the enrollment goes.
    expect(site.kind === 'site' && site.site.admin?.email === 'ops@example.com' && site.site.enrollment === null && site.site.hostname === 'ctl-old').toBe(
      true,
    );
    // Back in setup: the claim block shows the new setup code.
    expect(out.slice(out.lastIndexOf('==== Bowtie'))).toMatch(/Setup code: +[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}\n/);
    expectConsoleSafe(out);
  });

  it('status prints what bowtie-setup status prints; anything else is not a command', async () => {
    const root = cloneRoot(configured);
    const out = await session(root, ['2', '', '!sh', 'exit']);
    expect(out).toMatch(/setup: +complete/);
    expect(out).toMatch(/last apply: +applied/);
    expect(out.match(/Choose 1, 2, 3, 4 or 5\./g)).toHaveLength(2);
  });

  it('the last apply log: its tail, with hostile bytes shown inert and every line within 80 columns', async () => {
    const root = cloneRoot(configured);
    const log = enginePaths(root).output;
    expect(existsSync(log)).toBe(true);
    const hostile = [
      'before \u001b]0;retitled\u0007after-osc',
      '\u001b[2J\u001b[Hcleared-screen',
      'csi-8bit \u009b31mred',
      'carriage\rOVERWRITE',
      'bidi \u202etxt.exe',
      'bell\u0007 tab\t nul\u0000 esc-alone\u001b',
      `long ${'x'.repeat(300)}`,
      'last line of the log',
    ];
    appendFileSync(log, `${hostile.join('\n')}\n`);
    const out = await session(root, ['5', '']);
    const shown = out.slice(out.indexOf("lines of the last apply's log:"));
    expect(shown).toContain('  | before after-osc\n');
    expect(shown).toContain('  | cleared-screen\n');
    expect(shown).toContain('  | csi-8bit red\n');
    expect(shown).toContain('  | carriage?OVERWRITE\n');
    expect(shown).toContain('  | bidi ?txt.exe\n');
    expect(shown).toContain('  | bell? tab? nul? esc-alone?\n');
    expect(shown).toMatch(/ {2}\| long x+\.\.\.\n/);
    expect(shown).toContain('  | last line of the log\n');
    expect(shown).not.toContain('retitled');
    expect(shown).not.toContain('[2J');
    // Nothing a terminal acts on reaches the console.

    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expectConsoleSafe(out);
  });

  it('the last apply log: before any apply, says so; a log that is a link is not followed', async () => {
    const fresh = await makeRoot();
    expect(await session(fresh, ['5', ''])).toContain('No apply has run yet: there is no log to show.');
    const root = cloneRoot(configured);
    const log = enginePaths(root).output;
    const secret = join(root, 'elsewhere');
    writeFileSync(secret, 'NOT-FOR-THE-CONSOLE\n');
    rmSync(log);
    symlinkSync(secret, log);
    const out = await session(root, ['5', '']);
    expect(out).toContain('The apply log cannot be shown:\n  the apply output log is a symbolic link.\n');
    expect(out).not.toContain('NOT-FOR-THE-CONSOLE');
  });
});

describe('refresh while the menu waits', () => {
  it('an address that arrives late is shown without a key press; an unchanged screen is not drawn again', async () => {
    const root = await makeRoot();
    const addresses = join(root, 'sys/class/net/ens3/simulated-addresses');
    writeFileSync(addresses, 'fe80::5054:ff:fe12:3456/64\n');
    const input = new PassThrough();
    let out = '';
    const output = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const reads: boolean[] = [];
    const running = runConsole({ input, output, root, simulate: true, env: testEnv(), refreshMs: 10, onRefreshed: (r) => reads.push(r) });
    await expect.poll(() => out, { timeout: 10_000, interval: 5 }).toContain('Choose 1-5: ');
    expect(out).toContain('(no address yet: choose 1 to set up the network)');
    // Several refresh reads later nothing has changed, so nothing is drawn again.
    const before = out;
    await expect.poll(() => reads.length, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(3);
    expect(reads.slice(0, 3)).toEqual([false, false, false]);
    expect(out).toBe(before);

    writeFileSync(addresses, '192.168.122.77/24 fe80::5054:ff:fe12:3456/64\n');
    await expect.poll(() => out, { timeout: 10_000, interval: 5 }).toMatch(/ {2}Open: +https:\/\/192\.168\.122\.77\/ {2}\(ens3\)\n/);
    // Drawn once, with the menu and the question again below it.
    const redrawn = out.slice(before.length);
    expect(redrawn.match(/==== Bowtie Controller setup ====/g)).toHaveLength(1);
    expect(redrawn).toContain('5) Last apply log');
    expect(redrawn.endsWith('Choose 1-5: ')).toBe(true);
    input.end('\n');
    await running;
    expectConsoleSafe(out);
  });

  it('on a terminal, an answer being typed is not drawn over; the redraw comes once the line is empty', async () => {
    const root = await makeRoot();
    const addresses = join(root, 'sys/class/net/ens3/simulated-addresses');
    writeFileSync(addresses, '\n');
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
    let out = '';
    const output = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          out += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 80 },
    );
    const reads: boolean[] = [];
    const running = runConsole({ input, output, root, simulate: true, terminal: true, env: testEnv(), refreshMs: 10, onRefreshed: (r) => reads.push(r) });
    await expect.poll(() => out, { timeout: 10_000, interval: 5 }).toContain('Choose 1-5: ');
    input.write('2');
    // readline echoes it (after its cursor moves): the line now holds "2".
    await expect.poll(() => out, { timeout: 10_000, interval: 5 }).toMatch(/Choose 1-5: \S*2$/);
    writeFileSync(addresses, '192.168.122.78/24\n');
    // Reads after the change find a new screen and still do not draw it: "2" is being typed.
    const seen = reads.length;
    await expect.poll(() => reads.length, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(seen + 3);
    expect(reads.slice(seen)).not.toContain(true);
    expect(out).not.toContain('192.168.122.78');
    // Backspace empties the line: the next read draws the screen with the new address.
    input.write('\x7f');
    await expect.poll(() => out, { timeout: 10_000, interval: 5 }).toContain('https://192.168.122.78/');
    expect(reads).toContain(true);
    input.end();
    await running;
  });
});
