// Offline use for a signed-in patient (on every page of theirs, templates/_offline.html).
// - Registers the service worker (/sw.js), which keeps the last good copy of the home, the
//   injection form and the check-in form; on a kept copy, shows "Offline: shown as of ...".
// - The injection and check-in forms (data-offline-form) submitted offline are kept on this
//   device (IndexedDB), with every field and the form's submission token, as "waiting to send";
//   they are sent when the connection is back (the online event, and the next page load) with
//   a fresh CSRF token, and then say "recorded". The server records a token once, so sending
//   one twice records one. An answer other than the usual redirect (an early dose to confirm,
//   a dose already logged that day, a field to correct) makes the entry "needs your
//   attention": its link posts the kept fields to the form, so the server's own page shows.
// - Signing out deletes the copies and the entries (the service worker does it too).
(function () {
  "use strict";
  var box = document.getElementById("offline");
  if (!box || !("serviceWorker" in navigator) || !("indexedDB" in window) || !window.fetch) {
    return;
  }
  var text = box.dataset;
  var user = Number(text.user);
  var DB = "b12-offline";
  var STORE = "outbox";
  var PAGE_CACHES = ["b12-pages-v1", "b12-static-v1"];
  var note = document.getElementById("offline-note");
  var outbox = document.getElementById("outbox");
  var list = document.getElementById("outbox-list");
  var status = document.getElementById("outbox-status");

  navigator.serviceWorker.register(text.worker, { scope: "/" }).catch(function () {});

  // The queue (IndexedDB: one store, keyed by the form's submission token) -------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "token" });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function inStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  function mine() {
    return inStore("readonly", function (store) {
      return store.getAll();
    }).then(function (items) {
      return items.filter(function (item) {
        return item.user === user;
      });
    });
  }

  function save(item) {
    return inStore("readwrite", function (store) {
      return store.put(item);
    });
  }

  function drop(token) {
    return inStore("readwrite", function (store) {
      return store.delete(token);
    });
  }

  // Showing it ---------------------------------------------------------------------------------

  function timeText(ms) {
    var options = { dateStyle: "medium", timeStyle: "short" };
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, Object.assign({ timeZone: text.timeZone }, options)).format(new Date(ms));
    } catch (e) {
      return new Date(ms).toLocaleString();
    }
  }

  function render() {
    return mine().then(function (items) {
      list.textContent = "";
      items.sort(function (a, b) {
        return a.saved - b.saved;
      });
      items.forEach(function (item) {
        var row = document.createElement("li");
        row.className = "d-flex flex-wrap align-items-center gap-2 py-1";
        row.dataset.testid = "outbox-item";
        var what = document.createElement("span");
        what.textContent = (item.kind === "checkin" ? text.checkin : text.dose) + " · " + text.saved.replace("{time}", timeText(item.saved));
        var state = document.createElement("strong");
        state.dataset.testid = "outbox-state";
        state.textContent = text[item.state];
        state.className = item.state === "recorded" ? "text-success" : item.state === "attention" ? "text-danger" : "text-muted";
        row.append(what, state);
        if (item.state === "attention") {
          var open = document.createElement("button");
          open.type = "button";
          open.className = "btn btn-sm btn-primary";
          open.textContent = text.open;
          open.addEventListener("click", function () {
            reopen(item);
          });
          var discard = document.createElement("button");
          discard.type = "button";
          discard.className = "btn btn-sm btn-outline-secondary";
          discard.textContent = text.discard;
          discard.addEventListener("click", function () {
            drop(item.token).then(render);
          });
          row.append(open, discard);
        }
        list.append(row);
      });
      outbox.hidden = items.length === 0;
      var waiting = items.some(function (item) {
        return item.state === "waiting";
      });
      if (!waiting) {
        status.textContent = "";
      }
      return items;
    });
  }

  // Sending ------------------------------------------------------------------------------------

  // A fresh CSRF token, from a session of the patient who logged the entries; null otherwise.
  function freshToken() {
    return fetch(text.tokenUrl, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        return answer && answer.user === user ? answer.csrf : null;
      });
  }

  function formData(item, csrf) {
    var body = new FormData();
    item.fields.forEach(function (field) {
      body.append(field[0], field[1]);
    });
    body.set("csrfmiddlewaretoken", csrf);
    return body;
  }

  function send(item, csrf) {
    return fetch(item.url, { method: "POST", body: formData(item, csrf), credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        // Recorded (or recorded before, under the same token): the usual redirect.
        item.state = response.type === "opaqueredirect" ? "recorded" : "attention";
        return save(item);
      })
      .catch(function () {}); // no connection: it waits for the next try
  }

  var sending = null;
  function sendWaiting() {
    if (sending) {
      return sending;
    }
    sending = mine()
      .then(function (items) {
        var waiting = items.filter(function (item) {
          return item.state === "waiting";
        });
        if (!waiting.length || !navigator.onLine) {
          return;
        }
        return freshToken().then(function (csrf) {
          if (!csrf) {
            return;
          }
          return waiting.reduce(function (done, item) {
            return done.then(function () {
              return send(item, csrf);
            });
          }, Promise.resolve());
        });
      })
      .catch(function () {})
      .then(function () {
        sending = null;
        return render();
      });
    return sending;
  }

  // "Open the form": the kept fields posted to the form, so the server's own page shows (the
  // early dose to confirm, the field to correct). The entry is then that page's to finish.
  function reopen(item) {
    freshToken().then(function (csrf) {
      if (!csrf) {
        return;
      }
      var form = document.createElement("form");
      form.method = "post";
      form.action = item.url;
      form.hidden = true;
      formData(item, csrf).forEach(function (value, name) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
      });
      document.body.append(form);
      return drop(item.token).then(function () {
        form.submit();
      });
    }).catch(function () {});
  }

  // Keeping a form submitted offline -----------------------------------------------------------

  function keepOffline(form, submitter) {
    var fields = [];
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    data.forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        fields.push([name, value]);
      }
    });
    var token = form.querySelector("[name=submission_token]");
    return save({
      token: token ? token.value : String(Date.now()),
      user: user,
      kind: form.dataset.offlineForm,
      url: form.getAttribute("action") || window.location.pathname,
      fields: fields,
      saved: Date.now(),
      state: "waiting",
    }).then(function () {
      status.textContent = text.kept;
      return render();
    }).then(function () {
      outbox.scrollIntoView();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-form]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) {
        return;
      }
      event.preventDefault();
      keepOffline(form, event.submitter);
    });
  });

  // A kept copy of a page ----------------------------------------------------------------------

  function newToken() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  // "2025-03-04T09:41" now, in the patient's time zone (the form's "When" field).
  function localNow() {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone: text.timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date())
        .forEach(function (part) {
          parts[part.type] = part.value;
        });
      return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
    } catch (e) {
      return null;
    }
  }

  if (text.keptAt) {
    note.textContent = text.shownAsOf.replace("{time}", timeText(Number(text.keptAt)));
    note.hidden = false;
    // The messages of the visit it was kept from are not news now.
    Array.prototype.forEach.call(document.querySelectorAll("[data-message]"), function (message) {
      message.remove();
    });
    // Each form filled in from a kept copy is a new entry: a token of its own, and now as
    // the time of the injection (the copy's was the time it was kept).
    Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-form] [name=submission_token]"), function (input) {
      input.value = newToken();
    });
    var when = document.querySelector("form[data-offline-form] [name=administered_at]");
    var now = localNow();
    if (when && now) {
      when.value = now;
    }
  }

  // Signing out: the copies and the entries go (health data on a shared device); entries not
  // recorded yet are named first.
  Array.prototype.forEach.call(document.querySelectorAll('form[action="' + text.logout + '"]'), function (form) {
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed) {
        return;
      }
      event.preventDefault();
      mine()
        .then(function (items) {
          var unsent = items.filter(function (item) {
            return item.state !== "recorded";
          });
          if (unsent.length && !window.confirm(text.signOut)) {
            throw new Error("kept");
          }
        })
        .then(function () {
          return Promise.all(
            PAGE_CACHES.map(function (name) {
              return window.caches ? caches.delete(name) : null;
            }).concat([
              inStore("readwrite", function (store) {
                return store.clear();
              }),
            ])
          );
        })
        .then(
          function () {
            confirmed = true;
            form.submit();
          },
          function (error) {
            if (!error || error.message !== "kept") {
              confirmed = true;
              form.submit();
            }
          }
        );
    });
  });

  // The entries recorded before this page are done with; the waiting ones are sent now.
  mine()
    .then(function (items) {
      return Promise.all(
        items
          .filter(function (item) {
            return item.state === "recorded";
          })
          .map(function (item) {
            return drop(item.token);
          })
      );
    })
    .catch(function () {})
    .then(sendWaiting);
  window.addEventListener("online", sendWaiting);
})();
