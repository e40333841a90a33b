/* 「カメラで読み取る」: the PC's camera reads the visitor's QR code in the browser (zxing-wasm,
   vendored: static/madoguchi/vendor/zxing-wasm-3.1.6-reader.js and its .wasm, both served
   here; no CDN is asked, city networks reach none). Each decoded text goes the way a desk
   scanner's does (cases.js MadoguchiScan.accept: a hand-over in parts is collected the same).
   The library and its 0.9 MB of wasm load on the first click only.
   The camera view is outside the case part, so the live redraws of the counter screen do not
   stop it. Esc or 「閉じる」 stops the camera. Loaded once (the tag is kept across redraws). */
(function () {
  "use strict";
  if (window.MadoguchiCamera) return;
  window.MadoguchiCamera = true;

  var ready = null;   // the library, loaded and pointed at the local wasm
  var session = null; // {box, video, stream, timer, last, button}

  function words(button, name) { return button.getAttribute("data-camera-" + name) || ""; }

  function library(button) {
    if (ready) return ready;
    ready = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.getAttribute("data-zxing-js");
      script.onload = function () { resolve(window.ZXingWASM); };
      script.onerror = function () { reject(new Error("zxing-wasm did not load")); };
      document.head.appendChild(script);
    }).then(function (zxing) {
      var wasm = button.getAttribute("data-zxing-wasm");
      // The library's default is a CDN address: every .wasm it asks for is ours instead.
      return Promise.resolve(zxing.prepareZXingModule({
        overrides: {locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; }},
        fireImmediately: true,
      })).then(function () { return zxing; });
    });
    ready.catch(function () { ready = null; });
    return ready;
  }

  function say(text, isError) {
    if (!session) return;
    session.status.textContent = text;
    session.status.className = "case-camera-status" + (isError ? " error" : "");
  }

  function stop() {
    if (!session) return;
    var s = session;
    session = null;
    clearTimeout(s.timer);
    if (s.stream) s.stream.getTracks().forEach(function (t) { t.stop(); });
    s.box.remove();
    var field = document.getElementById("case-scan");
    if (field && document.activeElement === document.body) field.focus();
  }

  function open(button) {
    if (session) return;
    var box = document.createElement("div");
    box.className = "case-camera";
    box.id = "case-camera-box";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", words(button, "title"));
    var title = document.createElement("p");
    title.className = "case-camera-title";
    title.textContent = words(button, "title");
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.className = "case-camera-status";
    status.setAttribute("data-camera-status", "");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn small";
    close.id = "case-camera-close";
    close.textContent = words(button, "close");
    close.addEventListener("click", stop);
    box.append(title, video, status, close);
    document.body.appendChild(box);
    session = {box: box, video: video, status: status, stream: null, timer: null, last: "", button: button};
    say(words(button, "starting"));
    close.focus();

    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(words(button, "insecure"), true);
      return;
    }
    var mine = session;
    Promise.all([
      navigator.mediaDevices.getUserMedia({audio: false, video: {facingMode: "environment",
                                                               width: {ideal: 1280}, height: {ideal: 720}}}),
      library(button),
    ]).then(function (got) {
      if (session !== mine) { got[0].getTracks().forEach(function (t) { t.stop(); }); return; }
      mine.stream = got[0];
      video.srcObject = got[0];
      return video.play().then(function () {
        say(words(button, "aim"));
        scan(got[1], mine);
      });
    }).catch(function (error) {
      if (session !== mine) return;
      var denied = error && /NotAllowed|NotFound|NotReadable|Overconstrained|Security/.test(error.name || "");
      say(words(button, denied ? "denied" : "failed"), true);
    });
  }

  function scan(zxing, mine) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", {willReadFrequently: true});
    function frame() {
      if (session !== mine) return;
      var video = mine.video, w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) { mine.timer = setTimeout(frame, 100); return; }
      canvas.width = w;
      canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      zxing.readBarcodes(context.getImageData(0, 0, w, h), {formats: ["QRCode"], tryHarder: true,
                                                            maxNumberOfSymbols: 1})
        .then(function (results) {
          if (session !== mine) return;
          var found = results.filter(function (r) { return r.isValid && r.text; })[0];
          // The same code stays in view for many frames: it counts once.
          if (found && found.text !== mine.last) {
            mine.last = found.text;
            var outcome = window.MadoguchiScan ? window.MadoguchiScan.accept(found.text) : "none";
            if (outcome === "sent") { stop(); return; }
            var parts = document.getElementById("case-scan-parts");
            if (parts && !parts.hidden && parts.lastChild) say(parts.lastChild.textContent);
          }
          mine.timer = setTimeout(frame, 120);
        }, function () { if (session === mine) mine.timer = setTimeout(frame, 500); });
    }
    frame();
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-camera-start]");
    if (button) { e.preventDefault(); open(button); }
  });
  document.addEventListener("keydown", function (e) {
    if (session && e.key === "Escape") { e.preventDefault(); e.stopImmediatePropagation(); stop(); }
  }, true);
})();
