/* The booking's confirmation page: a one-stop booking takes the life event and answers the
 * citizen gave the navigator on this phone (its draft in localStorage, madoguchi.navi.<office>),
 * so the server can determine the procedures and the length of the visit. The answers go with
 * this one booking and are not kept (only the procedures they give). The submit button waits
 * for the ALTCHA widget's proof of work. */
(function () {
  "use strict";
  var script = document.currentScript;
  var office = script && script.getAttribute("data-office");
  var form = document.querySelector("[data-reserve-form]");
  if (!form) return;
  var select = form.querySelector("[data-reserve-life-event]");
  var answers = form.querySelector("[data-reserve-answers]");
  var used = form.querySelector("[data-reserve-navi-used]");
  var draft = null;
  try { draft = JSON.parse(window.localStorage.getItem("madoguchi.navi." + office) || "null"); } catch (e) { draft = null; }
  function apply() {
    if (!select || !answers) return;
    var same = draft && draft.life_event && draft.life_event === select.value;
    answers.value = same ? JSON.stringify(draft.answers || {}) : "";
    if (used) used.hidden = !same;
  }
  if (select && draft && draft.life_event && !select.value) {
    var option = select.querySelector('option[value="' + draft.life_event + '"]');
    if (option) select.value = draft.life_event;
  }
  if (select) { select.addEventListener("change", apply); apply(); }
  // One booking per press: a second press while the first is sent does nothing.
  var sending = false;
  form.addEventListener("submit", function (e) {
    if (sending) { e.preventDefault(); return; }
    sending = true;
  });
})();
