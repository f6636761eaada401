/**
 * A fake EC2 instance metadata service on 127.0.0.1 (ephemeral port) for tests: IMDSv2 token
 * flow, with each endpoint's behaviour chosen per test (answer, status, hang, drip, redirect).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'ok'; body: string | Buffer }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'hang' }
  /** Sends the headers and then one byte every `everyMs`, forever. */
  | { kind: 'drip'; everyMs: number }
  | { kind: 'redirect'; to: string };

export interface FakeImdsConfig {
  token?: Behaviour;
  instanceId?: Behaviour;
  userData?: Behaviour;
}

export interface FakeImds {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

export const TOKEN = 'AQAEAFakeTokenForTests==';

export async function startFakeImds(config: FakeImdsConfig): Promise<FakeImds> {
  const requests: FakeImds['requests'] = [];
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const behave = (res: ServerResponse, b: Behaviour) => {
    switch (b.kind) {
      case 'ok':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(b.body);
        return;
      case 'status':
        res.writeHead(b.status, { 'Content-Type': 'text/plain' }).end(b.body ?? '');
        return;
      case 'hang':
        open.add(res);
        return;
      case 'drip': {
        open.add(res);
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        const timer = setInterval(() => res.write('#'), b.everyMs);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'redirect':
        res.writeHead(302, { Location: b.to }).end();
        return;
    }
  };
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
      return behave(res, config.token ?? { kind: 'ok', body: TOKEN });
    }
    if (req.method !== 'GET') return void res.writeHead(405).end();
    // IMDSv2 only: a GET without the session token is refused, as when IMDSv1 is disabled.
    if (req.headers['x-aws-ec2-metadata-token'] !== TOKEN) return void res.writeHead(401).end('Unauthorized');
    if (req.url === '/latest/meta-data/instance-id') return behave(res, config.instanceId ?? { kind: 'ok', body: 'i-0123456789abcdef0' });
    if (req.url === '/latest/user-data') return behave(res, config.userData ?? { kind: 'status', status: 404 });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL on which nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
