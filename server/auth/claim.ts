/**
 * Who may unlock the wizard. Normally whoever knows the setup code from the console. When
 * cloud-init user data named an admin, the appliance is pre-claimed: only that admin's email
 * and password unlock it, and the setup code is not accepted.
 */
import { PASSWORD_MAX } from '../config/limits.js';
import type { Form } from '../web/form.js';
import type { CloudInitResult } from './cloud-init-result.js';
import { setupCodeMatches } from './setup-code.js';

export type Claim = { kind: 'setup-code'; code: string } | { kind: 'admin'; email: string; passwordHash: string };

export function claimFor(code: string, cloudInit: CloudInitResult | null): Claim {
  const admin = cloudInit?.status === 'prefilled' ? cloudInit.prefill?.admin : undefined;
  if (admin?.email && admin.password_hash) return { kind: 'admin', email: admin.email, passwordHash: admin.password_hash };
  return { kind: 'setup-code', code };
}

/** True when the form holds what the claim asks for. Both checks always run: no timing hint. */
export async function claimMatches(claim: Claim, form: Form): Promise<boolean> {
  if (claim.kind === 'setup-code') return setupCodeMatches(claim.code, form.text('code'));
  const password = form.text('password');
  // argon2 takes any length; a megabyte "password" is only a way to burn CPU.
  // argon2 (a native addon) is loaded here, not at start: the unlock page is served before it is needed.
  const { verifyPassword } = await import('../config/hash-password.js');
  const passwordOk = password.length <= PASSWORD_MAX && (await verifyPassword(claim.passwordHash, password));
  const emailOk = form.text('email').trim().toLowerCase() === claim.email.toLowerCase();
  return passwordOk && emailOk;
}
