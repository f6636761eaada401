import { resolve } from 'node:path';
import { applyHeadless } from '../apply/index.js';
import { runCloudInit } from '../cloud-init/index.js';
import { DEFAULT_IMDS_URL } from '../cloud-init/imds.js';
import { UsageError } from '../exit-codes.js';
import type { Command } from './context.js';

export const cloudInitCommand: Command = {
  async run(ctx) {
    let userDataFile: string | undefined;
    let networkConfigFile: string | undefined;
    let imdsUrl: string | undefined;
    let force = false;
    const args = [...ctx.args];
    while (args.length > 0) {
      const arg = args.shift()!;
      const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      const value = () => {
        const v = inline ?? args.shift();
        if (!v) throw new UsageError(`${name} needs a value`);
        return v;
      };
      if (name === '--user-data') userDataFile = resolve(value());
      else if (name === '--network-config') networkConfigFile = resolve(value());
      else if (name === '--imds') imdsUrl = imdsUrlOf(value());
      else if (name === '--force' && inline === undefined) force = true;
      else throw new UsageError(`cloud-init: unknown argument ${JSON.stringify(arg)}`);
    }
    return runCloudInit({
      root: ctx.root,
      simulate: ctx.simulate,
      userDataFile,
      networkConfigFile,
      imdsUrl,
      force,
      apply: (opts) => applyHeadless(opts),
      print: (line) => ctx.stdout(`${line}\n`),
    });
  },
};

function imdsUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--imds must be a URL such as ${DEFAULT_IMDS_URL}`);
  }
  // The metadata service speaks plain HTTP on a link-local address; https would need a CA we do not have.
  if (url.protocol !== 'http:' || url.username || url.password) throw new UsageError(`--imds must be an http:// URL such as ${DEFAULT_IMDS_URL}`);
  return url.origin;
}
