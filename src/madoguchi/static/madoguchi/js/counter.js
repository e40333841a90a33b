/* Counter screen keyboard shortcuts: N next, R recall, H hold, F finish, X no-show, T transfer. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || e.target.isContentEditable) return;
    var key = e.key.toLowerCase();
    var focusTarget = document.querySelector('[data-key-focus="' + key + '"]');
    if (focusTarget && !focusTarget.disabled) { e.preventDefault(); focusTarget.focus(); return; }
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });

})();
