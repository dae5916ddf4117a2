// Lotse manager's live view: every counter, every waiting line, the
// alerts and the devices of one office, and the city's offices. The view
// is the hub's GET …/supervision, fetched again on every event of the
// office's stream and every 15 s (for the clock of silent devices); only
// the seconds of "serving for mm:ss" tick here, counted on from the hub's
// time.
"use strict";

(async () => {
  const { t, el, $ } = Lotse;
  const M = Manage;

  let view = null;       // the last supervision answer
  let fetchedAt = 0;     // Date.now() when it came
  let cityView = null;
  let streamed = null;   // {office, stream}
  let shown = "";        // the office whose view is shown

  const sess = await Lotse.start({ needCounter: false, onLanguage: () => { render(); renderCity(); alarm.render(); renderAuditForm(); renderAudit(); } });
  if (!sess) return;

  // The emergency calls of the office shown: a supervisor acknowledges
  // and may end any of them.
  const alarm = LotseEmergency.create({
    mount: $("#emergencies"),
    office: () => shown || M.officeId(),
    counter: () => "",
    mayEnd: () => true,
    onError: (err) => M.showError(Lotse.errorText(err, "emergency")),
  });

  // ---------- loading ----------
  async function load() {
    const id = M.officeId();
    const r = await Lotse.request("GET", "/api/v1/offices/" + encodeURIComponent(id) + "/supervision");
    if (!r.ok) {
      if (r.status === 403) { M.forbidden(r.error); return; }
      M.showError(Lotse.errorText(r.error));
      return;
    }
    M.showError("");
    if (M.officeId() !== id) return; // the page moved on meanwhile
    view = r.data;
    fetchedAt = Date.now();
    render();
  }
  const refresh = Lotse.debounced(load, 150);

  async function loadCity() {
    cityView = await M.city();
    M.showNav(cityView && cityView.offices);
    renderCity();
  }

  // follow opens the office's stream: every event brings a fresh view.
  function follow(id) {
    if (streamed && streamed.office === id) return;
    if (streamed) streamed.stream.close();
    streamed = { office: id, stream: Lotse.stream(id, (msg) => { if (!alarm.message(msg)) refresh(); }, Lotse.setStreamStatus) };
  }

  // route shows the city (#city, or at the start when the account
  // supervises several offices and the address names none) or an office.
  async function route() {
    const city = location.hash === "#city";
    $("#city").hidden = !city;
    $("#live").hidden = city;
    $("#status-line").hidden = city; // the city view follows no stream
    $("#forbidden").hidden = true;
    $("#nav-live").setAttribute("aria-current", city ? "false" : "page");
    $("#nav-city").setAttribute("aria-current", city ? "page" : "false");
    if (city) {
      $("#place").textContent = "";
      await loadCity();
      return;
    }
    const id = M.officeId();
    if (id !== shown) { view = null; shown = id; render(); audit = null; renderAuditForm(); renderAudit(); alarm.load(); }
    M.showNav(cityView && cityView.offices);
    follow(id);
    await refresh.now();
  }

  // ---------- rendering ----------
  function since(c) {
    if (!c.since || !view) return "";
    const now = new Date(view.now).getTime() + (Date.now() - fetchedAt);
    return M.duration((now - new Date(c.since).getTime()) / 1000);
  }

  function render() {
    if (!view) {
      ["#alerts", "#counters", "#services", "#devices"].forEach((s) => $(s).replaceChildren());
      $("#alerts-count").textContent = "";
      return;
    }
    $("#place").textContent = "– " + view.name;
    renderAlerts();
    renderCounters();
    renderServices();
    renderDevices();
  }

  const severe = new Set(["booking_down", "paper_out", "device_silent", "printer_offline", "scanner_lost", "dead_letters"]);
  const serviceName = (id) => { const s = (view.services || []).find((x) => x.id === id); return s ? s.name : id; };

  function renderAlerts() {
    const list = view.alerts || [];
    $("#alerts-count").textContent = list.length ? "(" + list.length + ")" : "";
    if (!list.length) {
      $("#alerts").replaceChildren(el("li", { class: "alert-none", text: t("manage.alerts.none") }));
      return;
    }
    $("#alerts").replaceChildren(...list.map((a) => el("li", { class: "alert" + (severe.has(a.kind) ? " severe" : ""), dataset: { kind: a.kind, device: a.device || "" } },
      el("span", { class: "alert-text", text: M.alertText(a, serviceName(a.service)) }),
      a.since ? el("span", { class: "alert-since", text: t("manage.since", { time: M.clock(a.since, view.timezone) }) }) : null)));
  }

  function renderCounters() {
    $("#counters").replaceChildren(...(view.counters || []).map((c) => {
      const card = el("div", { class: "counter-card " + c.state, dataset: { counter: c.id, state: c.state } },
        el("span", { class: "c-name", text: c.name }),
        el("span", { class: "c-state", text: t("manage.state." + (c.state === "serving" && c.called ? "called" : c.state)) }));
      if (c.ticket) card.append(el("span", { class: "c-ticket", text: c.ticket }));
      if (c.state !== "closed" && c.since) {
        card.append(el("span", { class: "c-since", dataset: { since: c.since },
          text: t("manage.for", { time: M.clock(c.since, view.timezone), duration: since(c) }) }));
      }
      card.append(el("span", { class: "c-clerk", text: c.clerk ? t("manage.clerk", { user: c.clerk }) : (c.state === "closed" ? t("manage.nobody") : "") }));
      return card;
    }));
  }

  function tick() {
    if (!view) return;
    document.querySelectorAll(".c-since[data-since]").forEach((e) => {
      const c = { since: e.dataset.since };
      e.textContent = t("manage.for", { time: M.clock(c.since, view.timezone), duration: since(c) });
    });
  }

  function renderServices() {
    const limit = view.settings ? view.settings.waitAlertMinutes : 0;
    $("#services").replaceChildren(...(view.services || []).map((s) => el("tr", { dataset: { service: s.id } },
      el("td", { text: s.name }),
      el("td", { class: "num", text: String(s.waiting) }),
      el("td", { class: "num" + (limit && s.longestWaitMinutes > limit ? " bad" : ""), text: s.waiting ? M.minutes(s.longestWaitMinutes) : "–" }),
      el("td", { class: "num", text: s.estimatedWaitMinutes < 0 ? t("manage.services.noCounter") : M.minutes(s.estimatedWaitMinutes) }))));
  }

  // Device reports as the hub keeps them; the fields are read loosely, so
  // that a newer device's report still shows.
  function renderDevices() {
    const list = Array.isArray(view.devices) ? view.devices : [];
    if (!list.length) {
      $("#devices").replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "muted", text: t("manage.devices.none") })));
      return;
    }
    const yesNo = (v, on, off) => (v === true || v === "connected" ? t(on) : v === false || v === "disconnected" ? t(off) : "–");
    $("#devices").replaceChildren(...list.map((d) => {
      const name = d.device || d.name || "";
      const printer = d.printer ? t("manage.printer." + d.printer) : "–";
      const last = d.reportedAt || d.received;
      return el("tr", { dataset: { device: name } },
        el("td", {}, el("strong", { text: name }), d.kind ? el("span", { class: "muted", text: " · " + t("manage.kind." + d.kind) }) : null,
          d.version ? el("div", { class: "muted", text: d.version }) : null),
        el("td", { class: d.printer === "paper_out" || d.printer === "offline" ? "bad" : "", text: printer }),
        el("td", { text: yesNo(d.scanner, "manage.devices.connected", "manage.devices.disconnected") }),
        el("td", { text: yesNo(d.stream, "manage.devices.connected", "manage.devices.disconnected") }),
        el("td", { class: d.silent ? "bad" : "", text: (last ? M.clock(last, view.timezone) : "–") + (d.silent ? " · " + t("manage.devices.silent") : "") }));
    }));
  }

  // ---------- audit trail ----------
  // Who did what at which counter: filtered by ticket, account, counter,
  // action and day ("who called A042 twice?": ticket A042, action call).
  let audit = null; // the last GET …/audit answer

  function renderAuditForm() {
    const off = Lotse.office(shown || M.officeId());
    const keep = (sel, opts) => { const v = $(sel).value; $(sel).replaceChildren(...opts); $(sel).value = v; };
    keep("#audit-counter", [el("option", { value: "", text: t("manage.audit.all") }),
      ...((off && off.counters) || []).map((c) => el("option", { value: c.id, text: c.name }))]);
    keep("#audit-action", [el("option", { value: "", text: t("manage.audit.all") }),
      ...["next", "call", "recall", "noshow", "start", "finish", "park", "transfer", "pause", "open", "emergency", "emergency_ack", "emergency_end"]
        .map((a) => el("option", { value: a, text: t("manage.audit.act." + a) }))]);
  }

  async function loadAudit() {
    const id = shown || M.officeId();
    const q = new URLSearchParams();
    [["ticket", "#audit-ticket"], ["account", "#audit-account"], ["counter", "#audit-counter"], ["action", "#audit-action"]]
      .forEach(([k, sel]) => { const v = $(sel).value.trim(); if (v) q.set(k, v); });
    const day = $("#audit-day").value;
    if (day) { q.set("from", day); q.set("to", day); }
    const r = await Lotse.request("GET", "/api/v1/offices/" + encodeURIComponent(id) + "/audit?" + q.toString());
    if (!r.ok) { M.showError(Lotse.errorText(r.error)); return; }
    audit = r.data;
    renderAudit();
  }

  function renderAudit() {
    const off = Lotse.office(shown || M.officeId());
    $("#audit-hint").textContent = audit ? t("manage.audit.kept", { days: audit.days, n: audit.lines.length }) : t("manage.audit.hint");
    if (!audit) { $("#audit").replaceChildren(); return; }
    if (!audit.lines.length) {
      $("#audit").replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "muted", text: t("manage.audit.none") })));
      return;
    }
    const tz = view ? view.timezone : (off && off.timezone);
    $("#audit").replaceChildren(...audit.lines.map((a) => el("tr", { dataset: { action: a.action, ticket: a.ticket || "" } },
      el("td", { text: new Date(a.at).toLocaleDateString(Lotse.lang() === "en" ? "en-GB" : "de-DE", { timeZone: tz }) + " " + M.clock(a.at, tz) }),
      el("td", { text: a.account }),
      el("td", { text: a.counter ? Lotse.counterName(off, a.counter) : "–" }),
      el("td", { text: t("manage.audit.act." + a.action) }),
      el("td", { text: a.ticket || "–" }))));
  }

  $("#audit-form").addEventListener("submit", (e) => { e.preventDefault(); loadAudit(); });

  function renderCity() {
    const box = $("#city-offices");
    if (!cityView) { box.replaceChildren(); return; }
    box.replaceChildren(...cityView.offices.map((o) => {
      const c = o.counters || {};
      return el("a", { class: "office-card", href: M.officeHash(o.office), dataset: { office: o.office } },
        el("h3", { text: o.name }),
        el("span", { text: o.waiting ? t("manage.city.waiting", { n: o.waiting, minutes: M.minutes(o.longestWaitMinutes) }) : t("manage.city.nobody") }),
        el("span", { text: t("manage.city.counters", { serving: c.serving || 0, idle: c.idle || 0, paused: c.paused || 0, closed: c.closed || 0 }) }),
        (o.alerts || []).length
          ? el("div", { class: "o-alerts" }, el("span", { text: t("manage.city.alerts", { n: o.alerts.length }) }),
            el("ul", {}, ...o.alerts.slice(0, 4).map((a) => el("li", { text: M.alertText(a, Lotse.serviceName(Lotse.office(o.office), a.service)) })),
              o.alerts.length > 4 ? el("li", { text: "…" }) : null))
          : el("span", { class: "o-ok", text: t("manage.alerts.none") }));
    }));
  }

  window.addEventListener("hashchange", route);
  setInterval(() => refresh(), 15000);
  setInterval(tick, 1000);
  // Several offices and none in the address: the city first.
  await loadCity();
  if (!$("#forbidden").hidden) return; // not a supervisor: the page says so
  if (!location.hash && cityView && cityView.offices.length > 1) {
    history.replaceState(null, "", "#city");
  }
  await route();
})();
