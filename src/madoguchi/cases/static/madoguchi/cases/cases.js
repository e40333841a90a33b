/* The case beside the counter screen: status keys on a focused procedure row; hand-over QR
   codes in parts collected in the scan field.
   1–9 and C/G (focus) are handled by counter.js through data-key-focus.
   On a focused procedure row: P 未対応, W 対応中, D 完了, Z 対象外, L 後日; ↑ ↓ move between rows.
   After the panel is redrawn the focus returns to the same row, so a clerk can go
   1, D, ↓, D … without the mouse. Loaded once (the tag is kept across redraws). */
(function () {
  "use strict";
  if (window.MadoguchiCases) return;
  window.MadoguchiCases = true;
  var refocus = null;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#case-side [data-case-procedure]")); }
  function focusRow(row) {
    if (!row) return;
    var b = row.querySelector("button.case-status.current") || row.querySelector("button.case-status");
    if (b) b.focus();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var target = e.target;
    if (!target.closest || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    var row = target.closest("#case-side [data-case-procedure]");
    if (!row) return;
    var key = e.key.toLowerCase();
    if (key === "arrowdown" || key === "arrowup") {
      var all = rows(), i = all.indexOf(row) + (key === "arrowdown" ? 1 : -1);
      if (i >= 0 && i < all.length) { e.preventDefault(); e.stopImmediatePropagation(); focusRow(all[i]); }
      return;
    }
    var button = row.querySelector('button[data-case-key="' + key + '"]');
    if (button) {
      e.preventDefault();
      e.stopImmediatePropagation();  // never also a counter shortcut
      if (!button.disabled) { refocus = row.getAttribute("data-case-procedure"); button.click(); }
    }
  }, true);

  // Only while the focus is nowhere (the focused button was swapped out): a clerk who already
  // pressed the next key (G, C …) between the swap and the settle keeps the focus they chose.
  function focusIsFree() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  document.body.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var code = refocus;
    refocus = null;
    if (focusIsFree()) focusRow(document.querySelector('#case-side [data-case-procedure="' + code + '"]'));
  });

  // After a scan the field is emptied; when a case opened, the keys go to its first procedure
  // (htmx would otherwise put the focus back in the scan field, and 1, D … would be typed there).
  // (beforeRequest: once the answer replaced the form, htmx reports later events elsewhere.)
  var scanned = false;
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    scanned = !!(e.detail.elt && e.detail.elt.id === "case-scan-form");
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!scanned) return;
    scanned = false;
    if (document.querySelector("#case-side [data-case-flash][role=alert]")) return;  // say again
    var first = rows()[0];
    if (first && (focusIsFree() || document.activeElement.id === "case-scan")) focusRow(first);
  });
  // ---------------------------------------------------------------- hand-over QR in parts
  // A large household's hand-over is shown on the phone as 2 or 3 codes, MD1.<n>/<m>:…
  // (handover/envelope.py). A desk scanner types one and Enter, then the next: the parts are
  // kept here (any order; a part read twice is ignored; a part of another set starts again;
  // Esc clears) and sent together, one a line, when all are read. Pasting several at once
  // works too (a text field would drop the line breaks: the paste is read here).
  var PART = /^MD1\.([1-9])\/([1-9]):/i;
  var parts = null;    // {total: m, read: {n: "MD1.n/m:…"}}
  var note = null;     // {text, restart}: what the clerk is told, drawn again after a redraw
  var complete = null; // the whole set, one part a line, while it is being sent

  function scanForm() { return document.getElementById("case-scan-form"); }
  function words(name, values) {
    var form = scanForm(), text = (form && form.getAttribute("data-parts-" + name)) || "";
    return text.replace(/\{(\w+)\}/g, function (_m, k) { return values[k] == null ? "" : values[k]; });
  }
  function missing() {
    var out = [];
    for (var n = 1; n <= parts.total; n++) if (!parts.read[n]) out.push(words("nth", {n: n}));
    return out.join("・");
  }
  function render() {
    var box = document.getElementById("case-scan-parts");
    if (!box) return;
    box.textContent = "";
    box.hidden = !note;
    if (!note) return;
    box.className = "case-scan-parts" + (note.restart ? " restart" : "");
    if (parts) {
      for (var n = 1; n <= parts.total; n++) {
        var chip = document.createElement("span");
        chip.className = "part" + (parts.read[n] ? " read" : "");
        chip.setAttribute("data-part", n);
        chip.textContent = n + (parts.read[n] ? "✓" : "");
        box.appendChild(chip);
      }
    }
    box.appendChild(document.createTextNode(note.text));
  }
  function pieces(text) {
    return String(text || "").split(/\r\n|\r|\n|(?=MD1\.[1-9]\/[1-9]:)/i)
      .map(function (t) { return t.replace(/^[\t ]+|[\t]+$/g, ""); })
      .filter(function (t) { return t.length > 0; });
  }
  // The phone cuts the text in slices of one length, the last one shorter or equal
  // (envelope.split): a part whose length does not fit those read is of another hand-over.
  // (Two hand-overs of the same length are told apart only by the server: 壊れている.)
  function fits(n, piece) {
    for (var k in parts.read) {
      var other = parts.read[k], last = parts.total;
      k = +k;
      if (k === n) continue;
      if (n < last && k < last && other.length !== piece.length) return false;
      if (n < last && k === last && other.length > piece.length) return false;
      if (n === last && k < last && piece.length > other.length) return false;
    }
    return true;
  }
  // Takes the typed or pasted text; false when it holds no part (sent as it is).
  function take(text) {
    var list = pieces(text);
    // Anything else (a whole code, a case code, a part numbered like "3/2") goes to the server as it is.
    if (!list.length || !list.every(function (t) {
      var m = PART.exec(t);
      return m && +m[2] >= 2 && +m[2] <= 3 && +m[1] <= +m[2];
    })) return false;
    list.forEach(function (piece) {
      var m = PART.exec(piece), n = +m[1], total = +m[2];
      piece = piece.toUpperCase();
      var restart = false;
      if (parts && (parts.total !== total || (parts.read[n] && parts.read[n] !== piece) || !fits(n, piece))) {
        parts = null;
        restart = true;
      }
      if (!parts) parts = {total: total, read: {}};
      var again = parts.read[n] === piece;
      parts.read[n] = piece;
      var values = {n: n, m: total, missing: missing()};
      var text2 = again ? words("again", values) : words("read", values);
      note = {text: restart ? words("restart", {}) + " " + text2 : text2, restart: restart};
    });
    if (parts && Object.keys(parts.read).length === parts.total) {
      var lines = [];
      for (var n = 1; n <= parts.total; n++) lines.push(parts.read[n]);
      complete = lines.join("\n");
      note = {text: words("done", {m: parts.total}), restart: false};
    }
    return true;
  }
  function clearParts() { parts = null; note = null; complete = null; render(); }
  function send(form) { if (form.requestSubmit) form.requestSubmit(); else htmx.trigger(form, "submit"); }

  // A text read some other way (camera.js): as if the desk scanner had typed it and Enter.
  // "wait" while a hand-over's parts are still missing, "sent" once something was sent.
  window.MadoguchiScan = {accept: function (text) {
    var form = scanForm(), input = document.getElementById("case-scan");
    if (!form || !input) return "none";
    if (take(text)) {
      render();
      if (!complete) return "wait";
      send(form);
      return "sent";
    }
    parts = null;
    note = null;
    input.value = String(text).trim();
    send(form);
    return "sent";
  }};

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.id !== "case-scan-form" || complete) return;  // a complete set: htmx sends it
    var input = form.querySelector("#case-scan");
    if (!take(input.value)) { parts = null; note = null; return; }  // a case code, a ticket, one code
    input.value = "";
    render();
    if (complete) return;
    e.preventDefault();
    e.stopImmediatePropagation();  // not sent: wait for the next part
  }, true);

  document.addEventListener("paste", function (e) {
    if (!e.target || e.target.id !== "case-scan") return;
    var text = (e.clipboardData || window.clipboardData).getData("text") || "";
    if (!/MD1\.[1-9]\/[1-9]:/i.test(text) || !take(e.target.value + "\n" + text)) return;
    e.preventDefault();
    e.target.value = "";
    render();
    var form = scanForm();
    if (complete && form) send(form);
  }, true);

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !e.target || e.target.id !== "case-scan") return;
    if (!parts && !e.target.value) return;
    e.preventDefault();
    var had = !!parts;
    e.target.value = "";
    clearParts();
    if (had) { note = {text: words("cleared", {}), restart: false}; render(); }
  }, true);

  document.body.addEventListener("htmx:configRequest", function (e) {
    if (!complete || !e.detail.elt || e.detail.elt.id !== "case-scan-form") return;
    e.detail.parameters.text = complete;  // the parts, one a line (the server joins them)
    parts = null;
    note = null;
    complete = null;
  });
  // Redraws (an action's answer, the live refresh) replace the field's box: draw it again.
  document.body.addEventListener("htmx:load", render);
  document.body.addEventListener("htmx:afterSettle", render);
})();
