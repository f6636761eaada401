/**
 * `serve [--listen ADDR:PORT] [--redirect-port PORT|off] [--console PATH]`: the web wizard.
 * HTTPS always, with the wizard's own certificate; plain HTTP only redirects. The claim block
 * (URL, setup code, certificate fingerprint) goes to the VM console, or to this terminal in
 * --simulate mode; never to the service's stdout/stderr, which end in the journal.
 */
import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import type { ApplyClient } from '../apply/index.js';
import { enginePaths } from '../apply/paths.js';
import { readPublishedStatus } from '../apply/status.js';
import { claimFor } from '../auth/claim.js';
import { readCloudInitResult } from '../auth/cloud-init-result.js';
import { formatSetupCode, loadOrCreateSetupCode } from '../auth/setup-code.js';
import { fqdnOf } from '../config/fqdn.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { DraftStore, draftPath, loadPrefill } from '../steps/draft.js';
import { formatClaimBlock, writeClaimBlock } from '../system/claim-block.js';
import { cachedInterfaces } from '../system/interfaces.js';
import { prepareWebLayout } from '../system/state-layout.js';
import { ensureSimulatedMachine } from '../system/sim-machine.js';
import { hostAllowlist, hostOf, localAddresses } from '../web/host-allowlist.js';
import type { Command } from './context.js';
import { limitServer, tlsServerOptions } from '../web/server-limits.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(s: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen takes ADDR:PORT (e.g. 0.0.0.0:443 or [::]:443), not "${s}"`);
  return { host: m[1] ?? m[2]!, port };
}

interface ServeOptions {
  listen: ListenAddress | null;
  redirectPort: number | null | undefined;
  console: string | null;
}

function parseArgs(args: string[]): ServeOptions {
  const o: ServeOptions = { listen: null, redirectPort: undefined, console: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--listen') o.listen = parseListen(value());
    else if (a === '--redirect-port') {
      const v = value();
      o.redirectPort = v === 'off' ? null : Number(v);
      if (o.redirectPort !== null && !(Number.isInteger(o.redirectPort) && o.redirectPort >= 0 && o.redirectPort < 65536)) {
        throw new UsageError('--redirect-port takes a port number or "off"');
      }
    } else if (a === '--console') o.console = value();
    else throw new UsageError(`serve: unknown option ${a}`);
  }
  return o;
}

function listenOn(server: HttpServer | HttpsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** How long the steps wait for a first request before they load anyway. */
const STEPS_LOAD_DELAY_MS = 1000;

/** Resolves when the first response has been sent, or after `ms` without one. */
function afterFirstAnswer(server: HttpsServer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    // Unref'd: a wizard stopped within that second exits without loading them.
    const timer = setTimeout(resolve, ms).unref();
    server.once('request', (_req, res: ServerResponse) =>
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      }),
    );
  });
}

/** The apply client, made on first use: the web process needs it only once someone applies. */
function lazyApplyClient(root: string, simulate: boolean): ApplyClient {
  let client: Promise<ApplyClient> | null = null;
  const get = () => (client ??= import('../apply/index.js').then((m) => m.createApplyClient({ root, simulate })));
  return {
    start: async (r) => (await get()).start(r),
    status: async () => (await get()).status(),
    confirm: async (id) => (await get()).confirm(id),
    logTail: async (n) => (await get()).logTail(n),
    logChunk: async (o, m) => (await get()).logChunk(o, m),
    resetConfig: async (password) => (await get()).resetConfig(password),
    plan: async (d) => (await get()).plan(d),
  };
}

