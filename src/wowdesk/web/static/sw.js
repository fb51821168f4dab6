/* WowDesk console service worker: keeps the app shell (styles, script, icons, offline page) so the
   console opens and explains itself without a connection, and shows Web Push notifications for
   new assignments and customer replies while no console tab is in front. Pages themselves are
   never cached: what an agent saw stays on the server. */
"use strict";

const VERSION = "__VERSION__";
const SHELL = ["__SHELL__"];
const CACHE = "wowdesk-shell-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("wowdesk-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match("/offline").then((r) => r || Response.error()))
    );
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/icons/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok && url.searchParams.get("v") === VERSION) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "WowDesk", body: event.data ? event.data.text() : "" }; }
  const url = data.url || "/inbox";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const watching = windows.some((w) => w.focused && w.visibilityState === "visible");
      if (watching) {
        windows.forEach((w) => w.postMessage({ type: "push", data: data }));
        return undefined;
      }
      return self.registration.showNotification(data.title || "WowDesk", {
        body: data.body || "",
        tag: data.tag || undefined,
        renotify: Boolean(data.tag),
        icon: "/icons/icon-192.png",
        badge: "/icons/icon-192.png",
        data: { url: url },
      });
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/inbox";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const w of windows) {
        if (new URL(w.url).pathname === url && "focus" in w) return w.focus();
      }
      if (windows.length && "navigate" in windows[0]) {
        return windows[0].navigate(url).then((w) => w && w.focus());
      }
      return self.clients.openWindow(url);
    })
  );
});
