{% load static %}// The B12 log's service worker (served at /sw.js by reminders.views.service_worker,
// registered for signed-in patients by static/js/offline.js and by push.js). It shows the
// reminders the server pushes and handles their actions: the payload (reminders/push.py) holds
// the title, the body, the page a tap opens, the actions, and the snooze address.
//
// Offline use: the patient's home, the injection form and the check-in form are fetched from
// the network first; the last good copy of each (a response the server marked with
// X-Offline-Copy, accounts/offline.py) is kept in the Cache API and served when the network
// fails, stamped with the time it was kept (offline.js shows "Offline: shown as of ...").
// Static files are kept the same way, so those pages look and work as usual. Signing out, or
// a page that sends the browser to sign in, forgets every copy and the queue of entries.
"use strict";

var PAGES = "b12-pages-v1";
var STATIC = "b12-static-v1";
var OUTBOX_DB = "b12-offline";
var OFFLINE_PAGES = ["{% url 'home' %}", "{% url 'log_dose' %}", "{% url 'checkin' %}"];
var LOGOUT = "{% url 'logout' %}";
var STATIC_PREFIX = "{% get_static_prefix %}";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("b12-") === 0 && name !== PAGES && name !== STATIC;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// Health data on a shared device: every copy and every entry kept here goes.
function forgetAll() {
  return Promise.all([
    caches.delete(PAGES),
    caches.delete(STATIC),
    new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(OUTBOX_DB);
      request.onsuccess = request.onerror = request.onblocked = function () {
        resolve();
      };
    }),
  ]);
}

function withoutLength(headers) {
  var copy = new Headers(headers);
  copy.delete("Content-Length");
  copy.delete("Content-Encoding");
  return copy;
}

function keep(name, key, response, stamp) {
  return response.blob().then(function (body) {
    var headers = withoutLength(response.headers);
    if (stamp) {
      headers.set("X-Kept-At", String(Date.now()));
    }
    return caches.open(name).then(function (cache) {
      return cache.put(key, new Response(body, { status: 200, headers: headers }));
    });
  });
}

// The kept page, with the time it was kept written where offline.js reads it.
function keptPage(key) {
  return caches.match(key, { cacheName: PAGES }).then(function (found) {
    if (!found) {
      return Response.error();
    }
    var at = found.headers.get("X-Kept-At") || "0";
    return found.text().then(function (html) {
      return new Response(html.replace('data-kept-at=""', 'data-kept-at="' + at + '"'), {
        status: 200,
        headers: withoutLength(found.headers),
      });
    });
  });
}

function page(event, url) {
  var key = url.origin + url.pathname;
  return fetch(event.request)
    .then(function (response) {
      if (response.type === "opaqueredirect") {
        // Sent to sign in (the session ended) or elsewhere: no copy of these pages is kept.
        event.waitUntil(caches.delete(PAGES));
      } else if (response.status === 200 && response.headers.get("X-Offline-Copy") === "allowed") {
        event.waitUntil(keep(PAGES, key, response.clone(), true));
      }
      return response;
    })
    .catch(function () {
      return keptPage(key);
    });
}

function staticFile(event) {
  return fetch(event.request)
    .then(function (response) {
      if (response.status === 200 && response.type === "basic") {
        event.waitUntil(keep(STATIC, event.request.url, response.clone(), false));
      }
      return response;
    })
    .catch(function () {
      return caches.match(event.request.url, { cacheName: STATIC }).then(function (found) {
        return found || Response.error();
      });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname === LOGOUT) {
    event.waitUntil(forgetAll());  // the request itself goes on to the server
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (request.mode === "navigate" && OFFLINE_PAGES.indexOf(url.pathname) !== -1) {
    event.respondWith(page(event, url));
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(staticFile(event));
  }
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
