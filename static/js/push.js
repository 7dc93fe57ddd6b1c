// "Turn on notifications on this device" on the reminder settings page: registers the service
// worker (/sw.js), subscribes with the site's public VAPID key and posts the subscription to
// the server (with the page's CSRF token), which lists the device. Shown only where the
// browser can do it.
(function () {
  "use strict";
  var box = document.getElementById("push-turn-on");
  if (!box) {
    return;
  }
  var button = box.querySelector("button");
  var status = document.getElementById("push-status");
  var form = box.querySelector("form");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    status.textContent = box.dataset.unsupported;
    return;
  }
  box.hidden = false;

  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function say(text) {
    status.textContent = text;
    button.disabled = false;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = box.dataset.working;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error("denied");
        }
        return navigator.serviceWorker.register(box.dataset.worker, { scope: "/" });
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.dataset.key),
        });
      })
      .then(function (subscription) {
        var json = subscription.toJSON();
        var body = new FormData(form);
        body.set("endpoint", json.endpoint);
        body.set("p256dh", json.keys.p256dh);
        body.set("auth", json.keys.auth);
        // The server answers with a redirect to this page, whose message says it is done:
        // not followed here, so that the reload shows it.
        return fetch(form.action, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          redirect: "manual",
        });
      })
      .then(function (response) {
        if (!response.ok && response.type !== "opaqueredirect") {
          throw new Error("refused");
        }
        window.location.hash = "push";
        window.location.reload();
      })
      .catch(function (error) {
        say(error && error.message === "denied" ? box.dataset.denied : box.dataset.failed);
      });
  });
})();
