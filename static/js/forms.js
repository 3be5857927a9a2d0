// Forms that keep what is typed and send it once.
//
// * A form marked data-draft="on" is saved as a draft on the server while the user
//   types (every data-draft-seconds, only when something changed, and at once when
//   the page is hidden or the session is about to end). It is posted to the form's
//   own address with the X-Cosa-Draft header; nothing is kept in the browser.
// * Every POST form's buttons are disabled once it has been sent, so a double click
//   sends it once (the server's one-time token makes sure of it either way).
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function timeNow() {
    var now = new Date();
    return now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function Drafted(form) {
    this.form = form;
    this.dirty = false;
    this.sending = false;
    this.stopped = false;
    this.status = form.querySelector("[data-draft-status]");
    var seconds = parseInt(form.dataset.draftSeconds || "5", 10);
    var self = this;
    form.addEventListener("input", function () {
      self.dirty = true;
    });
    form.addEventListener("change", function () {
      self.dirty = true;
    });
    window.setInterval(function () {
      self.save();
    }, Math.max(1, seconds) * 1000);
  }

  Drafted.prototype.say = function (text) {
    if (this.status) {
      this.status.textContent = text;
    }
  };

  Drafted.prototype.save = function () {
    if (!this.dirty || this.sending || this.stopped) {
      return;
    }
    var self = this;
    var data = new FormData(this.form);
    Array.from(this.form.querySelectorAll("input[type=file]")).forEach(function (input) {
      data.delete(input.name);
    });
    this.dirty = false;
    this.sending = true;
    fetch(this.form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-Cosa-Draft": "save", "X-CSRFToken": csrfToken(this.form), Accept: "application/json" },
    })
      .then(function (response) {
        self.sending = false;
        if (response.status === 204) {
          self.say("Autosaved at " + timeNow() + ": kept if you are logged out.");
        } else if (response.status === 401) {
          self.stopped = true;
          self.say("You have been logged out. What you typed is kept: log in again to carry on.");
        } else {
          self.dirty = true;
          self.say("Autosave failed just now; it will try again.");
        }
      })
      .catch(function () {
        self.sending = false;
        self.dirty = true;
        self.say("Offline: autosave will try again when the connection is back.");
      });
  };

  var drafted = Array.from(document.querySelectorAll("form[data-draft=on]")).map(function (form) {
    return new Drafted(form);
  });

  function saveAll() {
    drafted.forEach(function (d) {
      d.save();
    });
  }
  document.addEventListener("cosa:save-drafts", saveAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveAll();
    }
  });

  Array.from(document.querySelectorAll("form[method=post]:not([data-resubmit]), form[method=POST]:not([data-resubmit])")).forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "yes") {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "yes";
      drafted.forEach(function (d) {
        if (d.form === form) {
          d.stopped = true;
        }
      });
      // After this turn, so that the pressed button's name and value are still sent.
      window.setTimeout(function () {
        Array.from(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")).forEach(
          function (button) {
            button.disabled = true;
            button.setAttribute("aria-disabled", "true");
          }
        );
      }, 0);
    });
  });

  // Back to a page kept in the browser's memory: the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    Array.from(document.querySelectorAll("form[data-sent=yes]")).forEach(function (form) {
      delete form.dataset.sent;
      Array.from(form.querySelectorAll("[aria-disabled=true]")).forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
