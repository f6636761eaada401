/**
 * The baseline of `npm run bench` for the wizard: a bare express app over HTTPS with the same
 * certificate, answering one page of the same size. Started the same way as the wizard, so
 * the comparison shows what the wizard adds and not what Node or the loader cost.
 * Usage: bench-bare-app CERT KEY BYTES; prints "listening PORT".
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import express from 'express';

const [cert, key, bytes] = process.argv.slice(2);
const page = `<!doctype html><title>bare</title>${'x'.repeat(Number(bytes ?? 4000))}`;
const app = express();
app.get('/', (_req, res) => {
  res.type('html').send(page);
});
const server = createServer({ cert: readFileSync(cert!), key: readFileSync(key!) }, app).listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
