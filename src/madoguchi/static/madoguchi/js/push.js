/* Turn-notice opt-in on the ticket page: Web Push through /sw.js, email as the second channel.
   Texts come from the snippet's data-msg-* attributes (rendered through gettext). */
(function () {
  "use strict";
  var root = document.querySelector("[data-notices]");
  if (!root) return;
  var ds = root.dataset;
  var area = root.querySelector("[data-push-area]");
  var onBtn = root.querySelector("[data-push-on]");
  var offBtn = root.querySelector("[data-push-off]");
  var pushMsg = root.querySelector("[data-push-message]");
  var storeKey = "madoguchi-notice-" + ds.ticket;

  function say(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.className = "alert" + (kind ? " " + kind : "");
    el.hidden = !text;
  }

  function b64ToBytes(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function postJSON(url, body) {
    return fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
                       body: JSON.stringify(body), credentials: "same-origin"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { var err = new Error(data.message || ds.msgError); err.server = true; throw err; }
          return data;
        });
      });
  }

  function isIOS() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }
  function standalone() {
    return window.navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function showSubscribed(on) {
    onBtn.hidden = on;
    offBtn.hidden = !on;
  }

  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window &&
    window.isSecureContext !== false;
  if (!supported) {
    say(pushMsg, isIOS() && !standalone() ? ds.msgIos : ds.msgUnsupported, "");
  } else {
    area.hidden = false;
    if (Notification.permission === "denied") say(pushMsg, ds.msgDenied, "error");
    navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg && reg.pushManager.getSubscription();
    }).then(function (sub) {
      showSubscribed(!!(sub && localStorage.getItem(storeKey) === sub.endpoint));
    }).catch(function () {});
  }

  function subscribe() {
    if (Notification.permission === "denied") { say(pushMsg, ds.msgDenied, "error"); return; }
    onBtn.disabled = true;
    say(pushMsg, ds.msgWorking, "");
    // Ask for permission first, straight from the tap (some browsers require it).
    Promise.resolve(Notification.requestPermission()).then(function (permission) {
      if (permission !== "granted") { var e = new Error(ds.msgDenied); e.denied = true; throw e; }
      return Promise.all([
        navigator.serviceWorker.register(ds.swUrl, {scope: "/"}).then(function () { return navigator.serviceWorker.ready; }),
        fetch(ds.publicKeyUrl, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); })
      ]);
    }).then(function (both) {
      var reg = both[0], key = b64ToBytes(both[1].vapid_public_key);
      return reg.pushManager.getSubscription().then(function (existing) {
        return existing || reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key});
      });
    }).then(function (sub) {
      var json = sub.toJSON();
      return postJSON(ds.pushUrl, {endpoint: json.endpoint, keys: json.keys, lang: ds.lang}).then(function (data) {
        try { localStorage.setItem(storeKey, json.endpoint); } catch (e) { /* private mode */ }
        showSubscribed(true);
        say(pushMsg, data.message, "ok");
      });
    }).catch(function (err) {
      say(pushMsg, err.denied ? ds.msgDenied : (err.server ? err.message : ds.msgError), "error");
    }).then(function () { onBtn.disabled = false; });
  }

  function unsubscribe() {
    offBtn.disabled = true;
    navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg && reg.pushManager.getSubscription();
    }).then(function (sub) {
      if (!sub) return {message: ds.msgOff};
      return postJSON(ds.pushOffUrl, {endpoint: sub.endpoint});
    }).then(function (data) {
      try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
      showSubscribed(false);
      say(pushMsg, data.message || ds.msgOff, "ok");
    }).catch(function (err) {
      say(pushMsg, err.server ? err.message : ds.msgError, "error");
    }).then(function () { offBtn.disabled = false; });
  }

  if (onBtn) onBtn.addEventListener("click", subscribe);
  if (offBtn) offBtn.addEventListener("click", unsubscribe);

  var form = root.querySelector("[data-email-form]");
  if (form) {
    var emailMsg = form.querySelector("[data-email-message]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[name=email]");
      if (!input.checkValidity()) { input.reportValidity(); return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      postJSON(ds.emailUrl, {email: input.value, lang: ds.lang}).then(function (data) {
        say(emailMsg, data.message, "ok");
        input.value = "";
      }).catch(function (err) {
        say(emailMsg, err.server ? err.message : ds.msgError, "error");
      }).then(function () { button.disabled = false; });
    });
  }
})();
