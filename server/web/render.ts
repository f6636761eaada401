import type { Response } from 'express';
import { layout, type PageOptions } from '../../views/layout.js';
import type { SafeHtml } from './html.js';

/**
 * Sends a whole page. Boosted (htmx) requests get the same page: htmx 4 swaps its body and
 * takes its title, so one response serves both and a no-JavaScript browser sees no
 * difference. Pages can show configuration: never cached.
 */
export function sendPage(res: Response, status: number, page: PageOptions): void {
  sendHtml(res, status, layout(page));
}

/** Sends markup as it is (a fragment for an htmx swap, or a page). */
export function sendHtml(res: Response, status: number, body: SafeHtml): void {
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Vary: 'HX-Request' }).send(body.value);
}
