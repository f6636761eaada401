import { html, type SafeHtml } from '../server/web/html.js';
import type { StepName } from '../server/steps/order.js';
import { progress } from './partials/progress.js';

/**
 * htmx 4 configuration (docs/decisions/0201-htmx-4-configuration.md): indicator styles come
 * from app.css (the injected stylesheet would need a CSP exception), every status but 204/304
 * swaps (422 carries the form with its errors), no extensions.
 */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorCSS: false, noSwap: [204, 304], extensions: 'none', defaultTimeout: 30000 });

/**
 * The product's mark, a bow tie: markup, not a script or a style attribute, so the CSP takes it
 * as it is; decorative (the name beside it says it all).
 */
const MARK = html`<svg class="mark" viewBox="0 0 36 22" aria-hidden="true" focusable="false"><path fill="currentColor" d="M1 2.5Q1 1 2.4 1.7L14 7.5v7L2.4 20.3Q1 21 1 19.5zM35 2.5Q35 1 33.6 1.7L22 7.5v7l11.6 5.8q1.4.7 1.4-.8z"/><rect class="knot" x="13" y="6" width="10" height="10" rx="2.5"/></svg>`;

export interface PageOptions {
  title: string;
  main: SafeHtml;
  /** The step whose page this is (the progress bar marks it); null outside the steps. */
  step?: StepName | null;
  /** Steps that hold a saved value (the progress bar marks them done); only after unlock. */
  done?: ReadonlySet<StepName> | null;
  /** Reload every N seconds when JavaScript is off (the apply page while it runs). */
  refreshSeconds?: number;
}

export function layout(page: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<meta name="referrer" content="same-origin">
<title>${page.title} - Bowtie Controller setup</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/htmx.min.js" defer></script>
${page.refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${page.refreshSeconds}"></noscript>` : ''}
</head>
<body hx-boost:inherited="true">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand">${MARK}<span class="name">Bowtie</span> <span class="product">Controller setup</span></p>
${page.done ? progress(page.step ?? null, page.done) : ''}
</header>
<main id="main" tabindex="-1">
${page.main}
</main>
${page.done ? html`<footer class="foot"><p><a href="/reset">Reset the setup</a> (keeps the network and the admin's access)</p></footer>` : ''}
<div class="htmx-indicator busy" aria-hidden="true">Working...</div>
</body>
</html>
`;
}
