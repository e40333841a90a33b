/* The case beside the counter screen: status keys on a focused procedure row.
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
})();
