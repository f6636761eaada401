/**
 * In-process wizard for tests: a temp root, the real app from createApp, a fake apply engine
 * and a tiny HTTP client that keeps cookies itself (the wizard's cookies are Secure, and
 * in-process tests speak plain HTTP to the app).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Response } from 'supertest';
import type express from 'express';
import { ApplyBusyError, ApplyConfirmError, type ApplyClient, type ApplyPlan, type ApplyRequest, type ApplyStatus } from '../../server/apply/index.js';
import { planApply } from '../../server/apply/plan.js';
import { readActiveSite } from '../../server/export/active-site.js';
import { createApp, type AppDeps } from '../../server/app.js';
import type { FieldError } from '../../server/config/schema.js';
import { idleStatus } from '../../server/apply/status.js';
import { claimFor } from '../../server/auth/claim.js';
import type { CloudInitResult } from '../../server/auth/cloud-init-result.js';
import { formatSetupCode, generateSetupCode } from '../../server/auth/setup-code.js';
import { DraftStore, draftPath } from '../../server/steps/draft.js';
import type { NetworkInterface } from '../../server/system/interfaces.js';
import { hostAllowlist } from '../../server/web/host-allowlist.js';

export { idleStatus };

/** An engine that records what it is asked and answers with a status the test sets. */
export class FakeApply implements ApplyClient {
  started: ApplyRequest[] = [];
  confirmed: string[] = [];
  current: ApplyStatus = idleStatus();
  log: string[] = [];
  async start(req: ApplyRequest) {
    if (this.current.phase !== 'idle') throw new ApplyBusyError(this.current);
    this.started.push(req);
    this.current = idleStatus({ phase: 'queued', id: `apply-${this.started.length}`, source: 'web', confirmMode: 'interactive' });
    return { id: this.current.id! };
  }
  async status() {
    return this.current;
  }
  async confirm(id: string) {
    if (this.current.phase !== 'confirm' || this.current.id !== id) throw new ApplyConfirmError('not waiting for confirmation');
    this.confirmed.push(id);
  }
  async logTail(n: number) {
    return this.log.slice(-n);
  }
  /** The documents the review page asked the engine to plan, and the plans it got. */
  planned: { document: unknown; plan: ApplyPlan }[] = [];
  constructor(private readonly root: string) {}
  /** The engine's own dry run on the wizard's sandbox root (simulated probes): what `apply --dry-run` runs. */
  async plan(document: unknown) {
    const plan = await planApply({ root: this.root, simulate: true, document });
    this.planned.push({ document, plan });
    return plan;
  }
  /** The log as the worker writes it, one file (inode 1) that only grows; `logBytes` overrides. */
  logBytes: Buffer | null = null;
  logIno = 1;
  async logChunk(offset: number, maxBytes: number) {
    const all = this.logBytes ?? Buffer.from(this.log.map((l) => `${l}\n`).join(''));
    if (all.length === 0 && this.log.length === 0 && this.logBytes === null) return null;
    return { bytes: all.subarray(offset, offset + maxBytes), file: `${this.logIno}-0`, size: all.length };
  }
  resets: string[] = [];
  /** What the worker decides on a browser's reset: null runs it, else these errors refuse it. */
  resetRefusal: FieldError[] | null = null;
  async resetConfig(password: string) {
    if (this.current.phase !== 'idle') throw new ApplyBusyError(this.current);
    this.resets.push(password);
    const id = `reset-${this.resets.length}`;
    if (this.resetRefusal === null) this.current = idleStatus({ phase: 'write', id, source: 'web', confirmMode: 'health-gate' });
    return { id, refused: this.resetRefusal };
  }
}

export const TEST_INTERFACES: NetworkInterface[] = [
  { name: 'ens3', mac: '52:54:00:12:34:56', physical: true, carrier: true, operstate: 'up', addresses: ['192.168.122.50/24'] },
  { name: 'lo', mac: null, physical: false, carrier: true, operstate: 'unknown', addresses: ['127.0.0.1/8'] },
];

export class Client {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrf = '';
  constructor(private readonly app: express.Express) {}

  private keep(res: Response): Response {
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '');
    if (m) this.csrf = m[1]!;
    return res;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.keep(
      await request(this.app)
        .get(path)
        .set({ Cookie: this.cookieHeader(), ...headers })
        .redirects(0),
    );
  }

  /** Posts a urlencoded form with this client's CSRF token (unless the fields set `_csrf`). */
  async post(path: string, fields: Record<string, string | string[]> = {}, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams();
    if (!('_csrf' in fields)) body.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return this.keep(
      await request(this.app)
        .post(path)
        .set({ Cookie: this.cookieHeader(), 'Content-Type': 'application/x-www-form-urlencoded', ...headers })
        .send(body.toString())
        .redirects(0),
    );
  }

  /** Posts multipart/form-data; `files` are uploads (name -> [filename, content]). */
  async postMultipart(path: string, fields: Record<string, string>, files: Record<string, [string, string]> = {}): Promise<Response> {
    let r = request(this.app).post(path).set({ Cookie: this.cookieHeader() }).redirects(0).field('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
    for (const [k, [name, content]] of Object.entries(files)) r = r.attach(k, Buffer.from(content), name);
    return this.keep(await r);
  }
}

export interface Wizard {
  root: string;
  app: express.Express;
  drafts: DraftStore;
  apply: FakeApply;
  code: string;
  client(): Client;
  /** A client with an unlocked session, its CSRF token loaded from the first step. */
  unlocked(): Promise<Client>;
  close(): void;
}

export function createWizard(options: { cloudInit?: CloudInitResult | null; deps?: Partial<AppDeps> } = {}): Wizard {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-wizard-'));
  const drafts = new DraftStore(draftPath(root));
  const apply = new FakeApply(root);
  const code = generateSetupCode();
  const cloudInit = options.cloudInit ?? null;
  const app = createApp({
    drafts,
    apply,
    interfaces: async () => TEST_INTERFACES,
    now: () => new Date('2026-06-01T00:00:00Z'),
    claim: claimFor(code, cloudInit),
    cloudInit,
    allowlist: hostAllowlist(
      () => ['ctl-sfo-01'],
      () => ['127.0.0.1', '::1'],
    ),
    activeSite: () => readActiveSite(root),
    log: () => {},
    ...options.deps,
  });
  const client = () => new Client(app);
  return {
    root,
    app,
    drafts,
    apply,
    code,
    client,
    async unlocked() {
      const c = client();
      await c.get('/unlock');
      const res = await c.post('/unlock', { code: formatSetupCode(code) });
      if (res.status !== 303) throw new Error(`unlock failed: ${res.status}`);
      await c.get(res.headers.location!);
      return c;
    },
    close() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
