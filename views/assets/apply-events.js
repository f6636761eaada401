// The apply page's live progress (docs/decisions/0204): follows /apply/events while an apply
// runs. A static file, no inline code: the Content-Security-Policy allows only 'self' scripts.
// Without JavaScript the page refreshes itself; should the stream never connect, htmx's
// polling (in the page as served) goes on, until the first status block from the stream
// replaces the polling one.
(function () {
  'use strict';
  var hook = document.getElementById('apply-events');
  if (!hook || typeof window.EventSource !== 'function') return;
  var previous = window.__bowtieApplyEvents;
  if (previous) previous.close(); // a boosted navigation ran this file again
  var src = hook.getAttribute('data-src') || '/apply/events';
  var source = new EventSource(src);
  window.__bowtieApplyEvents = source;
  // The link to the appliance's new address (with the session's one-use token), once known.
  var moved = null;
  var failures = 0;
  var MAX_LINES = 2000;

  function alive() {
    if (hook.isConnected) return true;
    source.close(); // the page was left (a boosted link): the stream goes with it
    return false;
  }

  function replaceStatus(markup) {
    var old = document.getElementById('apply-status');
    if (!old) return;
    var template = document.createElement('template');
    template.innerHTML = markup;
    var next = template.content.firstElementChild;
    if (!next || next.id !== 'apply-status') return;
    old.replaceWith(next);
    if (window.htmx && typeof window.htmx.process === 'function') window.htmx.process(next);
  }

  function logElement(fresh) {
    var pre = document.getElementById('apply-log');
    if (!pre) return null;
    if (fresh || pre.hasAttribute('hx-get')) {
      // A plain copy: the stream fills it, the log's own polling stops.
      var plain = document.createElement('pre');
      plain.id = 'apply-log';
      plain.className = pre.className;
      plain.tabIndex = 0;
      if (!fresh) plain.textContent = pre.textContent;
      pre.replaceWith(plain);
      pre = plain;
    }
    return pre;
  }

  source.addEventListener('open', function () {
    failures = 0;
  });
  source.addEventListener('step', function (e) {
    if (alive()) replaceStatus(e.data);
  });
  source.addEventListener('progress', function (e) {
    if (alive()) replaceStatus(e.data);
  });
  source.addEventListener('log-start', function () {
    if (alive()) logElement(true);
  });
  source.addEventListener('log', function (e) {
    if (!alive()) return;
    var pre = logElement(false);
    if (!pre) return;
    // Text, never markup: the line is shown as it is.
    pre.appendChild(document.createTextNode(e.data + '\n'));
    while (pre.childNodes.length > MAX_LINES) pre.removeChild(pre.firstChild);
  });
  source.addEventListener('moved', function (e) {
    if (/^https:\/\//.test(e.data)) moved = e.data;
  });
  source.addEventListener('end', function () {
    source.close();
  });
  source.addEventListener('error', function () {
    if (!alive()) return;
    failures++;
    // The old address stopped answering after the appliance moved: the stream (and the
    // Confirm button) continue at the new one. The link starts a session there and opens
    // this page, whose stream then begins afresh on the new address.
    if (moved && failures >= 3) {
      source.close();
      window.location.assign(moved);
    }
  });
})();
