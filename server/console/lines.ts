/**
 * Line input for the console menu and the reset confirmation: readline over any pair of
 * streams, so that tests drive it with scripted input. Lines that arrive before a question is
 * asked are kept (piped input arrives all at once). On a terminal readline edits the line;
 * Ctrl-C abandons the current question (the caller goes back a level) and Ctrl-Z is ignored:
 * the console menu must never drop its user into a shell or a stopped job.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export class LineInput {
  private readonly rl: Interface;
  private readonly queued: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;
  private readonly terminal: boolean;

  constructor(
    input: Readable,
    private readonly output: Writable,
    opts: { terminal?: boolean } = {},
  ) {
    const terminal = opts.terminal ?? ((input as { isTTY?: boolean }).isTTY === true && (output as { isTTY?: boolean }).isTTY === true);
    this.terminal = terminal;
    this.rl = createInterface({ input, output, terminal, historySize: 0, crlfDelay: Infinity });
    this.rl.on('line', (line) => this.deliver(line));
    this.rl.on('close', () => {
      this.ended = true;
      this.deliver(null);
    });
    this.rl.on('SIGINT', () => {
      this.output.write('^C\n');
      this.deliver(null);
    });
    this.rl.on('SIGTSTP', () => {});
  }

  /** True once the input has ended (EOF, Ctrl-D): a null answer then means "leave". */
  get closed(): boolean {
    return this.ended;
  }

  /** Shows `prompt` and returns the next line; null on Ctrl-C or end of input. */
  ask(prompt: string): Promise<string | null> {
    this.rl.setPrompt(prompt);
    this.rl.prompt(true);
    // Without a terminal nothing echoes the answer; the transcript shows it anyway.
    const echo = (line: string | null) => {
      if (!this.terminal) this.output.write(`${line ?? ''}\n`);
      return line;
    };
    if (this.queued.length > 0) return Promise.resolve(echo(this.queued.shift()!));
    if (this.ended) return Promise.resolve(echo(null));
    return new Promise((resolve) => {
      this.waiting = (line) => resolve(echo(line));
    });
  }

  /** True while a question waits and its answer has been started (a redraw would garble it). */
  get typing(): boolean {
    return this.terminal && this.rl.line.length > 0;
  }

  /** True while a question waits for its answer. */
  get asking(): boolean {
    return this.waiting !== null;
  }

  /**
   * Prints `lines` while a question waits (the claim block after an address arrived) and
   * shows the question again below them. Nothing is printed while an answer is being typed.
   */
  interject(lines: readonly string[]): boolean {
    if (!this.asking || this.typing) return false;
    this.output.write(`\n${lines.map((l) => `${l}\n`).join('')}`);
    this.rl.prompt(true);
    return true;
  }

  close(): void {
    this.rl.close();
  }

  private deliver(line: string | null): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting(line);
    } else if (line !== null) this.queued.push(line);
  }
}
