/**
 * Server-sent events, written by hand (the format is four line kinds). Whatever the data, it
 * cannot end an event early or start a field of its own: every line break the EventSource
 * parser knows (CRLF, CR, LF) starts a new `data:` line, and the names and ids are ours,
 * checked here to hold no line break at all.
 */
export interface SseEvent {
  event: string;
  /** Where a reconnect resumes (sent back as Last-Event-ID). */
  id?: string;
  data: string;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const ID = /^[\x21-\x7e]{1,200}$/;

export function sseEvent(e: SseEvent): string {
  if (!NAME.test(e.event)) throw new Error('an event name must be a short lower-case word');
  if (e.id !== undefined && !ID.test(e.id)) throw new Error('an event id must be printable ASCII without spaces');
  const data = e.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `event: ${e.event}\n${e.id !== undefined ? `id: ${e.id}\n` : ''}${data}\n`;
}

/** A comment line: keeps proxies and the socket's idle timer from closing a quiet stream. */
export const SSE_HEARTBEAT = ': keep-alive\n\n';

/** How long the browser waits before reconnecting (ms), sent once at the start. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
