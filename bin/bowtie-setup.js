#!/usr/bin/env node
// Entry point. The sources are TypeScript; tsx compiles them on load so that a clone runs
// without a build step. The Nix package compiles ahead of time and uses its own wrapper.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../server/cli.ts');
await run();
