/** What every command gets from the CLI: global options and where to write. */
export interface CommandContext {
  root: string;
  simulate: boolean;
  args: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** What a command module exports. */
export interface Command {
  run(ctx: CommandContext): Promise<number>;
}

/** The CLI's registry entry for a command: what --help shows, and how to load it when it runs. */
export interface CommandEntry {
  name: string;
  usage: string;
  summary: string;
  load(): Promise<Command>;
}
