/* Lobby display: chime and spoken call in Japanese for every call and recall. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-mode=display]");
  if (!root) return;
  var T = window.MADOGUCHI_TEXT || {};
  var fmt = window.MadoguchiLive ? window.MadoguchiLive.fmt : function (s) { return s; };
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

  function speak(text) {
    if (!soundOn || !window.speechSynthesis) return;
    var u = new SpeechSynthesisUtterance(text);
    u.lang = "ja-JP"; u.rate = 0.9;
    var ja = speechSynthesis.getVoices().filter(function (v) { return v.lang.indexOf("ja") === 0; })[0];
    if (ja) u.voice = ja;
    setTimeout(function () { speechSynthesis.speak(u); }, 1100);
  }

  document.addEventListener("madoguchi:call", function (e) {
    var call = e.detail;
    var values = {number: call.number, counter: call.counter};
    announcement.textContent = fmt(T.announce, values);
    announcement.classList.remove("flash"); void announcement.offsetWidth; announcement.classList.add("flash");
    if (soundOn) { chime(); speak(fmt(T.speak, values)); }
  });

  toggle.addEventListener("click", function () {
    // Browsers allow sound only after a user gesture; one click at start-up is enough.
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !audio) audio = new Ctx();
    soundOn = true;
    toggle.textContent = T.soundOn;
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
