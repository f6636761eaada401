import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPortUrl, startFakeImds, type FakeImds } from '../../test/cloud-init/fake-imds.js';
import { CIDATA_MOUNT, CLOUD_INIT_INSTANCE_ID, CLOUD_INIT_USER_DATA, findUserData, nocloudInstanceId } from './sources.js';

const FAST = { connectTimeoutMs: 300, requestTimeoutMs: 300, totalTimeoutMs: 1_000, tokenAttempts: 1 };

let root: string;
let imds: FakeImds | null = null;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bowtie-sources-'));
});
afterEach(async () => {
  await imds?.close();
  imds = null;
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
}

async function find(extra: { userDataFile?: string } = {}) {
  return findUserData({ root, imdsUrl: imds?.url ?? (await closedPortUrl()), imds: FAST, ...extra });
}

describe('findUserData: the first source found wins', () => {
  beforeEach(async () => {
    imds = await startFakeImds({ userData: { kind: 'ok', body: 'from imds' } });
    await put(CLOUD_INIT_USER_DATA, 'from cloud-init');
    await put(CLOUD_INIT_INSTANCE_ID, 'i-cloudinit\n');
    await put('/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: iid-nocloud\n');
    await put('/var/lib/cloud/seed/nocloud/user-data', 'from nocloud');
    await put('/var/lib/cloud/seed/nocloud-net/meta-data', 'instance-id: iid-nocloud-net\n');
    await put('/var/lib/cloud/seed/nocloud-net/user-data', 'from nocloud-net');
    await put(`${CIDATA_MOUNT}/meta-data`, '{"instance-id": "iid-cidata"}');
    await put(`${CIDATA_MOUNT}/user-data`, 'from cidata');
  });

  it('goes --user-data, cloud-init, nocloud, nocloud-net, cidata, IMDS', async () => {
    await put('/tmp/given', 'from the command line');
    const seen: string[] = [];
    const take = async (extra = {}) => {
      const r = await find(extra);
      expect(r.kind).toBe('found');
      if (r.kind === 'found') seen.push(`${r.source} ${r.instanceId} ${r.userData.toString()}`);
    };
    await take({ userDataFile: join(root, '/tmp/given') });
    await take();
    await rm(join(root, CLOUD_INIT_USER_DATA));
    await take();
    await rm(join(root, '/var/lib/cloud/seed/nocloud/user-data'));
    await take();
    await rm(join(root, '/var/lib/cloud/seed/nocloud-net/meta-data')); // user-data without meta-data is no seed
    await take();
    await rm(join(root, CIDATA_MOUNT), { recursive: true });
    await take();
    expect(seen).toEqual([
      'file i-cloudinit from the command line',
      'cloud-init i-cloudinit from cloud-init',
      'nocloud iid-nocloud from nocloud',
      'nocloud iid-nocloud-net from nocloud-net',
      'cidata iid-cidata from cidata',
      'imds i-0123456789abcdef0 from imds',
    ]);
  });
});

describe('findUserData: problems', () => {
  it('finds nothing when no seed exists and no metadata service answers', async () => {
    const r = await find();
    expect(r.kind).toBe('none');
    if (r.kind === 'none') expect(r.looked).toEqual(expect.arrayContaining([CLOUD_INIT_USER_DATA, `${CIDATA_MOUNT}/`]));
  });

  it("does not use cloud-init's copy without the instance id next to it", async () => {
    await put(CLOUD_INIT_USER_DATA, 'x');
    expect(await find()).toMatchObject({ kind: 'error', source: 'cloud-init', instanceId: null });
  });

  it('refuses a seed file that is a symbolic link (it could point at any file on the appliance)', async () => {
    await put('/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: a\n');
    await put('/etc/shadow', 'root:$6$...');
    await symlink(join(root, '/etc/shadow'), join(root, '/var/lib/cloud/seed/nocloud/user-data'));
    expect(await find()).toMatchObject({ kind: 'error', source: 'nocloud', reason: expect.stringContaining('symbolic link') });
  });

  it('says so when --user-data names a missing file', async () => {
    expect(await find({ userDataFile: join(root, 'nope') })).toMatchObject({
      kind: 'error',
      source: 'file',
      reason: expect.stringContaining('does not exist'),
    });
  });

  it('takes the instance id for --user-data from the machine id when cloud-init left none', async () => {
    await put('/etc/machine-id', '0123456789abcdef0123456789abcdef\n');
    await put('/given', 'x');
    expect(await find({ userDataFile: join(root, '/given') })).toMatchObject({ instanceId: 'machine-0123456789abcdef0123456789abcdef' });
  });
});

describe('nocloudInstanceId', () => {
  it('reads instance-id from YAML or JSON meta-data and defaults like cloud-init', () => {
    expect(nocloudInstanceId(Buffer.from('instance-id: iid-local01\nlocal-hostname: ctl\n'))).toBe('iid-local01');
    expect(nocloudInstanceId(Buffer.from('{"instance-id": "iid-json"}'))).toBe('iid-json');
    expect(nocloudInstanceId(Buffer.from('local-hostname: ctl\n'))).toBe('nocloud');
    expect(nocloudInstanceId(Buffer.from('instance-id: "has spaces and \\e escapes"\n'))).toBe('nocloud');
    expect(nocloudInstanceId(Buffer.from('[: not yaml'))).toBe('nocloud');
  });
});
