/** What every command gets from the CLI: global options and where to write. */
export interface CommandContext {
  root: string;
  simulate: boolean;
  args: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(ctx: CommandContext): Promise<number>;
}
