// Warn before the idle session ends, and offer to stay logged in.
// Settings come from data attributes on <body> (no inline script: strict CSP).
//
// Typing counts as activity: while the user types in any field, the page pings the
// keep-alive (at most once a minute), which restarts the server's idle clock and
// this page's timers. A page view restarts the server's clock once a minute at most;
// the page starts from what the server says is left. Draft autosaves (forms.js) never do: a page left open still
// logs out. Just before the end, the page asks forms.js to save every draft, then
// goes to the login page, which says why and comes back here afterwards.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdleSeconds || "0", 10);
  // The server restarts its idle clock on a page view only once a minute, so this page
  // may have a little less than the full idle time left: the server says how much.
  var left = parseInt(body.dataset.sessionSecondsLeft || String(idle), 10);
  var warnBefore = parseInt(body.dataset.sessionWarningSeconds || "120", 10);
  var keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  var loginUrl = body.dataset.sessionLoginUrl;
  var panel = document.getElementById("session-warning");
  if (!idle || !panel || !keepaliveUrl) {
    return;
  }
  var PING_EVERY_MS = Math.min(60, Math.max(5, Math.floor(idle / 4))) * 1000;
  var warnTimer = null;
  var saveTimer = null;
  var endTimer = null;
  var lastPing = Date.now();
  var pinging = false;

  function goToLogin() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?reason=idle&next=" + encodeURIComponent(next));
  }

  function schedule(seconds) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(saveTimer);
    window.clearTimeout(endTimer);
    panel.hidden = true;
    warnTimer = window.setTimeout(function () {
      panel.hidden = false;
      var button = panel.querySelector("button");
      if (button) {
        button.focus();
      }
    }, Math.max(0, (seconds - warnBefore) * 1000));
    saveTimer = window.setTimeout(function () {
      document.dispatchEvent(new CustomEvent("cosa:save-drafts"));
    }, Math.max(0, (seconds - 15) * 1000));
    // Two seconds after the server's own limit, so that the login page sees it ended.
    endTimer = window.setTimeout(goToLogin, (seconds + 2) * 1000);
  }

  function keepAlive() {
    if (pinging) {
      return;
    }
    pinging = true;
    fetch(keepaliveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        pinging = false;
        if (response.ok) {
          lastPing = Date.now();
          schedule(idle);
        } else {
          goToLogin();
        }
      })
      .catch(function () {
        pinging = false;
      });
  }

  panel.querySelector("button").addEventListener("click", keepAlive);
  // Only real input events: a key typed, a choice made.
  document.addEventListener(
    "input",
    function (event) {
      if (event.isTrusted && Date.now() - lastPing >= PING_EVERY_MS) {
        keepAlive();
      }
    },
    true
  );
  schedule(left);
})();
