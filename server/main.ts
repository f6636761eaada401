/**
 * Entry point of the compiled CLI (dist/server/main.js): what the Nix package's wrapper runs.
 * A clone runs the sources through bin/bowtie-setup.js instead (docs/decisions/0007).
 */
import { run } from './cli.js';

await run();
