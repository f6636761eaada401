import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLOUD_INIT_RESULT_FILE,
  DRAFT_FILE,
  JOURNAL_FILE,
  LAYOUT_DIRS,
  LEGACY_PATHS,
  ROLLBACK_DIR,
  SETUP_CODE_FILE,
  SHARED_DIR,
  STATE_DIR,
  WIZARD_TLS_DIR,
} from '../nix/paths.js';
import {
  CLOUD_INIT_LAYOUT,
  migrateLegacyCloudInitResult,
  prepareRootLayout,
  prepareWebLayout,
  readTrusted,
  UnsafeLayoutError,
  WORKER_LAYOUT,
} from './state-layout.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-layout-'));
  roots.push(root);
  return root;
}
const me = process.getuid!();
const modeOf = (p: string) => lstatSync(p).mode & 0o7777;
const declared = (p: string) => LAYOUT_DIRS.find((d) => d.path === p)!.mode;

async function refusal(run: Promise<unknown>): Promise<UnsafeLayoutError> {
  const e = await run.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UnsafeLayoutError);
  return e as UnsafeLayoutError;
}

describe("root's directories", () => {
  it('are made with their layout modes, for the worker and for cloud-init', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, WORKER_LAYOUT);
    await prepareRootLayout(root, CLOUD_INIT_LAYOUT);
    for (const p of [...WORKER_LAYOUT.dirs, ...CLOUD_INIT_LAYOUT.dirs]) {
      expect(modeOf(join(root, p)).toString(8), p).toBe(declared(p).toString(8));
    }
    expect(modeOf(join(root, STATE_DIR))).toBe(0o711);
    expect(modeOf(join(root, SHARED_DIR))).toBe(0o2750);
    // Making them again changes nothing and refuses nothing.
    await prepareRootLayout(root, WORKER_LAYOUT);
  });

  it("bring an older sandbox's modes up to the layout (a 0700 state directory becomes 0711)", async () => {
    const root = makeRoot();
    mkdirSync(join(root, STATE_DIR), { recursive: true, mode: 0o700 });
    mkdirSync(join(root, ROLLBACK_DIR), { mode: 0o755 });
    await prepareRootLayout(root, WORKER_LAYOUT);
    expect(modeOf(join(root, STATE_DIR))).toBe(0o711);
    expect(modeOf(join(root, ROLLBACK_DIR))).toBe(0o700);
  });

  it('refuse a directory that is a symbolic link, and say which and why', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, WORKER_LAYOUT);
    const elsewhere = join(root, 'var/lib/bowtie-setup/web/rollback');
    mkdirSync(elsewhere, { recursive: true });
    rmSync(join(root, ROLLBACK_DIR), { recursive: true });
    symlinkSync(elsewhere, join(root, ROLLBACK_DIR));
    const e = await refusal(prepareRootLayout(root, WORKER_LAYOUT));
    expect(e.path).toBe(join(root, ROLLBACK_DIR));
    expect(e.message).toMatch(/rollback: it is a symbolic link\. .*only where root alone can write/);
  });

  it('refuse a journal that is a symbolic link', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, WORKER_LAYOUT);
    writeFileSync(join(root, 'forged.json'), '{}');
    symlinkSync(join(root, 'forged.json'), join(root, JOURNAL_FILE));
    expect((await refusal(prepareRootLayout(root, WORKER_LAYOUT))).message).toContain('state.json: it is a symbolic link');
  });

  it('refuse, for the owner they expect, a directory writable by group or others or owned by someone else', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me });
    chmodSync(join(root, ROLLBACK_DIR), 0o777);
    expect((await refusal(prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me }))).message).toMatch(/rollback: it is writable by its group \(mode 0777\)/);
    chmodSync(join(root, ROLLBACK_DIR), 0o703);
    expect((await refusal(prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me }))).message).toMatch(/writable by others \(mode 0703\)/);
    chmodSync(join(root, ROLLBACK_DIR), 0o700);
    expect((await refusal(prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me + 1 }))).message).toContain(`is owned by uid ${me}, not ${me + 1}`);
    // Never "repaired" into shape: the mode stays as found.
    chmodSync(join(root, ROLLBACK_DIR), 0o777);
    await refusal(prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me }));
    expect(modeOf(join(root, ROLLBACK_DIR))).toBe(0o777);
  });

  it('refuse a writable directory above them (whoever can write it can swap the state directory)', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me });
    chmodSync(join(root, 'var/lib'), 0o777);
    expect((await refusal(prepareRootLayout(root, { ...WORKER_LAYOUT, owner: me }))).path).toBe(join(root, 'var/lib'));
  });

  it.skipIf(me !== 0)('refuse, as root, a state directory another user owns (the pre-0500 layout)', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, WORKER_LAYOUT);
    chownSync(join(root, STATE_DIR), 65534, 65534);
    const e = await refusal(prepareRootLayout(root, WORKER_LAYOUT));
    expect(e.message).toContain('bowtie-setup: it is owned by uid 65534, not 0');
  });
  if (me !== 0) console.log('state-layout.test.ts: the test with a real other owner needs root (chown); the owner check itself is tested with an expected uid');
});

