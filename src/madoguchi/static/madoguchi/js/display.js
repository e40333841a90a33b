/* Lobby display: chime and a spoken call for every call and recall, in the display's
 * language then in English (Japanese then English by default). Headings, column
 * names, category names and counts alternate between the two every 10 seconds.
 * Every text comes from the page's "display-text" JSON (rendered through gettext). */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-mode=display]");
  if (!root) return;
  var data = {order: [], texts: {}};
  try { data = JSON.parse(document.getElementById("display-text").textContent); } catch (e) { /* keep the page as rendered */ }
  var order = data.order.length ? data.order : [null];
  var current = 0;
  function T() { return data.texts[order[current]] || {}; }
  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }
  function counterLabel(t, label) {
    var m = t.counterPattern && t.counter ? new RegExp(t.counterPattern).exec(label || "") : null;
    return m ? fmt(t.counter, {n: m[1]}) : label;
  }
  var announcement = root.querySelector("[data-announcement]");
  var toggle = root.querySelector("[data-sound-toggle]");
  var audio = null;
  var soundOn = false;

  function chime() {
    if (!audio) return;
    var t = audio.currentTime;
    [[659.25, 0], [523.25, 0.45]].forEach(function (tone) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine"; osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, t + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, t + tone[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + tone[1] + 0.9);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + tone[1]); osc.stop(t + tone[1] + 1);
    });
  }

  // One utterance per language, queued: the display's language first, then English.
  function speak(call) {
    if (!soundOn || !window.speechSynthesis) return;
    var voices = speechSynthesis.getVoices();
    var utterances = order.map(function (lang) {
      var t = data.texts[lang] || {};
      var u = new SpeechSynthesisUtterance(fmt(t.speak, {number: call.number, counter: counterLabel(t, call.counter)}));
      u.lang = t.speechLang || t.lang || "ja-JP"; u.rate = 0.9;
      var prefix = u.lang.split("-")[0].toLowerCase();
      var voice = voices.filter(function (v) { return v.lang.toLowerCase().indexOf(prefix) === 0; })[0];
      if (voice) u.voice = voice;
      return u;
    });
    setTimeout(function () { utterances.forEach(function (u) { speechSynthesis.speak(u); }); }, 1100);
  }

  document.addEventListener("madoguchi:call", function (e) {
    var call = e.detail;
    announcement.textContent = "";
    order.forEach(function (lang, i) {
      var t = data.texts[lang] || {};
      if (i) announcement.appendChild(document.createElement("br"));
      var line = document.createElement("span");
      if (t.lang) line.lang = t.lang;
      line.textContent = fmt(t.announce, {number: call.number, counter: counterLabel(t, call.counter)});
      announcement.appendChild(line);
    });
    announcement.classList.remove("flash"); void announcement.offsetWidth; announcement.classList.add("flash");
    if (soundOn) { chime(); speak(call); }
  });

  // 「お呼びしましたがお越しでない番号」: no-shows of the last 30 minutes, from every board event.
  var missedSection = root.querySelector("[data-missed-section]");
  var missedList = root.querySelector("[data-missed]");
  function renderMissed(board) {
    if (!missedList || !board.missed) return;
    var until = board.missed_until || [];
    var key = board.missed.join(",") + "|" + until.join(",");
    if (missedList.getAttribute("data-key") !== key) {
      missedList.setAttribute("data-key", key);
      missedList.textContent = "";
      board.missed.forEach(function (n, i) {
        var li = document.createElement("li");
        li.textContent = n;
        if (until[i]) li.setAttribute("data-until", until[i]);
        missedList.appendChild(li);
      });
    }
    dropExpired();
  }
  // A number leaves the list 30 minutes after its call even when nothing else happens.
  function dropExpired() {
    if (!missedList) return;
    var now = Date.now();
    Array.prototype.forEach.call(missedList.querySelectorAll("li[data-until]"), function (li) {
      if (Date.parse(li.getAttribute("data-until")) <= now) li.parentNode.removeChild(li);
    });
    missedSection.hidden = !missedList.children.length;
  }
  setInterval(dropExpired, 15000);

  var lastBoard = null;
  document.addEventListener("madoguchi:board", function (e) { lastBoard = e.detail; renderMissed(e.detail); });
  function applyLanguage(index) {
    current = index;
    var t = T();
    if (t.lang) root.setAttribute("lang", t.lang);
    Array.prototype.forEach.call(root.querySelectorAll("[data-t]"), function (el) {
      var key = el.getAttribute("data-t");
      if (key === "soundEnable" && soundOn) key = "soundOn";
      if (t[key] != null) el.textContent = t[key];
    });
    Array.prototype.forEach.call(root.querySelectorAll("tr[data-category]"), function (tr) {
      var el = tr.querySelector("[data-category-name]"), name = (t.categories || {})[tr.getAttribute("data-category")];
      if (el && name) el.textContent = name;
    });
    if (window.MadoguchiLive) {
      window.MadoguchiLive.setText(t);
      if (lastBoard) window.MadoguchiLive.render(lastBoard, true);
    }
  }
  if (order.length > 1) setInterval(function () { applyLanguage((current + 1) % order.length); }, 10000);

  toggle.addEventListener("click", function () {
    // Browsers allow sound only after a user gesture; one click at start-up is enough.
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !audio) audio = new Ctx();
    soundOn = true;
    toggle.textContent = T().soundOn;
    toggle.classList.add("on");
    chime();
  });

  var clock = root.querySelector("[data-clock]");
  function tick() {
    var d = new Date();
    clock.textContent = d.toLocaleTimeString("ja-JP", {hour: "2-digit", minute: "2-digit", timeZone: "Asia/Tokyo"});
  }
  tick(); setInterval(tick, 10000);
})();
