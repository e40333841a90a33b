/* Ticket page: re-read this ticket's state on every board event (no personal data involved). */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-mode=ticket]");
  if (!root) return;
  var stateEl = root.querySelector("[data-ticket-state]");
  var lastState = null, pending = false, again = false;
  function refresh() {
    if (pending) { again = true; return; }
    pending = true;
    fetch(location.pathname + "?fragment=state", {headers: {"Accept": "text/html"}, cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html != null && stateEl.innerHTML.trim() !== html.trim()) {
          stateEl.innerHTML = html;
          var s = stateEl.querySelector("[data-state]").getAttribute("data-state");
          stateEl.className = "ticket-state state-" + s;
          if (s === "called" && lastState !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
          lastState = s;
        }
      })
      .catch(function () {})
      .then(function () { pending = false; if (again) { again = false; refresh(); } });
  }
  window.MadoguchiTicket = {refresh: refresh};
})();
