/**
 * What `reset --config` activates (docs/decisions/0520, amended by 0523): the active hostname,
 * domain and network, and the admin section with the OS admin account's way in (SSH keys,
 * console password hash) and the controller admin it belongs to, so that an operator who resets
 * over SSH is not locked out. Read from the fragment (through the evaluator) and, for the kept
 * hashes, from the current secret files. One function for the reset itself (the engine, under
 * the lock) and its dry run, so that what is shown is what is done.
 */
import { readFile } from 'node:fs/promises';
import type { ConfigDocument, FieldError } from '../config/schema.js';
import { withoutSecrets } from '../config/schema.js';
import { type FragmentSite, keptDocument, type KeptDocument, readFragmentSite } from './fragment-value.js';
import type { EnginePaths } from './paths.js';

export type ResetDocument =
  /** No fragment: the image's base configuration stays. */
  | { kind: 'none' }
  /** `document` (with the kept hashes) is what to activate; `kept` (no secret) is what the wizard's draft starts from. */
  | { kind: 'document'; document: ConfigDocument; kept: KeptDocument }
  | { kind: 'invalid'; errors: FieldError[] };

export async function resetConfigDocument(paths: EnginePaths): Promise<ResetDocument> {
  const read = await readFragmentSite(paths.fragment);
  if (read.kind === 'none') return { kind: 'none' };
  if (read.kind === 'unreadable') return { kind: 'invalid', errors: [{ path: '(fragment)', message: `could not be read: ${read.reason}` }] };
  const admin = await keptAdmin(read.site, paths);
  if ('errors' in admin) return { kind: 'invalid', errors: admin.errors };
  const document: ConfigDocument = { ...keptDocument(read.site), ...(admin.admin ? { admin: admin.admin } : {}) };
  return { kind: 'document', document, kept: withoutSecrets(document) };
}

/** The admin section as the fragment and its secret files hold it; a file the fragment names must be there. */
async function keptAdmin(site: FragmentSite, paths: EnginePaths): Promise<{ admin: ConfigDocument['admin'] } | { errors: FieldError[] }> {
  const a = site.admin;
  if (!a) return { admin: undefined };
  const errors: FieldError[] = [];
  const passwordHash = await readSecret(paths.secrets.adminPasswordHash);
  if (passwordHash === null) errors.push({ path: 'admin.password_hash', message: 'is missing: the active configuration names its file, which cannot be read' });
  const consoleHash = a.console_password_hash_file === null ? null : await readSecret(paths.secrets.consolePasswordHash);
  if (a.console_password_hash_file !== null && consoleHash === null) {
    errors.push({ path: 'admin.console_password_hash', message: 'is missing: the active configuration names its file, which cannot be read' });
  }
  if (errors.length) return { errors };
  return {
    admin: {
      email: a.email,
      password_hash: passwordHash!,
      ...(a.ssh_authorized_keys.length ? { ssh_authorized_keys: [...a.ssh_authorized_keys] } : {}),
      ...(consoleHash !== null ? { console_password_hash: consoleHash } : {}),
    },
  };
}

async function readSecret(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}
