/* Madoguchi service worker: shows turn notices and opens the ticket page on tap.
   Served at /sw.js (scope "/") by madoguchi.notices.views.service_worker. */
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = {body: event.data.text()}; }
  }
  var called = data.kind === "called";
  var options = {
    body: data.body || "",
    tag: data.tag || "madoguchi",
    renotify: true,
    requireInteraction: called,
    vibrate: called ? [400, 150, 400, 150, 400] : [200, 100, 200],
    lang: data.lang || "ja",
    icon: "/static/madoguchi/favicon.svg",
    data: {url: data.url || "/"}
  };
  event.waitUntil(self.registration.showNotification(data.title || "Madoguchi", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      var client = list[i];
      if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
    }
    return self.clients.openWindow ? self.clients.openWindow(target.href) : null;
  }));
});
