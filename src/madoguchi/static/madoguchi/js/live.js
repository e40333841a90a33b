/* Live screens: one EventSource per page on /api/v1/offices/<code>/board/events.
 * "board" events carry the whole 混雑状況 snapshot; "call" events announce a call.
 * EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-office]");
  if (!root || !window.EventSource) return;
  var office = root.getAttribute("data-live-office");
  var mode = root.getAttribute("data-live-mode");
  var lang = document.documentElement.lang || "ja";
  // Pages define MADOGUCHI_TEXT in a script after this one: read it when needed.
  function text() { return window.MADOGUCHI_TEXT || {}; }
  var statusEl = root.querySelector("[data-live-status]");

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }
  function people(n) { return lang.indexOf("ja") === 0 ? n + "人" : String(n); }
  function minutes(n) { return lang.indexOf("ja") === 0 ? n + "分" : n + " min"; }
  function setStatus(text) { if (statusEl) statusEl.textContent = text; }

  function renderBoardTable(board) {
    var tbody = root.querySelector("[data-board-rows]");
    if (!tbody) return;
    board.rows.forEach(function (row) {
      var tr = tbody.querySelector('tr[data-category="' + row.category + '"]');
      if (!tr) return;
      var cells = {
        last_called: row.last_called == null ? "" : row.last_called,
        next_number: row.next_number == null ? "" : row.next_number,
        waiting: people(row.waiting), wait_minutes: minutes(row.wait_minutes), on_hold: people(row.on_hold)
      };
      Object.keys(cells).forEach(function (col) {
        var td = tr.querySelector('[data-col="' + col + '"]');
        if (td && td.textContent !== String(cells[col])) {
          td.textContent = cells[col];
          td.classList.remove("changed"); void td.offsetWidth; td.classList.add("changed");
        }
      });
    });
    var updated = root.querySelector("[data-board-updated]");
    if (updated) updated.textContent = board.updated_at.slice(11, 16);
  }

  function renderCalling(board) {
    var list = root.querySelector("[data-calling]");
    if (!list) return;
    list.textContent = "";
    board.calling.forEach(function (c) {
      var li = document.createElement("li");
      var num = document.createElement(mode === "display" ? "span" : "strong");
      num.className = "num"; num.textContent = c.number;
      var to = document.createElement("span");
      to.className = "to"; to.textContent = (mode === "display" ? "" : " → ") + c.counter;
      li.appendChild(num); li.appendChild(to); list.appendChild(li);
    });
  }

  var refreshTimer = null;
  function scheduleRefresh() {
    // Staff panels re-render on the server; coalesce bursts of events.
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      var target = root.getAttribute("data-refresh-target");
      var active = document.activeElement;
      if (active && active.closest && active.closest(target) && active.tagName === "SELECT") return;
      if (window.htmx) htmx.ajax("GET", root.getAttribute("data-refresh-url"), {target: target, swap: "outerHTML"});
    }, 250);
  }

  // Staff panels carry the queue version they were rendered from: a response
  // that was overtaken by a newer one (e.g. a refresh answered after a call)
  // must not put the old state back on screen.
  // A clerk's action (POST) in flight must not be cut off by a live refresh:
  // swapping the panel would remove the button that sent it, and htmx would
  // drop its answer. Hold refreshes back until the action has answered.
  function verbOf(e) { return ((e.detail.requestConfig && e.detail.requestConfig.verb) || "get").toLowerCase(); }
  var posting = 0, refreshAfterPost = false;
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (verbOf(e) !== "get") posting += 1;
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (verbOf(e) === "get") return;
    posting = Math.max(0, posting - 1);
    if (!posting && refreshAfterPost) { refreshAfterPost = false; scheduleRefresh(); }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (posting && verbOf(e) === "get") { e.detail.shouldSwap = false; refreshAfterPost = true; return; }
    var target = e.detail.target;
    // The panel may have been replaced by a refresh while this request was in
    // flight: swap into the panel on screen, not into the detached old one.
    if (target && target.id && !document.body.contains(target)) {
      var current = document.getElementById(target.id);
      if (current) { e.detail.target = current; target = current; }
    }
    if (!target || !target.hasAttribute || !target.hasAttribute("data-version")) return;
    var m = /data-version="(\d+)"/.exec(e.detail.serverResponse || "");
    if (m && parseInt(m[1], 10) < parseInt(target.getAttribute("data-version"), 10)) {
      e.detail.shouldSwap = false;
    }
  });

  var handlers = {
    board: function (board) { renderBoardTable(board); renderCalling(board); },
    display: function (board) { renderBoardTable(board); renderCalling(board); },
    kiosk: function (board) {
      board.rows.forEach(function (row) {
        var el = root.querySelector('[data-kiosk-meta="' + row.category + '"]');
        var template = text().kioskMeta;
        if (el && template) el.textContent = fmt(template, {w: row.waiting, m: row.wait_minutes});
      });
    },
    refresh: scheduleRefresh,
    ticket: function () { if (window.MadoguchiTicket) window.MadoguchiTicket.refresh(); }
  };

  // Public side: the internal side pushes at least every 15 s; a long silence
  // means the copy shown here may be old, and the page says so.
  var staleAfter = parseInt(root.getAttribute("data-stale-after") || "0", 10);
  var staleEl = root.querySelector("[data-stale]");
  var lastBoardAt = Date.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  if (staleAfter > 0 && staleEl) {
    setInterval(function () {
      var stale = Date.now() - lastBoardAt > staleAfter * 1000;
      if (stale && staleEl.hidden) {
        var t = staleEl.querySelector("[data-stale-time]"), d = new Date(lastBoardAt);
        if (t) t.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes());
      }
      staleEl.hidden = !stale;
    }, 5000);
  }

  var lastContent = null;
  var source = new EventSource("/api/v1/offices/" + encodeURIComponent(office) + "/board/events");
  source.addEventListener("open", function () { setStatus(""); root.classList.remove("offline"); });
  source.addEventListener("error", function () {
    setStatus(text().offline || "接続が切れました。再接続しています…"); root.classList.add("offline");
  });
  source.addEventListener("board", function (e) {
    var board = JSON.parse(e.data);
    root.dataset.lastEventId = e.lastEventId;
    lastBoardAt = Date.now();
    if (staleEl && staleAfter > 0) staleEl.hidden = true;
    // Heartbeat pushes repeat the same queue; only a real change re-renders.
    var content = JSON.stringify([board.rows, board.calling]);
    if (content === lastContent && mode === "ticket") return;
    lastContent = content;
    (handlers[mode] || function () {})(board);
    document.dispatchEvent(new CustomEvent("madoguchi:board", {detail: board}));
  });
  source.addEventListener("call", function (e) {
    document.dispatchEvent(new CustomEvent("madoguchi:call", {detail: JSON.parse(e.data)}));
  });
  window.MadoguchiLive = {source: source, fmt: fmt};
})();
