/* Kiosk: print the ticket as soon as it is shown, then return to the menu. */
(function () {
  "use strict";
  var result = document.getElementById("kiosk-result");
  var timer = null;
  function close() { result.textContent = ""; document.body.classList.remove("showing-ticket"); }
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target !== result) return;
    clearTimeout(timer);
    if (result.querySelector("[data-ticket-card]")) {
      document.body.classList.add("showing-ticket");
      setTimeout(function () { window.print(); }, 300);
      timer = setTimeout(close, 20000);
    } else {
      timer = setTimeout(close, 8000);
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status >= 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  result.addEventListener("click", function (e) {
    if (e.target.closest("[data-kiosk-done]")) close();
  });
})();
