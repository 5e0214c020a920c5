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
  // Print buttons of the public pages.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
  // Mobile menu.
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle-nav]");
    if (t) { document.body.classList.toggle("nav-open"); }
  });
})();
// Live notifications (CASE-5): the server pushes new in-app notifications over server-sent
// events; the bell shows the unread count and each new one appears as a toast.
(function () {
  "use strict";
  var bell = document.getElementById("notif-bell");
  if (!bell || !window.EventSource) { return; }
  var count = document.getElementById("unread-count");
  var toasts = document.getElementById("live-toasts");
  var source = new EventSource(bell.getAttribute("data-events"));
  source.addEventListener("unread", function (e) {
    var n = parseInt(e.data, 10) || 0;
    count.textContent = n > 0 ? String(n) : "";
    count.hidden = n === 0;
    bell.setAttribute("data-unread", String(n));
  });
  source.addEventListener("notification", function (e) {
    var n;
    try { n = JSON.parse(e.data); } catch (err) { return; }
    if (!toasts) { return; }
    var box = document.createElement("a");
    box.className = "toast";
    box.href = n.link || "/notifications";
    var title = document.createElement("strong");
    title.textContent = n.title;
    var when = document.createElement("span");
    when.className = "small muted";
    when.textContent = " " + (n.at || "");
    box.appendChild(title);
    box.appendChild(when);
    toasts.appendChild(box);
    setTimeout(function () { box.classList.add("old"); }, 30000);
  });
})();