export const serveCommand: Command = {
  async run(ctx) {
    const opts = parseArgs(ctx.args);
    const { root, simulate } = ctx;
    // Loaded here, not at the top: every other command would pay for express and x509 otherwise.
    const [{ createApp, loadSteps }, { ensureWizardCertificate }] = await Promise.all([import('../app.js'), import('../system/tls.js')]);
    if (simulate) await ensureSimulatedMachine(root);
    // Its own directory (web/) and the spool; a sandbox from before docs/decisions/0500 gets
    // its setup code, draft and certificate moved there.
    await prepareWebLayout(root);

    const drafts = new DraftStore(draftPath(root));
    const cloudInit = await readCloudInitResult(root);
    await loadPrefill(drafts, cloudInit);
    const { code } = await loadOrCreateSetupCode(root);
    const claim = claimFor(code, cloudInit);

    // The hostname entered in the network step is one of the appliance's names: in the
    // certificate when it is made, and an allowed Host (re-read when an unknown Host arrives).
    await drafts.get();
    const draftNames = () => {
      const d = drafts.peek()?.document;
      return d?.hostname ? [d.hostname, fqdnOf(d.hostname, d.domain)] : [];
    };
    const host = osHostname().toLowerCase();
    const certNames = [...new Set([host, 'localhost', ...draftNames(), ...localAddresses()])];
    const { certificate } = await ensureWizardCertificate(root, host, certNames);

    const allowlist = hostAllowlist(draftNames);
    const apply = lazyApplyClient(root, simulate);
    const app = createApp({
      drafts,
      interfaces: cachedInterfaces(root, simulate),
      apply,
      now: () => new Date(),
      // Read when the updates step asks; its schema's zod is not needed before listening.
      updatesAvailable: async () => (await import('../system/image-info.js')).imageHasUpdateSource(root),
      // The completion page and GET /export read what `export` reads (loaded only then).
      activeSite: async () => (await import('../export/active-site.js')).readActiveSite(root),
      claim,
      cloudInit,
      allowlist,
      // The published status file, not the client: the client module loads the whole engine.
      setupComplete: async () => (await readPublishedStatus(enginePaths(root).status))?.setupComplete === true,
      log: (line) => ctx.stderr(`${line}\n`),
    });

    const listen = opts.listen ?? (simulate ? { host: '127.0.0.1', port: 8443 } : { host: '0.0.0.0', port: 443 });
    const https = createHttpsServer({ key: certificate.keyPem, cert: certificate.certPem, ...tlsServerOptions() }, app);
    limitServer(https);
    let port: number;
    try {
      port = await listenOn(https, listen.host, listen.port);
    } catch (e) {
      // npm start on a machine where 8443 is taken: any free port will do for a demo.
      if (!(simulate && !opts.listen && (e as NodeJS.ErrnoException).code === 'EADDRINUSE')) throw e;
      port = await listenOn(https, listen.host, 0);
    }

    const redirectPort = opts.redirectPort === undefined ? (simulate ? null : 80) : opts.redirectPort;
    let redirect: HttpServer | null = null;
    let redirectListening = 0;
    if (redirectPort !== null) {
      redirect = createHttpServer((req, res) => {
        const h = hostOf(req.headers.host);
        if (h === null || !allowlist.allows(h)) {
          res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end("Not one of the appliance's names.\n");
          return;
        }
        const target = `https://${isIP(h) === 6 ? `[${h}]` : h}${port === 443 ? '' : `:${port}`}/`;
        res.writeHead(308, { Location: target, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${target}\n`);
      });
      limitServer(redirect);
      redirectListening = await listenOn(redirect, listen.host, redirectPort);
    }

    const shown =
      listen.host === '0.0.0.0' || listen.host === '::'
        ? localAddresses().filter((a) => !a.startsWith('127.') && a !== '::1' && !a.startsWith('fe80'))
        : [listen.host];
    const urls = shown.map((a) => `https://${isIP(a) === 6 ? `[${a}]` : a}${port === 443 ? '' : `:${port}`}/`);
    const block = formatClaimBlock({
      urls,
      setupCode: claim.kind === 'setup-code' ? formatSetupCode(claim.code) : null,
      preClaimedBy: claim.kind === 'admin' ? claim.email : null,
      fingerprint256: certificate.fingerprint256,
    });
    if (simulate && !opts.console) ctx.stdout(block);
    else await writeClaimBlock(opts.console ?? '/dev/console', block);
    ctx.stderr(`bowtie-setup serve: listening on https://${listen.host}:${port}/${redirect ? ` (http port ${redirectListening} redirects)` : ''}\n`);

    // The steps load in the background once the first page has gone out (or after a second
    // without a request): the unlock page does not need them, and compiling them while it is
    // being answered delayed it (docs/decisions/0540, 0690). A request that needs them first
    // loads them itself. One that fails to load stops the wizard with its error, as it did when
    // everything loaded before listening.
    const stepsFailed = afterFirstAnswer(https, STEPS_LOAD_DELAY_MS)
      .then(loadSteps)
      .then(
        () => null,
        (error: unknown) => ({ error }),
      );
    const failed = await new Promise<{ error: unknown } | null>((resolve) => {
      const stop = (why: { error: unknown } | null) => {
        https.close();
        redirect?.close();
        https.closeAllConnections();
        redirect?.closeAllConnections();
        resolve(why);
      };
      process.once('SIGTERM', () => stop(null));
      process.once('SIGINT', () => stop(null));
      void stepsFailed.then((f) => f && stop(f));
    });
    if (failed) throw failed.error;
    return EXIT.ok;
  },
};
