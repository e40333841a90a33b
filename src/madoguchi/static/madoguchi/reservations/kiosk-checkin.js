/* The kiosk's 「ご予約の方」 field: a desk scanner types the booking QR's text (RSV:…) and Enter
 * wherever the focus is. Printable keys typed while no field has the focus go to the booking
 * field, so a scan works without touching the screen first; Enter sends it (htmx). */
(function () {
  "use strict";
  var field = document.getElementById("kiosk-reservation");
  if (!field) return;
  document.addEventListener("keydown", function (e) {
    var target = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    // Space on a focused button or link activates it (keyboard users); a scan has no spaces.
    if (e.key === " " && target && target !== document.body) return;
    if (document.body.classList.contains("showing-ticket")) return;  // a ticket is on the screen
    field.focus();  // the key itself lands in the field
  }, true);
  // After a ticket is shown the field starts empty for the next visitor.
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt && e.detail.elt.hasAttribute && e.detail.elt.hasAttribute("data-kiosk-checkin")) {
      field.value = ""; field.blur();
    }
  });
})();
