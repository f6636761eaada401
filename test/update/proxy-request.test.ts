/**
 * The updater's metadata request through the site's proxy (docs/decisions/0670), against a real
 * HTTP proxy on 127.0.0.1 (absolute-form requests and CONNECT tunnels) and a real TLS server:
 * the proxy gets the credentials as Basic authorization, an https URL is tunnelled with TLS and
 * its certificate check end to end, NO_PROXY sends a host direct, and no message shows the
 * credentials.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchMetadata, MetadataUnavailableError } from '../../server/update/metadata.js';
import { bypassed, proxyFor } from '../../server/update/proxy-request.js';
import { startFakeMetadataServer, type FakeMetadataServer } from '../fixtures/fake-metadata-server.js';

const TLS = new URL('../fixtures/tls/', import.meta.url);
const PASSWORD = 'Pr0xy@Secret:pw';
const METADATA = { version: '1.9.0', base: '/nix/store/2a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-bowtie-1.9.0', channel: 'stable' };

let proxy: Server;
let proxyUrl: string;
let metadata: FakeMetadataServer;
let tlsServer: TlsServer;
let tlsPort: number;
let seen: { line: string; auth: string | undefined }[];
let sni: string[];
let refuse: number | null;
const sockets = new Set<Socket>();
const track = (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s)));

beforeAll(async () => {
  metadata = await startFakeMetadataServer();
  tlsServer = createTlsServer({
    key: readFileSync(new URL('ctl.key', TLS)),
    cert: readFileSync(new URL('ctl.pem', TLS)),
    SNICallback: (name, cb) => {
      sni.push(name);
      cb(null, undefined);
    },
  });
  tlsServer.on('tlsClientError', () => {});
  tlsServer.on('connection', track);
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsPort = (tlsServer.address() as AddressInfo).port;
  proxy = createServer((req, res) => {
    // Absolute form: forward to the metadata server, as a proxy would.
    seen.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url!);
    const upstream = connect(Number(target.port), '127.0.0.1', () => upstream.write(`GET ${target.pathname} HTTP/1.0\r\nhost: ${target.host}\r\n\r\n`));
    upstream.pipe(res.socket!);
  });
  proxy.on('connection', track);
  proxy.on('connect', (req: IncomingMessage, socket: Socket) => {
    seen.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
    if (refuse) return void socket.end(`HTTP/1.1 ${refuse} No\r\n\r\n`);
    const upstream = connect(tlsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://svc-bowtie:${encodeURIComponent(PASSWORD)}@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await metadata.close();
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await new Promise((r) => tlsServer.close(r));
});
beforeEach(() => {
  seen = [];
  sni = [];
  refuse = null;
  metadata.reply = { status: 200, body: JSON.stringify(METADATA) };
});

const basic = `Basic ${Buffer.from(`svc-bowtie:${PASSWORD}`).toString('base64')}`;

describe('metadata through the proxy', () => {
  it('an http URL: sent to the proxy in absolute form with Basic credentials, answered through it', async () => {
    const env = { http_proxy: proxyUrl };
    expect(await fetchMetadata(`${metadata.url}/stable.json`, 5000, env)).toMatchObject({ version: '1.9.0' });
    expect(seen).toEqual([{ line: `GET ${metadata.url}/stable.json`, auth: basic }]);
    expect(metadata.requests).toContain('GET /stable.json');
  });

  it('an https URL: a CONNECT tunnel, TLS with the target end to end (its certificate is checked)', async () => {
    const url = `https://ctl-sfo-01.corp.example.com:${tlsPort}/stable.json`;
    const error = await fetchMetadata(url, 5000, { HTTPS_PROXY: proxyUrl }).catch((e: Error) => e);
    expect(seen).toEqual([{ line: `CONNECT ctl-sfo-01.corp.example.com:${tlsPort}`, auth: basic }]);
    expect(sni, (error as Error).message).toEqual(['ctl-sfo-01.corp.example.com']);
    // The test's certificate is signed by a CA this process does not trust: refused, not ignored.
    expect(error).toBeInstanceOf(MetadataUnavailableError);
    expect((error as Error).message).toMatch(
      /through the proxy 127\.0\.0\.1:\d+ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
    );
    expect((error as Error).message).not.toContain('Secret');
    expect((error as Error).message).not.toContain('svc-bowtie');
  });

  it('a refused tunnel (407) is a clear error without the credentials', async () => {
    refuse = 407;
    const error = await fetchMetadata(`https://updates.example.com:${tlsPort}/stable.json`, 5000, { https_proxy: proxyUrl }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(MetadataUnavailableError);
    expect((error as Error).message).toMatch(/the proxy 127\.0\.0\.1:\d+ refused the tunnel \(HTTP 407\)/);
    expect((error as Error).message).not.toMatch(/Secret|svc-bowtie|%40/);
  });

  it('NO_PROXY sends the host direct; no proxy variable, no proxy', async () => {
    expect(await fetchMetadata(`${metadata.url}/stable.json`, 5000, { http_proxy: proxyUrl, no_proxy: 'localhost,127.0.0.0/8' })).toMatchObject({
      version: '1.9.0',
    });
    expect(await fetchMetadata(`${metadata.url}/stable.json`, 5000, {})).toMatchObject({ version: '1.9.0' });
    expect(seen).toEqual([]);
  });

  it('chooses the proxy by scheme and NO_PROXY entry as curl does', () => {
    const env = { http_proxy: 'http://p:1', HTTPS_PROXY: 'http://q:2', NO_PROXY: '.corp.example.com, 10.0.0.0/8,fd00::/8,::1, exact.example' };
    expect(proxyFor(new URL('http://a.example.com/'), env)?.host).toBe('p:1');
    expect(proxyFor(new URL('https://a.example.com/'), env)?.host).toBe('q:2');
    for (const direct of [
      'https://x.corp.example.com/',
      'https://corp.example.com/',
      'https://10.2.3.4/',
      'https://[fd00::5]/',
      'https://[::1]:8443/',
      'https://exact.example/',
    ]) {
      expect(proxyFor(new URL(direct), env), direct).toBeNull();
    }
    for (const proxied of ['https://notcorp.example.com/', 'https://11.0.0.1/', 'https://sub.exact.example.org/'])
      expect(proxyFor(new URL(proxied), env), proxied).not.toBeNull();
    expect(bypassed('anything.example', '*')).toBe(true);
    expect(proxyFor(new URL('https://a.example/'), { https_proxy: 'socks5://p:1' })).toBeNull();
  });
});
