/**
 * The bounded record of an apply's command output: logs/apply-<time>-<id>.log in the state
 * directory (root only; at most MAX_LOG_FILES kept) and a mirror in the status directory for
 * the web's "details" toggle. Each file stops growing at MAX_LOG_BYTES; the last TAIL_KEEP
 * lines are always kept in memory and appended when the apply ends, so the error at the end
 * of a long build is never lost. Known secret values are redacted from every line, in case a
 * command ever echoed one.
 */
import { closeSync, constants, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { printable, readBoundaryFile, rootOrSelf, type BoundaryRead } from '../system/boundary-file.js';
import { assertApplyId } from './ids.js';

export const MAX_LOG_BYTES = 1024 * 1024;

/**
 * The published output log (`file`: enginePaths().output) as the readers outside the worker see
 * it, the wizard and the console: through the boundary reader, owned by root (or this user in
 * a sandbox), append-only, at most four times what one apply writes.
 */
export function readOutputLog(file: string): Promise<BoundaryRead<string>> {
  return readBoundaryFile(file, {
    what: 'the apply output log',
    maxBytes: 4 * MAX_LOG_BYTES,
    owners: rootOrSelf(),
    format: 'text',
    schema: z.string(),
    appendOnly: true,
  });
}
export const MAX_LOG_FILES = 10;
export const TAIL_KEEP = 200;

export class OutputLog {
  private readonly tailLines: string[] = [];
  private readonly fds: number[] = [];
  private written = 0;
  private omitted = 0;
  readonly file: string;

  /** `kind` names the files (`apply-…`, the updater's `update-…`); each kind keeps its own MAX_LOG_FILES. */
  constructor(
    logsDir: string,
    id: string,
    mirror: string | null,
    private readonly secrets: string[] = [],
    kind: 'apply' | 'update' = 'apply',
  ) {
    mkdirSync(logsDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.file = join(logsDir, `${kind}-${stamp}-${assertApplyId(id)}.log`);
    // Never through a link: both are new files in root's directories.
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    this.fds.push(openSync(this.file, flags, 0o600));
    if (mirror) {
      rmSync(mirror, { force: true });
      const fd = openSync(mirror, flags | constants.O_EXCL, 0o644);
      this.fds.push(fd);
      // The web process reads it: 0644 whatever the worker's umask (0077 on the appliance).
      fchmodSync(fd, 0o644);
    }
    pruneLogs(logsDir, kind);
  }

  /** Records a line (one line of output, or an engine note like "== build"). */
  write(line: string): void {
    // Output can carry terminal escapes; the log is read on consoles and in the browser.
    let text = printable(line.replace(/\r?\n$/, ''), 4000);
    for (const s of this.secrets) if (s.length >= 4) text = text.split(s).join('[redacted]');
    this.tailLines.push(text);
    if (this.tailLines.length > TAIL_KEEP) this.tailLines.shift();
    const bytes = Buffer.byteLength(text) + 1;
    if (this.written + bytes > MAX_LOG_BYTES) {
      this.omitted++;
      return;
    }
    this.written += bytes;
    for (const fd of this.fds) writeSync(fd, `${text}\n`);
  }

  tail(n: number): string[] {
    return this.tailLines.slice(-n);
  }

  close(): void {
    if (this.omitted > 0) {
      const end = [
        `[... ${this.omitted} lines omitted: the log reached ${MAX_LOG_BYTES} bytes; the last ${this.tailLines.length} follow ...]`,
        ...this.tailLines,
      ];
      for (const fd of this.fds) writeSync(fd, `${end.join('\n')}\n`);
    }
    for (const fd of this.fds.splice(0)) {
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

function pruneLogs(dir: string, kind: string): void {
  const logs = readdirSync(dir)
    .filter((n) => n.startsWith(`${kind}-`) && n.endsWith('.log'))
    .sort();
  for (const old of logs.slice(0, Math.max(0, logs.length - MAX_LOG_FILES))) rmSync(join(dir, old), { force: true });
}
