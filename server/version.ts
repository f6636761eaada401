import { readFileSync } from 'node:fs';

/** The tool's version, from package.json, written into every fragment's header. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
