// Warn before the idle session ends, and offer to stay logged in.
// Settings come from data attributes on <body> (no inline script: strict CSP).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdleSeconds || "0", 10);
  var warnBefore = parseInt(body.dataset.sessionWarningSeconds || "120", 10);
  var keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  var loginUrl = body.dataset.sessionLoginUrl;
  var panel = document.getElementById("session-warning");
  if (!idle || !panel || !keepaliveUrl) {
    return;
  }
  var warnTimer = null;
  var endTimer = null;

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    panel.hidden = true;
    warnTimer = window.setTimeout(function () {
      panel.hidden = false;
      var button = panel.querySelector("button");
      if (button) {
        button.focus();
      }
    }, Math.max(0, (idle - warnBefore) * 1000));
    endTimer = window.setTimeout(function () {
      window.location.assign(loginUrl + "?next=" + encodeURIComponent(window.location.pathname));
    }, idle * 1000);
  }

  panel.querySelector("button").addEventListener("click", function () {
    fetch(keepaliveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.ok) {
          schedule();
        } else {
          window.location.assign(loginUrl);
        }
      });
  });
  schedule();
})();
