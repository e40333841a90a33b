// 混雑予想 calendar: htmx swaps in the tapped day's hours (#fc-day); this marks the tapped day in
// the calendar and moves the focus to its hours (screen readers then read them). Without
// JavaScript the links load the whole page with the day chosen.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("table.fc-month a[hx-get]");
    if (!link) return;
    document.querySelectorAll("table.fc-month a[aria-current]").forEach(function (a) {
      a.removeAttribute("aria-current");
    });
    document.querySelectorAll("table.fc-month td.fc-selected").forEach(function (td) {
      td.classList.remove("fc-selected");
    });
    link.setAttribute("aria-current", "date");
    link.closest("td").classList.add("fc-selected");
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var day = document.getElementById("fc-day");
    if (day) day.focus({ preventScroll: true });
  });
})();
