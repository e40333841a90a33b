/* Floor control: each counter's running service timer, counted here from the call time the
 * page was rendered with (data-since). No polling: the panel is re-rendered on queue events
 * (live.js), and this only redraws the elapsed time every second. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("time[data-since]"), function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (isNaN(since)) return;
      var s = Math.max(0, Math.floor((now - since) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
      el.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
      el.classList.toggle("long", s >= 15 * 60);
    });
  }
  tick();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", tick);  // a re-rendered panel shows it at once
})();
