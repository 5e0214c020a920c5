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
// events; the bell shows the unread count and each new one appears as a toast. The stream is
// closed when the page is left: a page kept in the back/forward cache would otherwise hold its
// connection open, and after six pages a browser has no connection left for this site.
(function () {
  "use strict";
  var bell = document.getElementById("notif-bell");
  if (!bell || !window.EventSource) { return; }
  var count = document.getElementById("unread-count");
  var toasts = document.getElementById("live-toasts");
  var source = null;
  function onUnread(e) {
    var n = parseInt(e.data, 10) || 0;
    count.textContent = n > 0 ? String(n) : "";
    count.hidden = n === 0;
    bell.setAttribute("data-unread", String(n));
  }
  function onNotification(e) {
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
  }
  function open() {
    if (source) { return; }
    source = new EventSource(bell.getAttribute("data-events"));
    source.addEventListener("unread", onUnread);
    source.addEventListener("notification", onNotification);
  }
  function close() {
    if (source) { source.close(); source = null; }
  }
  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", function (e) { if (e.persisted) { open(); } });
  open();
})();
// Operator console (TEL-9): the agent bar follows the engine's events (server-sent, resumed by
// the browser with Last-Event-ID) and sends the engine's commands; the screen pop is fetched
// when a call is offered to this operator. After a reconnection the console asks the server
// for its agent's state (/console/state), so a dropped connection loses neither the call nor
// its timer (kept in sessionStorage). Answering asks the operator's phone to pick up
// (call.answer); Alt+M mutes or unmutes, as the last call.muted event says.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || !window.fetch) { return; }
  var agent = root.getAttribute("data-agent");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var $ = function (id) { return document.getElementById(id); };
  var msg = $("console-message"), stateEl = $("agent-state"), liveEl = $("live-state");
  var numberEl = $("call-number"), timerEl = $("call-timer"), callStateEl = $("call-state");
  var KEY = "tongdai.console.call";
  var current = null;
  try { current = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (err) { current = null; }
  function text(name) { return root.getAttribute("data-" + name) || ""; }
  function say(t, bad) { msg.textContent = t; msg.className = bad ? "flash error" : "flash success"; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    if (!current || !current.since) { timerEl.textContent = "00:00"; return; }
    var s = Math.max(0, Math.floor((Date.now() - current.since) / 1000));
    timerEl.textContent = pad(Math.floor(s / 60)) + ":" + pad(s % 60);
  }
  function setCall(c) {
    current = c;
    if (c) {
      sessionStorage.setItem(KEY, JSON.stringify(c));
      numberEl.textContent = c.number || "—";
    } else {
      sessionStorage.removeItem(KEY);
      numberEl.textContent = "—";
      callStateEl.textContent = "";
    }
    showCall();
    tick();
  }
  // The call's phase (offered, in_call, held) and whether the operator is muted.
  function showCall() {
    var muted = !!(current && current.muted);
    var mb = $("mute-button");
    if (mb) { mb.setAttribute("aria-pressed", muted ? "true" : "false"); }
    if (!current || !current.phase) { return; }
    callStateEl.textContent = label(current.phase) + (muted ? " · " + label("muted") : "");
    callStateEl.setAttribute("data-muted", muted ? "true" : "false");
  }
  setInterval(tick, 1000);
  function pop(number, callId) {
    fetch("/console/pop?number=" + encodeURIComponent(number || "") + "&call=" + encodeURIComponent(callId || ""),
      { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html) { $("pop-area").innerHTML = html; } });
  }
  function label(code) { return stateEl.getAttribute("data-" + code) || code; }
  function showStatus(s) {
    var code = (s && typeof s === "object") ? (s.status || Object.keys(s)[0]) : s;
    if (code) { stateEl.setAttribute("data-status", code); }
    render();
  }
  function showState(s) { if (s) { stateEl.setAttribute("data-state", s); } render(); }
  function render() {
    var st = stateEl.getAttribute("data-status"), sa = stateEl.getAttribute("data-state");
    var t = st ? label(st) : label("unknown");
    if (sa && sa !== "idle") { t += " · " + label(sa); }
    stateEl.textContent = t;
    stateEl.className = "badge " + (st === "available" ? "ok" : st === "logged_out" ? "" : "warn");
  }
  function key() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2); }
  function send(command) {
    return fetch("/api/v1/telephony/commands", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ idempotency_key: key(), command: command })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok) { say(text("sent")); } else { say(text("failed") + ": " + (j.message || j.error || r.status), true); }
      });
    }).catch(function () { say(text("failed"), true); });
  }
  function digits(v) { return (v || "").replace(/[^0-9+]/g, ""); }
  function build(name) {
    var c = { type: name };
    if (name.indexOf("agent.") === 0 || name === "call.originate" || name === "call.answer") { c.agent_id = agent; }
    if (name === "agent.pause") { c.reason = $("pause-reason").value; }
    if (name.indexOf("call.") === 0 && name !== "call.originate") {
      if (!current) { return null; }
      c.call_id = current.id;
    }
    if (name === "call.transfer.blind" || name === "call.transfer.attended.start") {
      c.target = digits($("transfer-target").value);
      if (!c.target) { $("transfer-target").focus(); return null; }
    }
    if (name === "call.originate") {
      c.number = digits($("dial-number").value);
      if (!c.number) { $("dial-number").focus(); return null; }
    }
    return c;
  }
  document.addEventListener("click", function (e) {
    if (!e.target.closest) { return; }
    var b = e.target.closest("[data-cmd]");
    if (b && root.contains(b)) { var c = build(b.getAttribute("data-cmd")); if (c) { send(c); } return; }
    var t = e.target.closest("[data-transfer]");
    if (t && root.contains(t)) {
      $("transfer-target").value = t.getAttribute("data-target");
      var kind = t.getAttribute("data-transfer") === "attended" ? "call.transfer.attended.start" : "call.transfer.blind";
      var c2 = build(kind);
      if (c2) { send(c2); }
    }
  });
  var keys = { l: "agent.login", a: "agent.unpause", p: "agent.pause", w: "agent.end_wrapup",
    y: "call.answer", enter: "call.answer", h: "call.hold", u: "call.unhold", x: "call.hangup",
    t: "call.transfer.blind" };
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || !e.key) { return; }
    var k = e.key.toLowerCase();
    if (k === "k") { e.preventDefault(); $("kb-q").focus(); return; }
    if (k === "n") {
      e.preventDefault();
      var l = $("pop-intake") || $("case-form-link");
      window.open(l.href, "case-form");
      return;
    }
    if (k === "m") {
      e.preventDefault();
      var m = build(current && current.muted ? "call.unmute" : "call.mute");
      if (m) { send(m); }
      return;
    }
    if (keys[k]) { e.preventDefault(); var c = build(keys[k]); if (c) { send(c); } }
  });
  function resync() {
    fetch("/console/state", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (s.status) { showStatus(s.status); }
        if (s.state) { showState(s.state); }
        if (s.call_id) {
          if (!current || current.id !== s.call_id) {
            setCall({ id: s.call_id, number: s.caller_number, since: s.state === "in_call" ? Date.now() : null,
              phase: s.state === "in_call" ? "in_call" : "offered" });
          }
          if (!$("pop").getAttribute("data-call")) { pop(s.caller_number, s.call_id); }
        } else if (current) {
          setCall(null);
        }
      });
  }
  function data(e) { try { return JSON.parse(e.data); } catch (err) { return {}; } }
  var source = null;
  function open() {
    if (source) { return; }
    source = new EventSource("/api/v1/telephony/events");
    source.addEventListener("open", function () { liveEl.textContent = text("live"); resync(); });
    source.addEventListener("error", function () { liveEl.textContent = text("offline"); });
    source.addEventListener("unavailable", function () { liveEl.textContent = text("offline"); });
    source.addEventListener("resync", resync);
    source.addEventListener("call.offered", function (e) {
      var d = data(e);
      if (d.agent_id !== agent) { return; }
      setCall({ id: d.call_id, number: d.caller_number, since: null, phase: "offered" });
      pop(d.caller_number, d.call_id);
    });
    source.addEventListener("call.answered", function (e) {
      var d = data(e);
      if (!current || d.call_id !== current.id) { return; }
      current.since = Date.now();
      current.phase = "in_call";
      setCall(current);
    });
    source.addEventListener("call.held", function (e) {
      var d = data(e);
      if (current && d.call_id === current.id) { current.phase = d.on_hold ? "held" : "in_call"; setCall(current); }
    });
    source.addEventListener("call.muted", function (e) {
      var d = data(e);
      if (current && d.call_id === current.id) { current.muted = !!d.muted; setCall(current); }
    });
    source.addEventListener("call.ended", function (e) {
      var d = data(e);
      if (current && d.call_id === current.id) { setCall(null); }
    });
    source.addEventListener("agent.status", function (e) { var d = data(e); if (d.agent_id === agent) { showStatus(d.status); } });
    source.addEventListener("agent.state", function (e) { var d = data(e); if (d.agent_id === agent) { showState(d.state); } });
  }
  function close() { if (source) { source.close(); source = null; } }
  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", function (e) { if (e.persisted) { open(); } });
  if (current) { numberEl.textContent = current.number || "—"; showCall(); tick(); }
  if (root.getAttribute("data-engine") === "on") { open(); } else { liveEl.textContent = text("offline"); }
})();
// Drafts of the case intake form (issue 7, resilience): what the operator types is saved in
// localStorage as they type, keyed by the call id, and restored if the page is reloaded or
// the connection drops; a submitted form forgets its draft.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  var callField = document.getElementById("call_id");
  if (!form || !window.localStorage) { return; }
  function draftKey() { return "tongdai.draft." + ((callField && callField.value.trim()) || "new"); }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "_csrf" && el.type !== "file" && el.type !== "submit" && el.type !== "button";
    });
  }
  var k = draftKey();
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(k) || "null"); } catch (err) { saved = null; }
  var hasErrors = form.querySelector(".has-error");
  if (saved && !hasErrors) {
    fields().forEach(function (el) {
      if (!(el.name in saved)) { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = saved[el.name + "=" + el.value] === true; }
      else if (!el.value || el.tagName === "SELECT" || el.type === "hidden") { el.value = saved[el.name]; }
    });
  }
  var pending = null;
  function save() {
    var d = {};
    fields().forEach(function (el) {
      d[el.name] = el.type === "checkbox" || el.type === "radio" ? true : el.value;
      if (el.type === "checkbox" || el.type === "radio") { d[el.name + "=" + el.value] = el.checked; }
    });
    try { localStorage.setItem(draftKey(), JSON.stringify(d)); } catch (err) { /* storage full */ }
  }
  form.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(save, 300); });
  form.addEventListener("change", save);
  form.addEventListener("submit", function () { localStorage.removeItem(draftKey()); });
})();
// Answer or forward from the intake form (CASE-3): "use this answer" on a knowledge-base result
// fills the form's answer; Alt+S records the case, Alt+R answers on the spot, Alt+F forwards
// (each through its own submit button, so the form's checks and the draft's clean-up run), Alt+K
// goes to the search box; the routing suggestion selects the agency until the operator picks one.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) { return; }
  var answer = document.getElementById("answer");
  var agency = document.getElementById("forward_agency_id");
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-use-answer]");
    if (!b || !answer) { return; }
    answer.value = b.getAttribute("data-answer") || "";
    answer.dispatchEvent(new Event("input", { bubbles: true }));
    answer.focus();
  });
  if (agency) {
    agency.addEventListener("change", function () { agency.setAttribute("data-chosen", "1"); });
    document.addEventListener("htmx:afterSwap", function (e) {
      if (agency.getAttribute("data-chosen") || !e.target || e.target.id !== "routing-hint") { return; }
      var s = document.getElementById("routing-suggestion");
      var id = s && s.getAttribute("data-agency-id");
      if (id && agency.querySelector('option[value="' + id + '"]')) { agency.value = id; }
    });
  }
  var actions = { s: "save", r: "answer", f: "forward" };
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.code && e.code.indexOf("Key") === 0 ? e.code.slice(3).toLowerCase() : (e.key || "").toLowerCase();
    if (k === "k") {
      var q = document.getElementById("kb-q");
      if (q) { e.preventDefault(); q.focus(); }
      return;
    }
    var b = actions[k] && form.querySelector('button[name="action"][value="' + actions[k] + '"]');
    if (!b) { return; }
    e.preventDefault();
    if (form.requestSubmit) { form.requestSubmit(b); } else { b.click(); }
  });
})();
// The wallboard's full-screen button (REP-5).
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("[data-fullscreen]");
  if (b && document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
});
// Click-to-call (TEL-10) from a case, a directory entry or the console: the engine rings the
// operator's own phone, then the number, with the hotline as caller id. Outside the console the
// operator's extension is asked from /console/state first.
document.addEventListener("click", function (e) {
  "use strict";
  var b = e.target.closest && e.target.closest("[data-dial]");
  if (!b || !window.fetch) { return; }
  var number = (b.getAttribute("data-dial") || "").replace(/[^0-9+]/g, "");
  if (!number) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var toasts = document.getElementById("live-toasts");
  function toast(t) {
    if (!toasts) { return; }
    var box = document.createElement("div");
    box.className = "toast";
    box.textContent = t;
    toasts.appendChild(box);
    setTimeout(function () { box.classList.add("old"); }, 15000);
  }
  fetch("/console/state", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (s) {
      if (!s.agent_id) { toast(b.getAttribute("data-no-agent") || "—"); return null; }
      return fetch("/api/v1/telephony/commands", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
        body: JSON.stringify({
          idempotency_key: "dial-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2),
          command: { type: "call.originate", agent_id: s.agent_id, number: number }
        })
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          toast(r.ok ? number + " ✓" : number + ": " + (j.message || j.error || r.status));
        });
      });
    });
});
