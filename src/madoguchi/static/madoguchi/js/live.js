/* Live screens: one EventSource per page on /api/v1/offices/<code>/board/events.
 * "board" events carry the whole 混雑状況 snapshot; "call" events announce a call.
 * EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed; after an
 * HTTP error answer (429, 503) it gives up, and connect() below opens a new stream. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-office]");
  if (!root || !window.EventSource) return;
  var office = root.getAttribute("data-live-office");
  var mode = root.getAttribute("data-live-mode");
  // Texts come from the page (a JSON script tag rendered through gettext, id
  // "madoguchi-text", or window.MADOGUCHI_TEXT set by a page script); it may
  // come after this script, so read it when needed.
  var parsed = null;
  function text() {
    if (!parsed) {
      var el = document.getElementById("madoguchi-text");
      try { parsed = el ? JSON.parse(el.textContent) : {}; } catch (e) { parsed = {}; }
    }
    var extra = window.MADOGUCHI_TEXT || {}, out = {};
    Object.keys(parsed).forEach(function (k) { out[k] = parsed[k]; });
    Object.keys(extra).forEach(function (k) { out[k] = extra[k]; });
    return out;
  }
  var statusEl = root.querySelector("[data-live-status]");

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }
  // Plural forms from the catalogue ({one, other}); the page language's rules choose.
  function plural(forms, n) {
    if (!forms) return String(n);
    var lang = text().lang || document.documentElement.lang || "ja", rule = "other";
    try { rule = new Intl.PluralRules(lang).select(n); } catch (e) { rule = n === 1 ? "one" : "other"; }
    return fmt(forms[rule] || forms.other || forms.one, {n: n});
  }
  function people(n) { return plural(text().people, n); }
  function minutes(n) { return plural(text().minutes, n); }
  // Counter labels arrive as the office names them (「4番窓口」); numbered ones are translated.
  function counterLabel(label) {
    var t = text(), m = t.counterPattern && t.counter ? new RegExp(t.counterPattern).exec(label || "") : null;
    return m ? fmt(t.counter, {n: m[1]}) : label;
  }
  function setStatus(text) { if (statusEl) statusEl.textContent = text; }

  // 受付終了: a row stops (cut-off, closing) or starts again at the times the board gave,
  // even when no new snapshot arrives then.
  function setAccepting(tr, open) {
    tr.classList.toggle("not-accepting", !open);
    var badge = tr.querySelector("[data-reception-closed]"), until = tr.querySelector("[data-reception-until]");
    if (badge) badge.hidden = open;
    if (until) until.hidden = !open;
  }
  // A snapshot may be older than the page (the stream replays the latest one on connect):
  // its own times say whether the row still accepts now.
  function accepting(row) {
    var now = Date.now();
    if (row.accepting === false) return Date.parse(row.next_opening || "") <= now;
    return !(Date.parse(row.accepting_until || "") <= now);
  }
  function checkReception() {
    var now = Date.now();
    Array.prototype.forEach.call(root.querySelectorAll("tr[data-category]"), function (tr) {
      if (Date.parse(tr.getAttribute("data-accepting-until") || "") <= now) {
        setAccepting(tr, false); tr.setAttribute("data-accepting-until", "");
      }
      if (Date.parse(tr.getAttribute("data-next-opening") || "") <= now) {
        setAccepting(tr, true); tr.setAttribute("data-next-opening", "");
      }
    });
  }
  setInterval(checkReception, 10000);

  // A snapshot older than the page (replayed on connect) may predate an edit of the office
  // calendar: the page's own reception state stands until a newer snapshot arrives.
  function olderThanPage(board, el) {
    return el && Date.parse(board.updated_at) < Date.parse(el.getAttribute("data-rendered-at") || "");
  }
  function renderBoardTable(board, quiet) {
    var tbody = root.querySelector("[data-board-rows]");
    if (!tbody) return;
    var stale = olderThanPage(board, root.querySelector("[data-board-table]"));
    board.rows.forEach(function (row) {
      var tr = tbody.querySelector('tr[data-category="' + row.category + '"]');
      if (!tr) return;
      var cells = {
        last_called: row.last_called == null ? "" : row.last_called,
        next_number: row.next_number == null ? "" : row.next_number,
        waiting: people(row.waiting), wait_minutes: minutes(row.wait_minutes), on_hold: people(row.on_hold)
      };
      if (!stale) {
        setAccepting(tr, accepting(row));
        tr.setAttribute("data-accepting-until", row.accepting_until || "");
        tr.setAttribute("data-next-opening", row.next_opening || "");
      }
      Object.keys(cells).forEach(function (col) {
        var td = tr.querySelector('[data-col="' + col + '"]');
        if (td && td.textContent !== String(cells[col])) {
          td.textContent = cells[col];
          if (quiet) return;  // only the language changed (lobby display)
          td.classList.remove("changed"); void td.offsetWidth; td.classList.add("changed");
        }
      });
    });
    var updated = root.querySelector("[data-board-updated]");
    if (updated) updated.textContent = board.updated_at.slice(11, 16);
  }

  // The calling list is rebuilt only when it changed; screen readers hear the
  // newly called numbers once (a polite status line), not the whole list again.
  var callingKey = null, calledBefore = null;
  function announceNewCalls(board) {
    var seen = {};
    board.calling.forEach(function (c) { seen[c.number + "@" + c.counter] = true; });
    var fresh = calledBefore ? board.calling.filter(function (c) { return !calledBefore[c.number + "@" + c.counter]; }) : [];
    calledBefore = seen;
    var el = root.querySelector("[data-call-announce]");
    if (!el || !fresh.length) return;
    el.textContent = fresh.map(function (c) {
      return fmt(el.getAttribute("data-template") || "{number} {counter}", {number: c.number, counter: counterLabel(c.counter)});
    }).join(" ");
  }
  function renderCalling(board) {
    var list = root.querySelector("[data-calling]");
    if (!list) return;
    var key = JSON.stringify(board.calling.map(function (c) { return [c.number, counterLabel(c.counter)]; }));
    if (key === callingKey) return;
    callingKey = key;
    announceNewCalls(board);
    list.textContent = "";
    board.calling.forEach(function (c) {
      var li = document.createElement("li");
      var num = document.createElement(mode === "display" ? "span" : "strong");
      num.className = "num"; num.textContent = c.number;
      var to = document.createElement("span");
      to.className = "to"; to.textContent = (mode === "display" ? "" : " → ") + counterLabel(c.counter);
      li.appendChild(num); li.appendChild(to); list.appendChild(li);
    });
  }

  // ---- Staff panels (counter, supervisor): re-rendered on the server.
  // A live refresh is a plain fetch, outside htmx's request handling, so it
  // can never cancel or swallow a clerk's action (an htmx POST whose button
  // a refresh had removed would lose its answer). Refreshes wait while an
  // action is in flight, and an answer rendered from older state than what
  // is on screen (data-version = the office's last ticket event) is dropped.
  var refreshTimer = null, postingSince = 0, refreshAfterPost = false;
  function posting() { return postingSince && Date.now() - postingSince < 15000; }
  function verbOf(e) { return ((e.detail.requestConfig && e.detail.requestConfig.verb) || "get").toLowerCase(); }
  function olderThanScreen(html, current) {
    var m = /data-version="(\d+)"/.exec(html || "");
    return !!(m && current && current.hasAttribute("data-version") &&
              parseInt(m[1], 10) < parseInt(current.getAttribute("data-version"), 10));
  }

  function changedFields(container) {
    var out = [];
    Array.prototype.forEach.call(container.querySelectorAll("select[id], input[id], textarea[id]"), function (el) {
      var changed;
      if (el.tagName === "SELECT") {
        var byDefault = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
        changed = el.selectedIndex !== Math.max(byDefault, 0);
      } else {
        changed = el.type !== "checkbox" && el.type !== "radio" && el.value !== el.defaultValue;
      }
      if (changed) out.push([el.id, el.value]);
    });
    return out;
  }

  function refreshNow() {
    var selector = root.getAttribute("data-refresh-target");
    fetch(root.getAttribute("data-refresh-url"), {credentials: "same-origin", cache: "no-store",
                                                   headers: {"HX-Request": "true"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var current = document.querySelector(selector);
        if (html == null || !current || !window.htmx) return;
        var active = document.activeElement;
        // Never under the clerk's hands: a choice being made or a memo being typed.
        var busy = active && current.contains(active) && (active.tagName === "SELECT" ||
          (/^(INPUT|TEXTAREA)$/.test(active.tagName) && active.value !== active.defaultValue));
        if (posting() || busy) {
          refreshAfterPost = true;  // try again once the clerk is done
          return;
        }
        if (olderThanScreen(html, current)) return;
        // Keep the message of the clerk's last action (e.g. 「1502番を呼び出しました。」).
        var flash = current.querySelector("[data-flash]");
        // Editors the supervisor opened (<details id=…>) stay open across the refresh.
        var opened = Array.prototype.map.call(current.querySelectorAll("details[open][id]"), function (d) { return d.id; });
        // So do choices the clerk made but has not sent (「次の窓口」 picked, then Tab to its
        // button), and the focus: a refresh must not put back a default the clerk changed.
        // (An element without an id names itself with data-focus-key: a procedure's status
        // button, so that 1 D ↓ D goes on while the clerk's own action comes back as an event.)
        var chosen = changedFields(current), inside = active && current.contains(active);
        var focusId = inside ? active.id : "", focusKey = inside && !focusId ? active.getAttribute("data-focus-key") : "";
        htmx.swap(current, html, {swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0});
        opened.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
        chosen.forEach(function (field) {
          var el = document.getElementById(field[0]);
          if (el && (el.tagName !== "SELECT" || el.querySelector('option[value="' + CSS.escape(field[1]) + '"]'))) el.value = field[1];
        });
        var refocus = focusId ? document.getElementById(focusId)
          : focusKey ? document.querySelector(selector + ' [data-focus-key="' + CSS.escape(focusKey) + '"]') : null;
        if (refocus && document.activeElement !== refocus) refocus.focus({preventScroll: true});
        var box = flash && document.querySelector(selector + " .flash");
        if (box && !box.querySelector("[data-flash]")) box.appendChild(flash);
      })
      .catch(function () {});
  }
  function scheduleRefresh() {
    if (refreshTimer) return;  // coalesce bursts of events
    refreshTimer = setTimeout(function () { refreshTimer = null; refreshNow(); }, 250);
  }

  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (verbOf(e) !== "get") postingSince = Date.now();
  });
  function actionDone(e) {
    if (verbOf(e) === "get") return;
    postingSince = 0;
    if (refreshAfterPost) { refreshAfterPost = false; scheduleRefresh(); }
  }
  document.body.addEventListener("htmx:afterRequest", actionDone);
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && target.id && !document.body.contains(target)) {
      var current = document.getElementById(target.id);
      if (current) { e.detail.target = current; target = current; }
    }
    if (olderThanScreen(e.detail.serverResponse, target)) e.detail.shouldSwap = false;
    // Editors the user opened (<details id=…>) stay open when an action's answer replaces the panel.
    openedBeforeSwap = target ? Array.prototype.map.call(target.querySelectorAll("details[open][id]"),
                                                         function (d) { return d.id; }) : [];
  });
  var openedBeforeSwap = [];
  document.body.addEventListener("htmx:afterSwap", function () {
    openedBeforeSwap.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
    openedBeforeSwap = [];
  });
  document.body.addEventListener("focusout", function () {
    // A refresh put off while a field had the focus runs once the focus leaves it.
    if (refreshAfterPost && !posting()) setTimeout(function () {
      if (refreshAfterPost && !posting()) { refreshAfterPost = false; scheduleRefresh(); }
    }, 50);
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (refreshAfterPost && !posting()) { refreshAfterPost = false; scheduleRefresh(); }
  });

  var handlers = {
    board: function (board) { renderBoardTable(board); renderCalling(board); },
    display: function (board) { renderBoardTable(board); renderCalling(board); },
    kiosk: function (board) {
      // A category past its cut-off or open again (開庁日・受付時間): its button no longer
      // matches the board (a snapshot older than the page says nothing new).
      var turned = false, older = olderThanPage(board, root);
      board.rows.forEach(function (row) {
        var button = root.querySelector('.kiosk-button[data-category="' + row.category + '"]');
        if (!older && button && button.disabled === accepting(row)) turned = true;
        var el = root.querySelector('[data-kiosk-meta="' + row.category + '"]');
        // No 「約0分」: with a wait under a minute the button says only how many wait.
        var template = row.wait_minutes > 0 ? text().kioskMeta : (text().kioskMetaNow || text().kioskMeta);
        if (el && template) el.textContent = fmt(template, {w: row.waiting, m: row.wait_minutes});
      });
      // Issuing paused or resumed at the floor-control screen: the board lists every category
      // that issues, so a button for a category it no longer lists, or a listed category
      // without a button, means the menu is out of date.
      // (Only while the office is open: a closed kiosk shows no buttons at all. A row past its
      // accepting_until is closed even if the snapshot is older than that. One redraw per board
      // event: the snapshot replayed after the reload cannot make it reload again in a loop.)
      if (root.querySelector("[data-kiosk-closed]")) return;
      var listed = {}, now = Date.now();
      board.rows.forEach(function (row) { listed[row.category] = row; });
      var shown = {}, stale = false;
      Array.prototype.forEach.call(root.querySelectorAll(".kiosk-button[data-category]"), function (b) {
        var code = b.getAttribute("data-category");
        shown[code] = true;
        if (!b.disabled && !listed[code]) stale = true;
      });
      board.rows.forEach(function (row) {
        var until = Date.parse(row.accepting_until || "");
        if (row.accepting !== false && !(until <= now) && !shown[row.category]) stale = true;
      });
      var eventId = parseInt(root.dataset.lastEventId || "0", 10), last = 0;
      try { last = parseInt(sessionStorage.getItem("madoguchi-kiosk-menu-redraw") || "0", 10); } catch (e) { /* private mode */ }
      if ((stale || turned) && window.MadoguchiKiosk && eventId > last) {
        try { sessionStorage.setItem("madoguchi-kiosk-menu-redraw", String(eventId)); } catch (e) { /* private mode */ }
        window.MadoguchiKiosk.reloadWhenIdle();
      }
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
  // EventSource retries a dropped connection by itself, but gives up for good on an HTTP
  // error answer (429 when too many streams are open from one address, 503 while the server
  // restarts): then this page opens a new one after a growing pause, resuming after the last
  // event it saw, and says 「再接続しています」 meanwhile.
  var source = null, retryDelay = 0, retryTimer = null;
  function streamUrl() {
    var url = "/api/v1/offices/" + encodeURIComponent(office) + "/board/events";
    return root.dataset.lastEventId ? url + "?last_event_id=" + encodeURIComponent(root.dataset.lastEventId) : url;
  }
  function connect() {
    retryTimer = null;
    source = new EventSource(streamUrl());
    if (window.MadoguchiLive) window.MadoguchiLive.source = source;
    source.addEventListener("open", function () {
      retryDelay = 0; setStatus(""); root.classList.remove("offline");
    });
    source.addEventListener("error", function () {
      setStatus(text().offline || ""); root.classList.add("offline");
      if (source.readyState === EventSource.CLOSED && !retryTimer) {
        retryDelay = Math.min(60000, retryDelay ? retryDelay * 2 : 5000);
        retryTimer = setTimeout(connect, retryDelay * (0.75 + Math.random() / 2));
      }
    });
    source.addEventListener("board", onBoard);
    source.addEventListener("call", onCall);
  }
  function onBoard(e) {
    var board = JSON.parse(e.data);
    if (e.lastEventId) root.dataset.lastEventId = e.lastEventId;
    lastBoardAt = Date.now();
    if (staleEl && staleAfter > 0) staleEl.hidden = true;
    // Heartbeat pushes repeat the same queue; only a real change re-renders.
    var content = JSON.stringify([board.rows, board.calling]);
    if (content === lastContent && mode === "ticket") return;
    lastContent = content;
    (handlers[mode] || function () {})(board);
    document.dispatchEvent(new CustomEvent("madoguchi:board", {detail: board}));
  }
  function onCall(e) {
    if (e.lastEventId) root.dataset.lastEventId = e.lastEventId;
    document.dispatchEvent(new CustomEvent("madoguchi:call", {detail: JSON.parse(e.data)}));
  }
  connect();
  window.MadoguchiLive = {source: source, fmt: fmt, counterLabel: counterLabel, text: text,
                          render: function (board, quiet) { renderBoardTable(board, quiet); renderCalling(board); },
                          setText: function (t) { parsed = t; }};
})();
