/* The counter's form editor (届出内容・聞き取り), keyboard first:
   the focus starts where the server says (the first field, the first message, a new member);
   Alt+A 人を追加, Ctrl+Enter 保存. Postcode → address is htmx (the answer's [autofocus] field). */
(function () {
  "use strict";
  var page = document.getElementById("form-editor");
  if (!page) return;
  var focus = page.getAttribute("data-focus");
  var target = focus && document.getElementById(focus);
  if (target) { target.focus(); if (target.select && target.tagName === "INPUT") target.select(); }

  document.addEventListener("keydown", function (e) {
    if (e.isComposing) return;  // an IME conversion is being confirmed
    var button = null;
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyA") button = document.getElementById("member-add");
    else if ((e.ctrlKey || e.metaKey) && e.key === "Enter") button = document.getElementById("fe-save");
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });
})();
