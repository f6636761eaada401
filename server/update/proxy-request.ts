/**
 * A GET through the site's outbound proxy (docs/decisions/0670), for the updater's metadata
 * request: Node's `fetch` does not read HTTP_PROXY, while the update unit's environment has the
 * proxy (and `nix copy` uses it). Chosen as curl chooses: `https_proxy`/`HTTPS_PROXY` for https
 * URLs, `http_proxy`/`HTTP_PROXY` for http ones, unless the host is in `no_proxy`/`NO_PROXY`.
 * An https URL goes through a CONNECT tunnel, so the proxy never sees the request; an http URL
 * is sent to the proxy in absolute form. Errors name the proxy by host and port, never by its
 * credentials.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { inSubnet, parseCidr4, parseCidr6, parseIPv4, parseIPv6 } from '../config/ip.js';

/** The proxy for `target` in `env`, or null to go direct. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): URL | null {
  const https = target.protocol === 'https:';
  const value = https ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!value) return null;
  if (bypassed(target.hostname, env.no_proxy ?? env.NO_PROXY ?? '')) return null;
  try {
    const proxy = new URL(value);
    return proxy.protocol === 'http:' || proxy.protocol === 'https:' ? proxy : null;
  } catch {
    return null;
  }
}

/** Whether `hostname` (as URL gives it: IPv6 in brackets) matches a NO_PROXY list. */
export function bypassed(hostname: string, noProxy: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const ip = parseIPv4(host) ?? parseIPv6(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const cidr = parseCidr4(entry) ?? parseCidr6(entry);
      if (ip && cidr && ip.kind() === cidr.address.kind() && inSubnet(ip, cidr as never)) return true;
      continue;
    }
    const entryIp = parseIPv4(entry) ?? parseIPv6(entry.replace(/^\[|\]$/g, ''));
    if (entryIp) {
      if (ip && ip.kind() === entryIp.kind() && ip.toString() === entryIp.toString()) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** "host:port" of a proxy, for messages (never its credentials). */
export function proxyName(proxy: URL): string {
  return `${proxy.hostname}:${proxy.port || (proxy.protocol === 'https:' ? '443' : '80')}`;
}

export class ProxyRequestError extends Error {}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  return { 'proxy-authorization': `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` };
}

function proxyTarget(proxy: URL): RequestOptions {
  return { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)) };
}

/**
 * GET `target` through `proxy`; resolves with the response (status and body stream). `signal`
 * ends it (the caller's timeout).
 */
export function getThroughProxy(target: URL, proxy: URL, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  const viaTls = proxy.protocol === 'https:';
  const send = viaTls ? httpsRequest : httpRequest;
  const name = proxyName(proxy);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const requests: ClientRequest[] = [];
    const fail = (message: string) => {
      for (const r of requests) r.destroy();
      reject(new ProxyRequestError(message));
    };
    const onAbort = () => fail(`no answer through the proxy ${name} in time`);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (res: IncomingMessage) => {
      signal.removeEventListener('abort', onAbort);
      resolve(res);
    };
    const failed = (e: Error & { code?: string }) => fail(`cannot reach it through the proxy ${name} (${e.code ?? e.name})`);

    if (target.protocol === 'http:') {
      const req = send({
        ...proxyTarget(proxy),
        method: 'GET',
        path: target.href,
        headers: { ...headers, host: target.host, ...proxyAuthorization(proxy) },
        signal,
      });
      requests.push(req);
      req.on('response', done).on('error', failed).end();
      return;
    }
    const authority = `${target.hostname}:${target.port || '443'}`;
    const connect = send({ ...proxyTarget(proxy), method: 'CONNECT', path: authority, headers: { host: authority, ...proxyAuthorization(proxy) }, signal });
    requests.push(connect);
    connect.on('error', failed);
    connect.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return fail(`the proxy ${name} refused the tunnel (HTTP ${res.statusCode ?? '?'})`);
      }
      const servername = target.hostname.replace(/^\[|\]$/g, '');
      const req = httpsRequest(target, {
        method: 'GET',
        headers,
        signal,
        // No agent: one request over this tunnel, with TLS (and the certificate check) end to
        // end with the target.
        createConnection: () => tlsConnect({ socket, host: servername, servername: parseIPv4(servername) || parseIPv6(servername) ? undefined : servername }),
      });
      requests.push(req);
      req.on('response', done).on('error', failed).end();
    });
    connect.end();
  });
}
