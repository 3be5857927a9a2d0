// Minutes and concern forms: progressive enhancement only; every field
// works without this script. No inline handlers: a strict CSP is in force.
(function () {
  "use strict";

  function checkedValue(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function setHidden(element, hidden) {
    if (element) {
      element.hidden = hidden;
    }
  }

  function update(form) {
    // The absence reason only matters when the Core Member did not come.
    var reason = form.querySelector(".absence-reason");
    if (reason && form.querySelector('input[name="attendance"]')) {
      setHidden(reason, checkedValue(form, "attendance") !== "NO");
    }
    // The concern fields open when the volunteer says they want to raise one.
    var toggle = form.querySelector('input[name="raise_concern"]');
    var wanted = !toggle || toggle.checked;
    form.querySelectorAll(".concern-fields .mb-3, .concern-fields fieldset").forEach(function (group) {
      if (!group.contains(toggle)) {
        setHidden(group, !wanted);
      }
    });
    // The emergency panel shows as soon as a concern is red or someone is in danger.
    var imminent = form.querySelector('input[name="concern_imminent"]');
    var urgent =
      wanted && (checkedValue(form, "concern_severity") === "RED" || (imminent && imminent.checked));
    form.querySelectorAll("[data-urgent-only]").forEach(function (panel) {
      setHidden(panel, !urgent);
    });
  }

  document.querySelectorAll("form.minutes-form").forEach(function (form) {
    form.addEventListener("change", function () {
      update(form);
    });
    update(form);
  });
})();
