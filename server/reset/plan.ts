/**
 * `reset --dry-run`: what a reset would change, from the same target the worker computes
 * (server/apply/reset-target.ts) and the same planner as `apply --dry-run` (planApply). Reads
 * only: the fragment (through the evaluator), the secret files' presence and hashes (never
 * printed), and the names of the files a reset removes. No ticket, no lock, no worker.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { planApply } from '../apply/plan.js';
import { readFragmentSite } from '../apply/fragment-value.js';
import { enginePaths } from '../apply/paths.js';
import { resetConfigDocument } from '../apply/reset-target.js';
import type { ApplyPlan, ResetMode } from '../apply/types.js';
import { cloudInitResultPath } from '../auth/cloud-init-result.js';
import { setupCodePath } from '../auth/setup-code.js';
import { MARKER_DIR } from '../cloud-init/state-files.js';
import type { ConfigDocument, FieldError } from '../config/schema.js';
import { draftPath } from '../steps/draft.js';
import { wizardTlsDir } from '../system/tls.js';

export type ResetPlan = { ok: false; errors: FieldError[] } | { ok: true; lines: string[] };

export async function planReset(root: string, simulate: boolean, mode: ResetMode): Promise<ResetPlan> {
  const p = enginePaths(root);
  const shown = (file: string) => `/${relative(root, file)}`;
  const lines: string[] = [`reset --${mode} --dry-run: nothing is changed`];
  let plan: ApplyPlan;
  const outside: string[] = [];
  if (mode === 'config') {
    const target = await resetConfigDocument(p);
    if (target.kind === 'invalid') return { ok: false, errors: target.errors };
    plan = await planApply({ root, simulate, document: target.kind === 'document' ? target.document : null, pinInterface: false });
    if (!plan.ok) return { ok: false, errors: plan.errors };
    lines.push('', 'kept:');
    if (target.kind === 'none') lines.push("  nothing is configured: the image's base configuration stays");
    else lines.push(...keptLines(target.document));
    lines.push('', 'removed:');
    const before = await readFragmentSite(p.fragment);
    if (before.kind === 'site') {
      if (before.site.enrollment) lines.push(`  enrollment (site ${before.site.enrollment.site_id}) and its token`);
      if (before.site.tls.certificate !== null) lines.push('  the provided TLS certificate and its private key');
    }
    lines.push(
      '  site name, TLS and update settings go back to their defaults (see the fragment below);',
      '  the controller (bowtie_server) stops when setup was handed off',
    );
    for (const f of [p.handoffMarker, cloudInitResultPath(root)]) if (await exists(f)) outside.push(`  remove   ${shown(f)}`);
    for (const f of await filesUnder(p.rollbackDir)) outside.push(`  remove   ${shown(f)}`);
    outside.push(`  replace  ${shown(draftPath(root))} (the kept values, no secret)`, `  replace  ${shown(setupCodePath(root))} (a new setup code)`);
    const markers = await filesUnder(join(root, MARKER_DIR));
    if (markers.length) outside.push(`  keep     ${markers.map(shown).join(', ')} (cloud-init's once-per-instance markers)`);
  } else {
    plan = await planApply({ root, simulate, document: null, pinInterface: false });
    lines.push(
      '',
      'kept:',
      "  nothing: the image's base configuration runs (DHCP on the first interface)",
      '',
      'removed:',
      '  every setting, every secret, the setup state; the next boot is a first boot',
    );
    const removed = new Set<string>();
    for (const f of [
      ...(await filesUnder(p.stateDir)),
      draftPath(root),
      setupCodePath(root),
      cloudInitResultPath(root),
      ...(await filesUnder(wizardTlsDir(root))),
      ...(await filesUnder(join(root, MARKER_DIR))),
    ]) {
      // The lock is the worker's own; the secret files are listed with the plan's.
      if (f !== p.lock && !Object.values(p.secrets).includes(f) && (await exists(f))) removed.add(f);
    }
    for (const f of [...removed].sort()) outside.push(`  remove   ${shown(f)}`);
  }
  lines.push('', 'fragment:', plan.fragmentDiff ? plan.fragmentDiff.trimEnd() : '  (unchanged)');
  lines.push('', 'secret files:');
  for (const s of plan.secrets) lines.push(`  ${s.action.padEnd(6)} ${s.path}`);
  if (plan.secrets.length === 0) lines.push('  (none)');
  lines.push('', 'other files:', ...(outside.length ? outside : ['  (none)']));
  lines.push('', 'commands:');
  for (const c of plan.commands) lines.push(`  ${c}`);
  if (plan.commands.length === 0) lines.push('  (none: the configuration is already in this state; the wizard still starts afresh)');
  return { ok: true, lines };
}

function keptLines(d: ConfigDocument): string[] {
  const n = d.network ?? {};
  const v4 = n.ipv4?.method === 'static' ? `static ${n.ipv4.address} via ${n.ipv4.gateway}` : 'DHCP';
  const v6 = n.ipv6?.method === 'static' ? `static ${n.ipv6.address}` : (n.ipv6?.method ?? 'auto');
  const out = [
    `  hostname ${d.hostname}${d.domain ? `, domain ${d.domain}` : ''}`,
    `  network${n.interface ? ` on ${n.interface}` : ''}: IPv4 ${v4}; IPv6 ${v6}${n.dns?.length ? `; DNS ${n.dns.join(', ')}` : ''}${n.ntp?.length ? `; NTP ${n.ntp.join(', ')}` : ''}`,
  ];
  const a = d.admin;
  if (a) {
    const keys = a.ssh_authorized_keys?.length ?? 0;
    out.push(
      `  admin ${a.email}: ${keys} SSH key${keys === 1 ? '' : 's'}, ${a.console_password_hash ? 'the console password' : 'no console password'}, and the password hash`,
    );
  }
  return out;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** Files (not directories) under `dir`, without following links. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
