// Fieldvisit's own script: progressive enhancement only, every page works
// without it. htmx requests carry the session's CSRF token, read from the
// fieldvisit_csrf cookie, in the X-CSRF-Token header the server checks.
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)fieldvisit_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    var t = csrf();
    if (t) { e.detail.headers["X-CSRF-Token"] = t; }
  });
  // Buttons that ask before acting (data-confirm="question").
  document.addEventListener("submit", function (e) {
    var b = e.submitter || e.target.querySelector("[data-confirm]");
    var q = (b && b.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) { e.preventDefault(); }
  });
})();
