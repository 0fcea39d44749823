// A long calculation: on submit the form says it is working and its button
// waits, so nobody sends it twice. Without script the form works the same.
(function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var status = form.querySelector("[data-busy-status]");
      var button = form.querySelector("button[type=submit]");
      if (status) { status.textContent = form.getAttribute("data-busy"); }
      if (button) { button.setAttribute("aria-disabled", "true"); button.disabled = true; }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
