import { afterEach, describe, expect, it } from 'vitest';
import { closedPortUrl, startFakeImds, TOKEN, type FakeImds, type FakeImdsConfig } from '../../test/cloud-init/fake-imds.js';
import { readImds, type ImdsOptions } from './imds.js';

// Short bounds so that the hang tests take a second, not fifteen.
const FAST: ImdsOptions = { connectTimeoutMs: 500, requestTimeoutMs: 400, totalTimeoutMs: 2_000, tokenAttempts: 2, retryDelayMs: 50 };

let imds: FakeImds | null = null;
afterEach(async () => {
  await imds?.close();
  imds = null;
});

async function read(config: FakeImdsConfig) {
  imds = await startFakeImds(config);
  return readImds(imds.url, FAST);
}

describe('readImds (IMDSv2 against a fake service on loopback)', () => {
  it('gets a token with PUT, then the instance id and the user data with it', async () => {
    const result = await read({ userData: { kind: 'ok', body: '#cloud-config\nbowtie_setup: {hostname: a}\n' } });
    expect(result).toEqual({ kind: 'ok', instanceId: 'i-0123456789abcdef0', userData: Buffer.from('#cloud-config\nbowtie_setup: {hostname: a}\n') });
    expect(imds!.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/instance-id', 'GET /latest/user-data']);
    expect(Number(imds!.requests[0]!.headers['x-aws-ec2-metadata-token-ttl-seconds'])).toBeGreaterThan(0);
    for (const r of imds!.requests.slice(1)) expect(r.headers['x-aws-ec2-metadata-token']).toBe(TOKEN);
  });

  it('takes 404 for the user data as "this instance has none"', async () => {
    expect(await read({ userData: { kind: 'status', status: 404, body: 'Not Found' } })).toEqual({
      kind: 'ok',
      instanceId: 'i-0123456789abcdef0',
      userData: null,
    });
  });

  it('never takes the body of an error answer for user data', async () => {
    const body = '#cloud-config\nbowtie_setup: {hostname: from-an-error-page}\n';
    for (const status of [500, 503, 401, 403]) {
      const result = await read({ userData: { kind: 'status', status, body } });
      expect(result.kind).toBe('error');
      expect(JSON.stringify(result)).not.toContain('from-an-error-page');
      expect(result).toMatchObject({ instanceId: 'i-0123456789abcdef0', reason: expect.stringContaining(`HTTP ${status}`) });
      await imds!.close();
      imds = null;
    }
  });

  it('does not follow redirects', async () => {
    const result = await read({ userData: { kind: 'redirect', to: 'http://127.0.0.1:1/elsewhere' } });
    expect(result).toMatchObject({ kind: 'error', reason: expect.stringContaining('HTTP 302') });
    expect(imds!.requests).toHaveLength(3);
  });

  it('reports a refused token (IMDSv2 switched off or hop limit) as an error, without trying IMDSv1', async () => {
    const result = await read({ token: { kind: 'status', status: 403, body: 'Forbidden' } });
    expect(result).toMatchObject({ kind: 'error', instanceId: null, reason: expect.stringContaining('HTTP 403') });
    expect(imds!.requests.map((r) => r.method)).toEqual(['PUT']);
  });

  it('treats a closed port as "no metadata service here"', async () => {
    const result = await readImds(await closedPortUrl(), FAST);
    expect(result).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('gives up on a token request that hangs, within the total bound, after retrying', async () => {
    const result = await read({ token: { kind: 'hang' } });
    expect(result).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('no complete answer') });
    expect(imds!.requests.filter((r) => r.method === 'PUT')).toHaveLength(FAST.tokenAttempts!);
  });

  it('gives up on user data that hangs or trickles in, and uses none of it', async () => {
    for (const userData of [{ kind: 'hang' } as const, { kind: 'drip', everyMs: 50 } as const]) {
      const result = await read({ userData });
      expect(result).toMatchObject({ kind: 'error', instanceId: 'i-0123456789abcdef0', reason: expect.stringContaining('no complete answer') });
      await imds!.close();
      imds = null;
    }
  });

  it('rejects an instance id that could not be a file name or a console line', async () => {
    for (const body of ['', 'i-123\n\u001b[2J', 'x'.repeat(300)]) {
      const result = await read({ instanceId: { kind: 'ok', body } });
      expect(result).toMatchObject({ kind: 'error', instanceId: null });
      await imds!.close();
      imds = null;
    }
  });

  it('stops reading an instance id answer that is too large', async () => {
    const result = await read({ instanceId: { kind: 'ok', body: 'i'.repeat(64 * 1024) } });
    expect(result).toMatchObject({ kind: 'error', reason: expect.stringContaining('larger than') });
  });
});
