// The B12 log's service worker (served at /sw.js by reminders.views.service_worker): it shows
// the reminders the server pushes and handles their actions. The payload (reminders/push.py)
// holds the title, the body, the page a tap opens, the actions, and the snooze address.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  var title = data.title || "B12 log reminder";
  var options = {
    body: data.body || "",
    tag: data.tag || "b12-reminder",
    renotify: true,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url: data.url || "/", actions: data.actions || [], snooze_url: data.snooze_url || "" },
    actions: (data.actions || []).map(function (a) {
      return { action: a.action, title: a.title };
    }),
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

function openPage(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if ("navigate" in list[i] && "focus" in list[i]) {
        return list[i].focus().then(function (client) {
          return client.navigate(url);
        });
      }
    }
    return self.clients.openWindow(url);
  });
}

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  if (event.action === "snooze" && data.snooze_url) {
    // The server sends it again an hour from now, if it is still due then.
    event.waitUntil(fetch(data.snooze_url, { method: "POST", credentials: "omit" }));
    return;
  }
  var url = data.url || "/";
  (data.actions || []).forEach(function (a) {
    if (a.action === event.action && a.url) {
      url = a.url;
    }
  });
  event.waitUntil(openPage(url));
});
