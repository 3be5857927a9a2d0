// Print buttons on the printable reports: shown only when this script runs.
document.querySelectorAll("[data-print-page]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
