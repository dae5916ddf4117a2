// Lotse counter pages: what the workplace (index.html) and the information
// desk (desk.html) share — texts in German and English, the API with its
// session cookie and CSRF token, the login dialog that also comes back when
// a session expires, the live stream and the status line.
//
// Plain JavaScript, no build step, nothing loaded from outside the hub.
"use strict";

const Lotse = (() => {
  // ---------- texts ----------
  const i18n = { lang: "de", texts: {}, fallback: {} };

  async function loadTexts(lang) {
    const get = async (l) => {
      const r = await fetch("i18n/" + l + ".json", { cache: "no-cache" });
      if (!r.ok) throw new Error("texts " + l + ": " + r.status);
      return r.json();
    };
    if (!Object.keys(i18n.fallback).length) i18n.fallback = await get("de");
    i18n.texts = lang === "de" ? i18n.fallback : await get(lang);
    i18n.lang = lang;
    document.documentElement.lang = lang;
    try { localStorage.setItem("lotse.lang", lang); } catch (e) { /* private mode */ }
  }

  // t returns the text for key, with {name} placeholders filled in.
  function t(key, vars) {
    let s = i18n.texts[key];
    if (s === undefined) s = i18n.fallback[key];
    if (s === undefined) s = key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
    return s;
  }

  // applyTexts fills every element marked with data-i18n (text),
  // data-i18n-placeholder, data-i18n-aria and data-i18n-title.
  function applyTexts(root) {
    root = root || document;
    root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    root.querySelectorAll("[data-i18n-aria]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nAria)); });
    root.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    document.title = t(document.body.dataset.titleKey || "app.title");
  }

  function initialLang() {
    let l = "";
    try { l = localStorage.getItem("lotse.lang") || ""; } catch (e) { /* private mode */ }
    return l === "en" || l === "de" ? l : "de";
  }

  // ---------- small DOM helpers ----------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const $ = (sel) => document.querySelector(sel);

  // ---------- offices ----------
  let offices = [];
  async function loadOffices() {
    const r = await fetch("/api/v1/offices", { cache: "no-store" });
    if (!r.ok) throw new Error("offices: " + r.status);
    offices = await r.json();
    return offices;
  }
  const office = (id) => offices.find((o) => o.id === id);

  function serviceName(o, id) {
    const s = o && (o.services || []).find((x) => x.id === id);
    return s ? s.name : id;
  }
  function counterName(o, id) {
    const c = o && (o.counters || []).find((x) => x.id === id);
    return c ? c.name : id;
  }

  // clock formats a time as HH:MM in the office's time zone, so that a
  // desk PC with a wrong zone still shows the times on the appointment.
  function clock(iso, o) {
    if (!iso) return "";
    const opts = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (o && o.timezone) opts.timeZone = o.timezone;
    try { return new Intl.DateTimeFormat(i18n.lang === "en" ? "en-GB" : "de-DE", opts).format(new Date(iso)); }
    catch (e) { delete opts.timeZone; return new Intl.DateTimeFormat("de-DE", opts).format(new Date(iso)); }
  }

  // services lists a ticket's or appointment's services: "2 × Anmeldung, Meldebescheinigung".
  function services(list) {
    return (list || []).map((s) => (s.count > 1 ? s.count + " × " : "") + (s.name || s.service)).join(", ");
  }

  // requestId identifies one click. crypto.randomUUID exists only on
  // https and localhost; offices run the hub over plain http on a closed
  // network, so the id is built from getRandomValues, which exists everywhere.
  function requestId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // ---------- session and API ----------
  // active: the page runs with state.session; a login at another place
  // then reloads the page.
  const state = { session: null, active: false, onSession: [] };

  // request calls the API. It resolves to {ok, status, data} or
  // {ok:false, status, error:{code, message}}; it never rejects. A 401
  // first looks for a session another tab opened, then brings back the
  // login dialog and, after a successful login, repeats the request.
  async function request(method, path, body, retried) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf;
    let r;
    // The hub answers within 10 s or gives up itself; a request hanging
    // longer means the network is gone, and the buttons must come back.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 20000);
    try {
      r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store", signal: abort.signal });
    } catch (e) {
      return { ok: false, status: 0, error: { code: "network", message: String(e) } };
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if (r.status !== 204) {
      try { data = await r.json(); } catch (e) { data = null; }
    }
    if (r.ok) return { ok: true, status: r.status, data };
    const error = (data && data.error) || { code: r.status >= 500 ? "internal" : "invalid", message: "HTTP " + r.status };
    if (r.status === 401 && !retried && path !== "/api/v1/session") {
      if (await adoptSession()) return request(method, path, body, true);
      // The hub ended the session: say why, not just "expired".
      await requireLogin(endedMessage[error.code] || "login.expired");
      return request(method, path, body, true);
    }
    return { ok: false, status: r.status, error };
  }

  // endedMessage names why the hub ended a session (see auth.go).
  const endedMessage = { session_taken_over: "login.takenOver", session_ended: "login.ended" };

  // adoptSession takes over a valid session of the same office, e.g. one
  // that the desk opened in another tab (which changed the CSRF token).
  async function adoptSession() {
    const prev = state.session;
    const r = await request("GET", "/api/v1/session");
    if (!r.ok || !prev || r.data.office !== prev.office || r.data.csrf === prev.csrf) return false;
    setSession(Object.assign({}, r.data, { counter: prev.counter }));
    return true;
  }

  function setSession(s) {
    state.session = s;
    try { sessionStorage.setItem("lotse.session", JSON.stringify({ office: s.office, counter: s.counter, user: s.user })); } catch (e) { /* ignore */ }
    state.onSession.forEach((f) => f(s));
  }

  function remembered() {
    try { return JSON.parse(sessionStorage.getItem("lotse.session") || "null") || {}; } catch (e) { return {}; }
  }

  async function logout() {
    const r = await request("DELETE", "/api/v1/session?pause=1"); // leaving the counter closes it
    state.session = null;
    try { sessionStorage.removeItem("lotse.session"); } catch (e) { /* ignore */ }
    // A login through the city's provider ends there too, or the next
    // clerk at this PC would be logged in as this one.
    if (r.ok && r.data && r.data.logoutUrl) { location.href = r.data.logoutUrl; return; }
    location.reload();
  }

  // ---------- login dialog ----------
  // The dialog's markup, shared by the workplace and the desk. Static text
  // only: nothing from outside is put into it.
  const loginMarkup = `
<div id="login" class="login-overlay" hidden>
  <form id="login-form" class="login-box" autocomplete="on">
    <h1><span>Lotse</span> – <span data-i18n="login.title">Anmeldung</span></h1>
    <p id="login-message" class="login-message" role="status" hidden></p>
    <label class="field"><span data-i18n="login.office">Bürgerbüro</span><select id="login-office" name="office"></select></label>
    <label class="field"><span data-i18n="login.counter">Schalter</span><select id="login-counter" name="counter"></select></label>
    <label class="field"><span data-i18n="login.user">Benutzername</span><input id="login-user" name="username" autocomplete="username" required></label>
    <label class="field"><span data-i18n="login.password">Passwort</span><input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
    <p id="login-error" class="login-error" role="alert"></p>
    <label id="login-takeover-row" class="check" hidden><input id="login-takeover" type="checkbox"> <span data-i18n="login.takeOver">Schalter übernehmen (die andere Anmeldung endet)</span></label>
    <div class="login-buttons">
      <button type="submit" id="login-submit" class="btn primary" data-i18n="login.submit">Anmelden</button>
      <span class="lang-switch" role="group" data-i18n-aria="nav.language">
        <button type="button" class="btn small" data-lang="de">DE</button>
        <button type="button" class="btn small" data-lang="en">EN</button>
      </span>
    </div>
    <button type="button" id="login-oidc" class="btn" data-i18n="login.oidc" hidden>Mit städtischem Konto anmelden</button>
  </form>
</div>`;

  function addLoginDialog() {
    if ($("#login")) return;
    const tpl = document.createElement("template");
    tpl.innerHTML = loginMarkup.trim();
    document.body.append(tpl.content);
  }

  // needCounter: the workplace needs a counter, the desk does not.
  let needCounter = true;
  let pending = null; // {promise, resolve} while the dialog is open

  function requireLogin(messageKey) {
    if (pending) return pending.promise;
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    pending = { promise, resolve };
    showLogin(messageKey);
    return promise;
  }

  function fillCounters(officeId, selected) {
    const sel = $("#login-counter");
    sel.replaceChildren();
    if (!needCounter) sel.append(el("option", { value: "", text: t("login.noCounter") }));
    const o = office(officeId);
    for (const c of (o ? o.counters : [])) sel.append(el("option", { value: c.id, text: c.name, selected: c.id === selected }));
  }

  function showLogin(messageKey) {
    const dlg = $("#login");
    const last = state.session || remembered();
    const offSel = $("#login-office");
    offSel.replaceChildren(...offices.map((o) => el("option", { value: o.id, text: o.name, selected: o.id === last.office })));
    fillCounters(offSel.value, last.counter);
    if (last.user) $("#login-user").value = last.user;
    $("#login-password").value = "";
    const msg = $("#login-message");
    msg.textContent = messageKey ? t(messageKey) : "";
    msg.hidden = !messageKey;
    $("#login-error").textContent = "";
    $("#login-takeover").checked = false;
    $("#login-takeover-row").hidden = true;
    dlg.hidden = false;
    document.body.classList.add("login-open");
    ($("#login-user").value ? $("#login-password") : $("#login-user")).focus();
  }

  // oidcLogin leaves for the city's identity provider, which sends the
  // browser back to this page logged in (or with ?login_error=CODE).
  function oidcLogin() {
    const office = $("#login-office").value, counter = $("#login-counter").value;
    if (needCounter && !counter) { $("#login-error").textContent = t("login.needCounter"); return; }
    const q = new URLSearchParams({ office, counter, return: location.pathname });
    if ($("#login-takeover").checked) q.set("takeOver", "1");
    try { sessionStorage.setItem("lotse.session", JSON.stringify({ office, counter })); } catch (e) { /* ignore */ }
    location.href = "/api/v1/session/oidc/start?" + q.toString();
  }

  // loginErrorFromURL takes the error code the provider's round trip
  // brought back, once: a reload must not show it again.
  function loginErrorFromURL() {
    const u = new URL(location.href);
    const code = u.searchParams.get("login_error");
    if (!code) return "";
    u.searchParams.delete("login_error");
    history.replaceState(null, "", u.pathname + u.search + u.hash);
    return code;
  }

  // showLoginError says why a login failed; a busy counter offers the
  // takeover, as after the form.
  function showLoginError(code, counterId) {
    if (code === "counter_in_use") {
      const sel = $("#login-counter");
      $("#login-error").textContent = t("err.login.counter_in_use", { counter: sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : counterId });
      $("#login-takeover-row").hidden = false;
      return;
    }
    $("#login-error").textContent = errorText({ code }, "login");
  }

  async function submitLogin(ev) {
    ev.preventDefault();
    const btn = $("#login-submit");
    const req = {
      office: $("#login-office").value, counter: $("#login-counter").value,
      user: $("#login-user").value.trim(), password: $("#login-password").value,
      takeOver: $("#login-takeover").checked,
    };
    if (needCounter && !req.counter) { $("#login-error").textContent = t("login.needCounter"); return; }
    btn.disabled = true;
    const r = await request("POST", "/api/v1/session", req);
    btn.disabled = false;
    if (!r.ok) {
      if (r.error.code === "counter_in_use") {
        // Another session works at this counter: offer to take over,
        // never do it silently.
        showLoginError(r.error.code, req.counter);
        return;
      }
      $("#login-error").textContent = errorText(r.error, "login");
      $("#login-password").select();
      return;
    }
    const prev = state.active ? state.session : null;
    setSession(r.data);
    $("#login").hidden = true;
    document.body.classList.remove("login-open");
    if (prev && (prev.office !== r.data.office || (needCounter && prev.counter !== r.data.counter))) {
      // Another place: what the page shows belongs to the old one.
      location.reload();
      return;
    }
    if (pending) { const p = pending; pending = null; p.resolve(r.data); }
  }

  // ---------- errors ----------
  // errorText turns an API error into a sentence for the clerk: first a
  // text for this action and code, then one for the code alone.
  function errorText(err, action) {
    const code = (err && err.code) || "internal";
    for (const key of ["err." + action + "." + code, "err." + code]) {
      const s = t(key, { seconds: err && err.retryAfter });
      if (s !== key) return s;
    }
    return t("err.internal");
  }

  // ---------- stream ----------
  // stream keeps a WebSocket to the office's stream open and calls
  // onChange for the snapshot and every event; onStatus gets "live" or
  // "down". A message (an event, else a ping) arrives at least every 5 s:
  // 15 s of silence means the connection is dead even if the socket has
  // not noticed.
  function stream(officeId, onChange, onStatus) {
    let ws = null, backoff = 1000, watchdog = 0, closed = false;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => { if (ws) ws.close(); }, 15000);
    };
    const connect = () => {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(proto + "//" + location.host + "/api/v1/offices/" + encodeURIComponent(officeId) + "/stream");
      ws.onopen = () => { backoff = 1000; arm(); };
      ws.onmessage = (m) => {
        arm();
        let msg;
        try { msg = JSON.parse(m.data); } catch (e) { return; }
        if (msg.type === "ping") { onStatus("live"); return; }
        onStatus("live");
        onChange(msg);
      };
      ws.onclose = () => {
        clearTimeout(watchdog);
        onStatus("down");
        if (closed) return;
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 10000);
      };
    };
    connect();
    return { close() { closed = true; if (ws) ws.close(); } };
  }

  // debounced returns f wrapped so that a burst of calls runs it once,
  // and a call while it runs runs it once more afterwards.
  function debounced(f, wait) {
    let timer = 0, running = false, again = false;
    const run = async () => {
      if (running) { again = true; return; }
      running = true;
      try { await f(); } finally {
        running = false;
        if (again) { again = false; schedule(); }
      }
    };
    const schedule = () => { clearTimeout(timer); timer = setTimeout(run, wait); };
    schedule.now = () => { clearTimeout(timer); return run(); };
    return schedule;
  }

  // turns orders a page's answers from the hub. Two answers can cross on
  // the way: a read that waited for a new login is repeated together with
  // the action it waited with, and a slow query lands after a quicker
  // later one. An answer asked for before the newest one on the screen
  // was asked for is older than the screen and must not replace it, or
  // the clerk's just-called ticket vanishes for a moment.
  //   const turn = order.ask(); ... answer ...; if (!order.show(turn)) return;
  // An action's answer is as new as anything asked before it arrived:
  //   order.show(order.ask()) when it arrives.
  function turns() {
    let asked = 0, shown = 0;
    return {
      ask: () => ++asked,
      show(turn) {
        if (turn < shown) return false;
        shown = turn;
        return true;
      },
    };
  }

  // ---------- status line ----------
  const status = { stream: "down", health: null, deadLetters: [] };

  function renderStatus() {
    const line = $("#status-line");
    if (!line) return;
    const parts = [];
    parts.push(el("span", { class: "st-" + status.stream, id: "st-stream", text: t("status.stream." + status.stream) }));
    const h = status.health;
    const o = state.session && office(state.session.office);
    if (h && h.warning) {
      // A known code reads in the page's language; an unknown one falls
      // back to the hub's English text.
      const key = "status.warning." + h.warningCode;
      const known = h.warningCode && (i18n.texts[key] !== undefined || i18n.fallback[key] !== undefined);
      const detail = known ? t(key, { time: h.warningSince ? clock(h.warningSince, o) : "" }) : h.warning;
      parts.push(el("span", { class: "st-warn", id: "st-backend", role: "status", text: t("status.backendWarning", { detail }) }));
    } else if (h) {
      parts.push(el("span", { id: "st-backend", text: h.lastSync ? t("status.lastSync", { time: clock(h.lastSync, o) }) : t("status.noSync") }));
    }
    if (h && h.outboxDepth > 0) parts.push(el("span", { class: h.warning ? "st-warn" : "", text: t("status.outbox", { n: h.outboxDepth }) }));
    bookingStatus(h, parts);
    line.replaceChildren(...parts);
  }

  // bookingStatus adds what the booking side repaired or refused: reports
  // the backend refused for good (dead letters, with its answer and a
  // button to send them again after a fix) and the bookings the last sync
  // kept only after a repair or refused.
  function bookingStatus(h, parts) {
    if (!h) return;
    if (h.deadLetters > 0) {
      const answer = status.deadLetters.length ? status.deadLetters[0].answer : "";
      parts.push(el("span", { class: "st-warn", id: "st-dead", title: status.deadLetters.map((d) => d.ticket + " " + t("kind." + d.kind) + ": " + d.answer).join("\n"),
        text: t("status.deadLetters", { n: h.deadLetters, answer }) }));
      // Only the desk, supervisors and admins may read and retry them.
      if (status.outboxReadable) parts.push(el("button", { type: "button", id: "st-retry", class: "st-retry", text: t("status.retry"), onclick: retryOutbox }));
    }
    const detail = (m, prefix) => Object.entries(m || {}).map(([k, n]) => t(prefix + k) + ": " + n).join(", ");
    if (h.repaired > 0) {
      parts.push(el("span", { id: "st-repairs", title: detail(h.repairs, "repair."), text: t("status.repairs", { n: h.repaired }) }));
    }
    const refused = Object.values(h.refused || {}).reduce((a, b) => a + b, 0);
    if (refused > 0) {
      parts.push(el("span", { class: "st-warn", id: "st-refused", title: detail(h.refused, "refused."), text: t("status.refused", { n: refused }) }));
    }
  }

  async function retryOutbox() {
    const s = state.session;
    if (!s) return;
    const r = await request("POST", "/api/v1/offices/" + encodeURIComponent(s.office) + "/outbox/retry");
    if (!r.ok) {
      const line = $("#status-line");
      if (line) line.append(el("span", { class: "st-warn", role: "alert", text: errorText(r.error) }));
      return;
    }
    await pollHealth();
  }

  function setStreamStatus(s) {
    if (status.stream !== s) { status.stream = s; renderStatus(); }
  }

  async function pollHealth() {
    try {
      const r = await fetch("/healthz", { cache: "no-store" });
      const h = await r.json();
      const id = state.session && state.session.office;
      status.health = (h.offices || []).find((x) => x.id === id) || null;
      // The backend's answers name the refused reports: desk, supervisors
      // and admins only. A plain fetch: a refusal must not bring up the
      // login dialog.
      status.deadLetters = [];
      status.outboxReadable = false;
      if (status.health && status.health.deadLetters > 0) {
        const o = await fetch("/api/v1/offices/" + encodeURIComponent(id) + "/outbox", { credentials: "same-origin", cache: "no-store" });
        if (o.ok) {
          status.outboxReadable = true;
          status.deadLetters = (await o.json()).deadLetters || [];
        }
      }
    } catch (e) {
      status.health = null;
    }
    renderStatus();
  }

  // ---------- page start ----------
  // start loads texts and offices, wires the header and the login dialog,
  // and resolves with a session (asking for a login if there is none).
  async function start(opts) {
    needCounter = !!opts.needCounter;
    addLoginDialog();
    await loadTexts(initialLang());
    applyTexts();
    try {
      await loadOffices();
    } catch (e) {
      $("#login-error").textContent = t("err.network");
    }
    $("#login-office").addEventListener("change", (e) => fillCounters(e.target.value, ""));
    $("#login-form").addEventListener("submit", submitLogin);
    $("#login-oidc").addEventListener("click", oidcLogin);
    const urlError = loginErrorFromURL(); // a code, or ""
    fetch("/api/v1/session/options", { cache: "no-store" }).then((r) => r.json()).then((o) => { $("#login-oidc").hidden = !o.oidc; }).catch(() => { /* the form still works */ });
    document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", async () => {
      await loadTexts(b.dataset.lang);
      applyTexts();
      markLang();
      renderStatus();
      if (opts.onLanguage) opts.onLanguage();
      if (!$("#login").hidden) {
        const off = $("#login-office").value, ctr = $("#login-counter").value;
        fillCounters(off, ctr);
      }
    }));
    markLang();
    const lo = $("#logout");
    if (lo) lo.addEventListener("click", logout);

    const r = await request("GET", "/api/v1/session");
    const mem = remembered();
    if (r.ok && office(r.data.office)) {
      const s = Object.assign({}, r.data);
      if (!s.counter && mem.office === s.office) s.counter = mem.counter || "";
      if (!needCounter || s.counter) {
        setSession(s);
        state.active = true;
        return s;
      }
      state.session = s;
    }
    const p = requireLogin(r.ok ? "login.chooseCounter" : "");
    if (urlError) showLoginError(urlError, "");
    const s = await p;
    state.active = true;
    return s;
  }

  function markLang() {
    document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.lang === i18n.lang ? "true" : "false"));
  }

  return {
    t, applyTexts, el, $, start, request, requestId, errorText, stream, debounced, turns, office, serviceName, counterName,
    clock, services, pollHealth, setStreamStatus, renderStatus, session: () => state.session,
    lang: () => i18n.lang, onSession: (f) => state.onSession.push(f),
  };
})();
