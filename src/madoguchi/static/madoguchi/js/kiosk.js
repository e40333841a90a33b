/* Kiosk: print the ticket as soon as it is shown, then return to the menu. */
(function () {
  "use strict";
  var result = document.getElementById("kiosk-result");
  var timer = null;
  // A visitor who picked another language: once their ticket is closed, or
  // after a minute and a half untouched, the kiosk returns to its own language
  // for the next visitor (data-kiosk-home is set only after a ?lang= choice).
  var kiosk = document.getElementById("kiosk");
  var home = kiosk && kiosk.getAttribute("data-kiosk-home");
  var idle = null;
  function goHome() { if (home) location.replace(home); }
  function touched() { clearTimeout(idle); if (home) idle = setTimeout(goHome, 90000); }
  ["pointerdown", "keydown"].forEach(function (type) { document.addEventListener(type, touched, true); });
  touched();
  // Screen readers hear the new ticket once, briefly (not the URL or the QR hint);
  // keyboard focus moves into the card and back to the menu when it closes.
  var announce = document.querySelector("[data-kiosk-announce]");
  var pressed = null;
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".kiosk-button");
    if (button) pressed = button;
  });
  function announceTicket(card) {
    if (!announce) return;
    var sep = /^(ja|zh)/.test(document.documentElement.lang) ? "。" : ". ";
    var parts = [".category", ".number-label", ".number", ".ahead"].map(function (sel) {
      var el = card.querySelector(sel); return el ? el.textContent.trim() : "";
    });
    announce.textContent = [parts[0], parts[1] + " " + parts[2], parts[3]].join(sep);
  }
  // 開庁日・受付時間: the menu is redrawn when reception opens or closes (data-reload-at, the
  // next cut-off, closing or opening) or when the board says a category changed, but never
  // while a visitor is looking at a ticket or a message.
  var reloadPending = false;
  function lastReload() {
    try { return +(sessionStorage.getItem("madoguchiKioskReload") || 0); } catch (e) { return 0; }
  }
  function reloadWhenIdle() {
    reloadPending = true;
    if (result.firstChild) return;  // close() comes back here
    // At most one redraw in 3 s, whatever asks for it (a safety net: live.js asks once per
    // board event, the calendar's timer once per change).
    var wait = lastReload() + 3000 - Date.now();
    if (wait > 0) { setTimeout(reloadWhenIdle, wait); return; }
    try { sessionStorage.setItem("madoguchiKioskReload", String(Date.now())); } catch (e) { /* private mode */ }
    location.reload();
  }
  var reloadAt = Date.parse((kiosk && kiosk.getAttribute("data-reload-at")) || "");
  function scheduleReload() {
    var delay = reloadAt - Date.now();
    if (delay > 3600000) { setTimeout(scheduleReload, 3600000); return; }
    setTimeout(reloadWhenIdle, Math.max(delay, 0) + 1000);
  }
  if (!isNaN(reloadAt)) scheduleReload();
  window.MadoguchiKiosk = {reloadWhenIdle: reloadWhenIdle};
  function close() {
    var hadTicket = !!result.querySelector("[data-ticket-card]");
    if (result.querySelector("[data-kiosk-closed-alert]")) reloadPending = true;
    result.textContent = ""; document.body.classList.remove("showing-ticket");
    if (announce) announce.textContent = "";
    if (pressed && document.body.contains(pressed)) pressed.focus({preventScroll: true});
    if (hadTicket) goHome();
    if (reloadPending) reloadWhenIdle();
  }
  // One tap = one ticket = one print. A tap takes an Idempotency-Key; a second tap on the same
  // category within a few seconds (a double tap) reuses it, so the server answers the same
  // ticket and issues nothing. Taps while a request is in flight are ignored (and the form's
  // hx-sync drops them too); a ticket is printed once, whatever answers arrive after it; and an
  // error never replaces a ticket card the visitor has not closed yet.
  var form = document.querySelector(".kiosk-grid");
  var inFlight = false, lastTap = {category: null, key: null, at: 0}, printed = {};
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function showingTicket() { return !!result.querySelector("[data-ticket-card]"); }
  if (form) {
    form.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest(".kiosk-button");
      if (!button) return;
      if (inFlight || showingTicket()) { e.preventDefault(); e.stopImmediatePropagation(); return; }
      var category = button.getAttribute("data-category");
      var now = Date.now();
      if (lastTap.category !== category || now - lastTap.at > 5000) {
        lastTap = {category: category, key: newKey(), at: now};
      }
      lastTap.at = now;
    }, true);
  }
  document.body.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt !== form) return;
    if (inFlight) { e.preventDefault(); return; }
    inFlight = true;
    if (lastTap.key) e.detail.headers["Idempotency-Key"] = lastTap.key;
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt === form) inFlight = false;
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target !== result) return;
    clearTimeout(timer);
    var card = result.querySelector("[data-ticket-card]");
    if (card) {
      document.body.classList.add("showing-ticket");
      announceTicket(card);
      var done = card.querySelector("[data-kiosk-done]");
      if (done) done.focus({preventScroll: true});
      var id = card.getAttribute("data-ticket-id");
      if (!printed[id]) {  // the same ticket answered again (a repeated tap) is not printed twice
        printed[id] = true;
        setTimeout(function () { window.print(); }, 300);
      }
      timer = setTimeout(close, 20000);
    } else {
      timer = setTimeout(close, 8000);
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target !== result) return;
    if (e.detail.xhr.status >= 400) {
      // An error after a ticket is shown belongs to a tap nobody meant: keep the ticket.
      if (showingTicket()) { e.detail.shouldSwap = false; return; }
      e.detail.shouldSwap = true; e.detail.isError = false;
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && result.firstChild) { clearTimeout(timer); close(); }
  });
  result.addEventListener("click", function (e) {
    if (e.target.closest("[data-kiosk-done]")) close();
    // The ticket's address is shown for reading, not for leaving the kiosk.
    if (e.target.closest("[data-ticket-card] a")) e.preventDefault();
  });
})();
