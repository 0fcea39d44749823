// A long calculation: on submit the form says it is working and its button
// waits, so nobody sends it twice. Without script the form works the same.
// A button marked data-no-busy (a download: the page stays) leaves the form
// as it is.
(function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.hasAttribute("data-no-busy")) { return; }
      var status = form.querySelector("[data-busy-status]");
      var button = form.querySelector("button[type=submit]");
      if (status) { status.textContent = form.getAttribute("data-busy"); }
      if (button) { button.setAttribute("aria-disabled", "true"); button.disabled = true; }
      form.setAttribute("aria-busy", "true");
    });
  });
})();
