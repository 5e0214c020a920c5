// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // htmx requests carry the CSRF token of the page.
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
  });
  // Confirm destructive actions.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Filters that apply as soon as a choice is made (no inline handlers: the CSP forbids them).
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.hasAttribute && t.hasAttribute("data-autosubmit") && t.form) { t.form.submit(); }
  });
  // Mobile menu.
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle-nav]");
    if (t) { document.body.classList.toggle("nav-open"); }
  });
})();