describe('readTrusted', () => {
  it('reads a regular file, says null for none, refuses a link, and (for an expected owner) a file others may write', async () => {
    const root = makeRoot();
    const file = join(root, 'state.json');
    expect(await readTrusted(file, me)).toBeNull();
    writeFileSync(file, 'journal', { mode: 0o600 });
    expect((await readTrusted(file, me))?.toString()).toBe('journal');
    chmodSync(file, 0o666);
    expect((await refusal(readTrusted(file, me))).message).toContain('writable by its group');
    expect((await refusal(readTrusted(file, me + 1))).message).toContain(`owned by uid ${me}`);
    const link = join(root, 'link.json');
    symlinkSync(file, link);
    expect((await refusal(readTrusted(link, null))).message).toContain('link.json: it is a symbolic link');
    mkdirSync(join(root, 'dir'));
    expect((await refusal(readTrusted(join(root, 'dir'), null))).message).toContain('is not a regular file');
  });
});

describe("the web process's directories", () => {
  it('are made in a fresh sandbox with their layout modes', async () => {
    const root = makeRoot();
    await prepareWebLayout(root);
    expect(modeOf(join(root, STATE_DIR))).toBe(0o711);
    expect(modeOf(join(root, 'var/lib/bowtie-setup/web'))).toBe(0o700);
    expect(modeOf(join(root, 'run/bowtie-setup'))).toBe(0o755);
    expect(modeOf(join(root, 'run/bowtie-setup/spool'))).toBe(0o700);
  });

  it('take over the setup code, draft and certificate an older sandbox kept in the state directory', async () => {
    const root = makeRoot();
    const state = join(root, STATE_DIR);
    mkdirSync(join(state, 'tls'), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, LEGACY_PATHS.setupCode), 'ABCD-EFGH-JKMN-PQRS\n', { mode: 0o600 });
    writeFileSync(join(root, LEGACY_PATHS.draft), '{"document":{"hostname":"old"}}\n', { mode: 0o600 });
    writeFileSync(join(state, 'tls/wizard.key'), 'key', { mode: 0o600 });
    await prepareWebLayout(root);
    expect(readFileSync(join(root, SETUP_CODE_FILE), 'utf8')).toBe('ABCD-EFGH-JKMN-PQRS\n');
    expect(readFileSync(join(root, DRAFT_FILE), 'utf8')).toContain('"old"');
    expect(readFileSync(join(root, WIZARD_TLS_DIR, 'wizard.key'), 'utf8')).toBe('key');
    expect(modeOf(join(root, SETUP_CODE_FILE))).toBe(0o600);
    for (const legacy of Object.values(LEGACY_PATHS).slice(0, 3)) expect(existsSync(join(root, legacy)), legacy).toBe(false);
  });

  it('keep their own files when both layouts have one', async () => {
    const root = makeRoot();
    await prepareWebLayout(root);
    writeFileSync(join(root, SETUP_CODE_FILE), 'NEW\n');
    writeFileSync(join(root, LEGACY_PATHS.setupCode), 'OLD\n');
    await prepareWebLayout(root);
    expect(readFileSync(join(root, SETUP_CODE_FILE), 'utf8')).toBe('NEW\n');
  });
});

describe('cloud-init.json from an older sandbox', () => {
  it('moves to shared/ as 0640; a link in its place is left alone', async () => {
    const root = makeRoot();
    await prepareRootLayout(root, CLOUD_INIT_LAYOUT);
    writeFileSync(join(root, LEGACY_PATHS.cloudInitResult), '{"status":"prefilled"}', { mode: 0o600 });
    await migrateLegacyCloudInitResult(root);
    expect(readFileSync(join(root, CLOUD_INIT_RESULT_FILE), 'utf8')).toContain('prefilled');
    expect(statSync(join(root, CLOUD_INIT_RESULT_FILE)).mode & 0o777).toBe(0o640);

    const other = makeRoot();
    await prepareRootLayout(other, CLOUD_INIT_LAYOUT);
    writeFileSync(join(other, 'forged.json'), '{}');
    symlinkSync(join(other, 'forged.json'), join(other, LEGACY_PATHS.cloudInitResult));
    await migrateLegacyCloudInitResult(other);
    expect(existsSync(join(other, CLOUD_INIT_RESULT_FILE))).toBe(false);
  });
});
