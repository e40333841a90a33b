/* Ticket page: re-read this ticket's state when the office's queue changes.
 * The state fragment is rendered by the server (same text as without JavaScript);
 * when the ticket is called the phone vibrates and chimes where the browser allows. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-mode=ticket]");
  if (!root) return;
  var stateEl = root.querySelector("[data-ticket-state]");
  var first = stateEl.querySelector("[data-state]");
  var lastState = first ? first.getAttribute("data-state") : null;
  var pending = false, again = false, audio = null;

  // Browsers only allow sound after a tap: prepare the audio on the first one.
  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  document.addEventListener("click", unlockAudio, {once: true});
  document.addEventListener("touchstart", unlockAudio, {once: true});

  function chime() {
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      [0, 0.35].forEach(function (offset, i) {
        var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime + offset;
        osc.frequency.value = i ? 660 : 880;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.4, t + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.6);
        osc.connect(gain); gain.connect(audio.destination); osc.start(t); osc.stop(t + 0.65);
      });
    } catch (e) { /* sound is a bonus; the text is what counts */ }
  }

  function apply(html) {
    if (html == null || stateEl.innerHTML.trim() === html.trim()) return;
    // The live region's urgency is set before its text changes: a call
    // interrupts the screen reader (assertive), everything else waits (polite).
    var s = (/data-state="([\w-]+)"/.exec(html) || [])[1] || lastState;
    stateEl.setAttribute("aria-live", s === "called" ? "assertive" : "polite");
    stateEl.innerHTML = html;
    stateEl.className = "ticket-state state-" + s;
    if (["done", "no_show", "cancelled", "expired"].indexOf(s) >= 0) {
      // The ticket has ended: what other apps added (the notices' opt-in …) goes too.
      Array.prototype.forEach.call(root.querySelectorAll("[data-ticket-part]"), function (el) { el.remove(); });
    }
    if (s === "called" && lastState !== "called") {
      if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
      chime();
    }
    lastState = s;
  }

  function refresh() {
    if (pending) { again = true; return; }
    pending = true;
    // Spread the re-reads of many phones over half a second.
    setTimeout(function () {
      fetch(location.pathname + "?fragment=state" + (location.search.indexOf("lang=") >= 0 ? "&" + location.search.slice(1) : ""),
            {headers: {"Accept": "text/html"}, cache: "no-store"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(apply)
        .catch(function () {})
        .then(function () { pending = false; if (again) { again = false; refresh(); } });
    }, Math.random() * 500);
  }
  window.MadoguchiTicket = {refresh: refresh};
})();
