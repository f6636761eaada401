/**
 * The EC2 instance metadata service, IMDSv2 only: PUT a session token, then GET the instance
 * id and the user data with it. IMDSv1 (plain GETs) is not used: accounts can switch it off,
 * and a service that answers tokenless GETs is exactly what SSRF attacks look for
 * (docs/decisions/0303-imds-v2-only.md).
 *
 * Every request has a connect timeout and a total deadline (a link-local address that does
 * not answer must not hold up boot), no redirects are followed, no proxy is used (node:http
 * does not read *_proxy variables), and the body of any answer other than 200 is discarded
 * unread: an error page is never taken for user data.
 */
import { request } from 'node:http';
import {
  IMDS_CONNECT_TIMEOUT_MS,
  IMDS_REQUEST_TIMEOUT_MS,
  IMDS_SMALL_BODY_BYTES,
  IMDS_TOKEN_TTL_SECONDS,
  IMDS_TOTAL_TIMEOUT_MS,
  MAX_USER_DATA_BYTES,
} from './limits.js';

export const DEFAULT_IMDS_URL = 'http://169.254.169.254';

export interface ImdsOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** How often the token request is tried (the network may still be coming up at boot). */
  tokenAttempts?: number;
  retryDelayMs?: number;
}

export type ImdsResult =
  /** No metadata service answered: not on EC2 (or its IMDS is off). */
  | { kind: 'unreachable'; reason: string }
  /** It answered, but not with what we need; nothing it sent is used. */
  | { kind: 'error'; reason: string; instanceId: string | null }
  | { kind: 'ok'; instanceId: string; userData: Buffer | null };

/** A failed request: `status` when the server answered (with anything but 200), else null. */
class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

interface Call {
  method: 'GET' | 'PUT';
  path: string;
  headers: Record<string, string>;
  maxBytes: number;
}

function call(base: URL, c: Call, connectMs: number, totalMs: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(c.path, base);
    let connectTimer: NodeJS.Timeout | undefined;
    const req = request(url, { method: c.method, headers: { ...c.headers, Connection: 'close' }, agent: false });
    const totalTimer = setTimeout(() => req.destroy(new RequestFailed(`no complete answer within ${totalMs} ms`, null)), totalMs);
    const done = () => {
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
    };
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => req.destroy(new RequestFailed(`could not connect within ${connectMs} ms`, null)), connectMs);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (e) => {
      done();
      reject(e instanceof RequestFailed ? e : new RequestFailed(describeNetError(e), null));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        // The body of an error is never read into memory, let alone used.
        res.resume();
        res.on('end', done);
        res.on('error', done);
        done();
        req.destroy();
        return reject(new RequestFailed(`HTTP ${status}`, status));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > c.maxBytes) return req.destroy(new RequestFailed(`answer larger than ${c.maxBytes} bytes`, null));
        chunks.push(chunk);
      });
      res.on('end', () => {
        done();
        if (!res.complete) return reject(new RequestFailed('answer cut short', null));
        resolve({ status, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        done();
        reject(e instanceof RequestFailed ? e : new RequestFailed('answer cut short', null));
      });
    });
    req.end();
  });
}

function describeNetError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ? `connection failed (${code})` : 'connection failed';
}

/** An instance id is printed and used in a file name: printable ASCII, no spaces, bounded. */
export function instanceIdProblem(id: string): string | null {
  if (id.length === 0) return 'is empty';
  if (id.length > 256) return 'is longer than 256 characters';
  if (!/^[\x21-\x7e]+$/.test(id)) return 'must be printable ASCII without spaces';
  return null;
}

export async function readImds(baseUrl: string, opts: ImdsOptions = {}): Promise<ImdsResult> {
  const base = new URL(baseUrl);
  const connectMs = opts.connectTimeoutMs ?? IMDS_CONNECT_TIMEOUT_MS;
  const requestMs = opts.requestTimeoutMs ?? IMDS_REQUEST_TIMEOUT_MS;
  const deadline = Date.now() + (opts.totalTimeoutMs ?? IMDS_TOTAL_TIMEOUT_MS);
  const attempts = opts.tokenAttempts ?? 3;
  const retryDelay = opts.retryDelayMs ?? 1_000;
  const budget = () => Math.max(1, Math.min(requestMs, deadline - Date.now()));

  let token: string | null = null;
  let lastReason = '';
  for (let attempt = 1; attempt <= attempts && Date.now() < deadline; attempt++) {
    try {
      const res = await call(
        base,
        {
          method: 'PUT',
          path: '/latest/api/token',
          headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(IMDS_TOKEN_TTL_SECONDS) },
          maxBytes: IMDS_SMALL_BODY_BYTES,
        },
        connectMs,
        budget(),
      );
      token = res.body.toString('latin1').trim();
      if (!/^[\x21-\x7e]{1,1024}$/.test(token)) return { kind: 'error', reason: 'the session token it gave is not usable', instanceId: null };
      break;
    } catch (e) {
      const failed = e as RequestFailed;
      // An answer (403: IMDS tokens disabled, 405, ...) is final; only silence is retried.
      if (failed.status !== null) return { kind: 'error', reason: `a session token was refused (${failed.message})`, instanceId: null };
      lastReason = failed.message;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, Math.min(retryDelay, Math.max(0, deadline - Date.now()))));
    }
  }
  if (token === null) return { kind: 'unreachable', reason: lastReason || `no answer within ${opts.totalTimeoutMs ?? IMDS_TOTAL_TIMEOUT_MS} ms` };
  const auth = { 'X-aws-ec2-metadata-token': token };

  let instanceId: string;
  try {
    const res = await call(base, { method: 'GET', path: '/latest/meta-data/instance-id', headers: auth, maxBytes: IMDS_SMALL_BODY_BYTES }, connectMs, budget());
    instanceId = res.body.toString('latin1').trim();
  } catch (e) {
    return { kind: 'error', reason: `the instance id could not be read (${(e as Error).message})`, instanceId: null };
  }
  const problem = instanceIdProblem(instanceId);
  if (problem) return { kind: 'error', reason: `the instance id it gave ${problem}`, instanceId: null };

  try {
    const res = await call(base, { method: 'GET', path: '/latest/user-data', headers: auth, maxBytes: MAX_USER_DATA_BYTES }, connectMs, budget());
    return { kind: 'ok', instanceId, userData: res.body };
  } catch (e) {
    const failed = e as RequestFailed;
    // 404 is how IMDS says "this instance has no user data".
    if (failed.status === 404) return { kind: 'ok', instanceId, userData: null };
    return { kind: 'error', reason: `the user data could not be read (${failed.message})`, instanceId };
  }
}
