// The error summary at the top of a form that was sent back with problems (GOV.UK
// pattern): focus moves to it when the page loads, so a screen reader announces it
// and a keyboard user starts there; each link moves focus to its field and scrolls
// the field's label into view, not only the input.
(function () {
  "use strict";

  function labelFor(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    var fieldset = input.closest("fieldset");
    return (fieldset && fieldset.querySelector("legend")) || label || input;
  }

  function init() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-error-field]");
      if (!link) {
        return;
      }
      var input = document.getElementById(link.dataset.errorField);
      if (!input) {
        return;
      }
      event.preventDefault();
      labelFor(input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
