/**
 * Reading a server-sent event stream in tests as a browser's EventSource does: the app listens
 * on a loopback port (supertest would wait for the end), the raw text is kept, and events are
 * parsed by the rules of the HTML standard's event-stream interpretation (CRLF, CR or LF end
 * a line; a blank line ends an event; `:` starts a comment).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

export interface ParsedEvent {
  event: string;
  id: string | null;
  data: string;
}

export function parseEventStream(text: string): ParsedEvent[] {
  const out: ParsedEvent[] = [];
  let event = '';
  let id: string | null = null;
  let data: string[] = [];
  let hasData = false;
  // An unfinished last line is not a line yet.
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      if (hasData || event) out.push({ event: event || 'message', id, data: data.join('\n') });
      event = '';
      data = [];
      hasData = false;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      hasData = true;
    } else if (field === 'id' && !value.includes('\0')) id = value;
  }
  return out;
}

export interface Stream {
  status: number;
  headers: IncomingMessage['headers'];
  raw(): string;
  events(): ParsedEvent[];
  /** Resolves once the events so far satisfy `pred` (or rejects when the stream ends first). */
  until(pred: (events: ParsedEvent[]) => boolean): Promise<ParsedEvent[]>;
  /** Resolves when the server has ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export interface Listening {
  port: number;
  open(path: string, headers: Record<string, string>): Promise<Stream>;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Listening> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  const requests = new Set<ClientRequest>();
  return {
    port,
    open(path, headers) {
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
          let text = '';
          const waiters: Array<() => void> = [];
          let done = false;
          const ended = new Promise<void>((r) => {
            res.on('end', r);
            res.on('close', r);
          });
          void ended.then(() => {
            done = true;
            for (const w of waiters.splice(0)) w();
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            for (const w of waiters.splice(0)) w();
          });
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            raw: () => text,
            events: () => parseEventStream(text),
            async until(pred) {
              for (;;) {
                const events = parseEventStream(text);
                if (pred(events)) return events;
                if (done) throw new Error(`the stream ended first; events: ${JSON.stringify(events.map((e) => `${e.event}:${e.data.slice(0, 60)}`))}`);
                await new Promise<void>((r) => waiters.push(r));
              }
            },
            ended,
            close: () => req.destroy(),
          });
        });
        requests.add(req);
        req.on('error', (e) => {
          if (!requests.has(req)) return;
          reject(e);
        });
        req.on('close', () => requests.delete(req));
        req.end();
      });
    },
    async close() {
      for (const r of requests) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
