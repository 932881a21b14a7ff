// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var csrf = document.body.dataset.csrf;
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) { event.detail.headers["X-CSRF-Token"] = csrf; }
  });
  if (window.htmx) {
    // Swap validation errors into the page like successes; other errors stay visible as is.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true }
    ];
  }
});
