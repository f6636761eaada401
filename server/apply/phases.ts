/**
 * The phases after the new files are written and tested (DESIGN.md "Activation"): confirm
 * (the admin's Confirm, or the health gate for headless applies), switch, the health check,
 * and the one state write that commits; and how an apply that changed nothing ends. Each
 * phase is journaled before it acts; a failure throws ApplyFailure and the engine rolls back.
 */
import { existsSync } from 'node:fs';
import type { SiteConfig } from '../config/schema.js';
import { writeManaged } from './files.js';
import { describeHealth, waitHealthy } from './health.js';
import { finishReset } from './reset.js';
import { ApplyFailure, type ApplyRun } from './run.js';
import { hasConfirm, removeConfirm, removeTicket } from './spool.js';
import type { ApplyResult } from './types.js';

export async function confirmPhase(run: ApplyRun, config: SiteConfig): Promise<void> {
  const { d, paths } = run;
  const j = run.state.apply!;
  if (j.confirmMode === 'interactive') {
    const windowMs = d.timeouts.confirm ?? j.confirmWindowSeconds * 1000;
    const deadline = j.confirmDeadline ?? new Date(Date.now() + windowMs).toISOString();
    if (j.step !== 'confirm') await run.step('confirm', { confirmDeadline: deadline });
    run.crash('confirm:journaled');
    if (!j.confirmedAt) {
      run.note(`waiting for Confirm until ${deadline}`);
      for (;;) {
        if (await hasConfirm(paths, j.id)) break;
        if (Date.now() >= Date.parse(deadline)) {
          throw new ApplyFailure('confirm', `not confirmed within the window (until ${deadline})`);
        }
        await new Promise((r) => setTimeout(r, Math.min(d.timeouts.interval, 200)));
        await run.publish().catch(() => {});
      }
    }
  } else {
    if (j.step !== 'confirm') await run.step('confirm', { confirmDeadline: new Date(Date.now() + d.timeouts.gate).toISOString() });
    run.crash('confirm:journaled');
    const report = await waitHealthy(config, d.probes, false, d.timeouts.gate, d.timeouts.interval);
    run.note(`health gate: ${describeHealth(report)}`);
    if (!report.ok)
      throw new ApplyFailure(
        'confirm',
        `the health gate did not pass: ${report.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name} (${c.detail})`)
          .join(', ')}`,
      );
  }
  if (!j.confirmedAt) {
    await run.journal((s) => {
      s.apply!.confirmedAt = new Date().toISOString();
    });
  }
  await removeConfirm(paths, j.id);
  run.crash('confirm:done');
  // Hand-off (docs/decisions/0403): bowtie_server starts when the marker appears, which stops
  // the wizard. Written after the confirm and before switch; a rollback takes it away again.
  if (j.next?.complete && !existsSync(paths.handoffMarker)) {
    await writeManaged(paths.handoffMarker, `${j.id}\n`, 0o644, 0o700, 'handoff', run.crash);
    run.note('hand-off marker written: the controller takes over from the wizard');
  }
}

export async function switchPhase(run: ApplyRun, config: SiteConfig): Promise<ApplyResult> {
  const { d } = run;
  await run.step('switch');
  run.crash('switch:journaled');
  await run.mustSucceed('switch', await run.rebuild('switch', d.timeouts.switch));
  run.crash('switch:done');

  const complete = run.state.apply!.next!.complete;
  await run.step('health');
  run.crash('health:journaled');
  const report = await waitHealthy(config, d.probes, complete, d.timeouts.health, d.timeouts.interval);
  run.note(`health gate: ${describeHealth(report)}`);
  if (!report.ok)
    throw new ApplyFailure(
      'health',
      `the health check after switch did not pass: ${report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name} (${c.detail})`)
        .join(', ')}`,
    );
  run.crash('health:done');
  return commit(run);
}

/** The new configuration runs and is the boot default: one state write makes it so. */
async function commit(run: ApplyRun): Promise<ApplyResult> {
  const j = run.state.apply!;
  const generation = await run.d.rebuild.currentGeneration();
  const next = j.next!;
  const reset = j.reset ?? null;
  const result = run.result({ outcome: 'applied', generation, handedOff: next.complete });
  // The ticket goes first: a crash between the two leaves an open journal (recovered), never
  // a finished apply whose ticket blocks the next one.
  await removeTicket(run.paths, j.id);
  await run.journal((s) => {
    s.active = {
      id: j.id,
      documentHash: next.documentHash,
      fragment: next.fragment,
      secrets: next.secrets,
      complete: next.complete,
      generation,
      appliedAt: result.finishedAt,
    };
    s.setup = reset ? (next.fragment ? 'configured' : 'unconfigured') : next.complete ? 'complete' : s.setup === 'complete' ? 'complete' : 'configured';
    s.last = result;
    s.apply = null;
    if (reset) s.resetCleanup = { id: j.id, mode: reset, kept: run.resetKept };
  });
  run.crash('commit:done');
  run.note(`applied: generation ${generation ?? '?'} is active and the boot default${next.complete ? '; setup is complete' : ''}`);
  await finishReset(run);
  await run.cleanup(j.id);
  return result;
}

/** Ends an apply that changed nothing (invalid, unchanged). */
export async function finish(run: ApplyRun, r: Partial<ApplyResult> & Pick<ApplyResult, 'outcome'>): Promise<ApplyResult> {
  const j = run.state.apply!;
  const result = run.result({ generation: await run.d.rebuild.currentGeneration(), handedOff: false, ...r });
  const reset = r.outcome === 'unchanged' ? (j.reset ?? null) : null;
  if (r.outcome === 'unchanged') result.handedOff = !reset && run.state.setup === 'complete';
  await removeTicket(run.paths, j.id);
  await run.journal((s) => {
    s.last = result;
    s.apply = null;
    // Resetting an appliance that is already in the reset state still starts the wizard afresh.
    if (reset) {
      s.setup = s.active?.fragment ? 'configured' : 'unconfigured';
      s.resetCleanup = { id: j.id, mode: reset, kept: run.resetKept };
    }
  });
  await finishReset(run);
  await run.cleanup(j.id);
  return result;
}
