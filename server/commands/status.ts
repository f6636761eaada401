import { readStatus } from '../apply/status-reader.js';
import { readState } from '../apply/journal.js';
import { lockAlive, readLock } from '../apply/lock.js';
import { enginePaths } from '../apply/paths.js';
import { nextHint } from '../apply/status.js';
import { describeUpdate } from '../apply/update-lock.js';
import { runWorker } from '../apply/worker.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatProgress } from './apply.js';
import type { Command } from './context.js';

export const statusCommand: Command = {
  async run(ctx) {
    const json = ctx.args.includes('--json');
    if (ctx.args.some((a) => a !== '--json')) throw new UsageError('status takes only --json');
    const p = enginePaths(ctx.root);
    const state = await readState(p.state).catch(() => null);
    let recovered = false;
    if (state?.apply && !lockAlive(await readLock(p.lock))) {
      // An apply was interrupted (its worker is gone): finish it now, as the worker would.
      const outcome = await runWorker({ root: ctx.root, simulate: ctx.simulate, recoverOnly: true });
      recovered = outcome.recovered !== null;
    }
    const fresh = state ? await readState(p.state) : null;
    const { workerAlive: _alive, update, queuedForMs: _queued, ...status } = await readStatus(p);
    if (fresh) {
      status.setupComplete = fresh.setup === 'complete';
      status.last = fresh.last ?? status.last;
      if (!fresh.apply && status.phase !== 'queued') status.phase = 'idle';
      status.next = status.phase === 'idle' ? (update ? `wait: ${describeUpdate(update)}` : status.refusal ? status.next : nextHint(fresh, 'idle')) : status.next;
    }
    if (json) {
      ctx.stdout(`${JSON.stringify({ ...status, setup: fresh?.setup ?? null, update: update ? { since: update.since, from: update.from, to: update.to, pid: update.pid } : null }, null, 2)}\n`);
      return EXIT.ok;
    }
    const lines: string[] = [];
    lines.push(`setup:       ${fresh?.setup ?? (status.setupComplete ? 'complete' : status.refusal ? 'unknown (see "refused" below)' : 'unknown (state not readable)')}`);
    if (status.phase === 'idle') lines.push('apply:       none running');
    else {
      const counts = formatProgress(status.progress);
      lines.push(`apply:       ${status.id ?? '?'} from ${status.source ?? '?'}: ${status.phase}${counts ? `, ${counts}` : ''}${status.progress.activity ? ` (${status.progress.activity})` : ''}`);
      if (status.confirmDeadline) lines.push(`confirm by:  ${status.confirmDeadline} (${status.confirmSecondsLeft ?? 0} s left)${status.newUrl ? ` at ${status.newUrl}` : ''}`);
    }
    if (status.refusal) lines.push(`refused:     ${status.refusal.reason} (at ${status.refusal.at})`);
    if (update) lines.push(`update:      ${update.from} -> ${update.to}, in progress since ${update.since} (pid ${update.pid})`);
    if (recovered) lines.push('recovered:   an interrupted apply was finished just now');
    if (status.generation !== null) lines.push(`generation:  ${status.generation} (boot default)`);
    const last = status.last;
    if (last) {
      lines.push(`last apply:  ${last.outcome} at ${last.finishedAt} (${last.id}, from ${last.source})`);
      if (last.reason && last.outcome !== 'applied') lines.push(`             ${last.failedPhase ? `${last.failedPhase}: ` : ''}${last.reason}`);
    } else lines.push('last apply:  none yet');
    lines.push(`next:        ${status.next}`);
    ctx.stdout(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
