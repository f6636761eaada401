/** A plan as the command line prints it (`apply --dry-run`); the review page shows the same plan as HTML. */
import type { ApplyPlan } from './types.js';

export function planLines(plan: ApplyPlan): string[] {
  const out: string[] = [`dry run: nothing is changed (${plan.complete ? 'complete document: setup would be handed off' : 'partial document'})`];
  if (plan.unchanged) out.push('identical to the active configuration: applying it would rebuild nothing');
  out.push('', 'fragment:', plan.fragmentDiff ? plan.fragmentDiff.trimEnd() : '  (unchanged)');
  out.push('', 'secret files:');
  for (const s of plan.secrets) out.push(`  ${s.action.padEnd(6)} ${s.path}`);
  if (plan.secrets.length === 0) out.push('  (none)');
  out.push('', 'services:');
  for (const s of plan.services) out.push(`  ${s.action.padEnd(8)} ${s.unit}: ${s.because}`);
  if (plan.services.length === 0) out.push('  (none)');
  out.push('', 'commands:');
  for (const c of plan.commands) out.push(`  ${c}`);
  if (plan.commands.length === 0) out.push('  (none)');
  if (plan.newUrl) out.push('', `the appliance's address changes: the wizard will be at ${plan.newUrl}`);
  return out;
}
