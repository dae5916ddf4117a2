// Lotse information desk: find today's appointment of someone who could not
// check in at the kiosk (no QR code, no birth date on file, booked by
// phone) and check them in; draw walk-in tickets; print a ticket.
"use strict";

(() => {
  const { t, el, $, request, errorText } = Lotse;

  let sess = null;
  let off = null;
  let service = "";       // chosen walk-in service
  let searched = false;   // a search has run: stream events refresh it
  let busy = false;
  let lastResults = [];

  const base = () => "/api/v1/offices/" + encodeURIComponent(sess.office);

  // showError shows text; with confirm, a button offers to do it anyway
  // (a check-in the kiosk refuses, which staff may confirm).
  let confirmAction = null;
  function showError(text, confirm) {
    $("#error-text").textContent = text;
    confirmAction = confirm || null;
    $("#error-confirm").hidden = !confirmAction;
    $("#error").hidden = false;
  }
  function clearError() { $("#error").hidden = true; confirmAction = null; }

  // ---------- search ----------
  const order = Lotse.turns();
  async function search() {
    if (!sess) return;
    const p = new URLSearchParams();
    const name = $("#search-name").value.trim(), from = hhmm($("#search-from")), to = hhmm($("#search-to"));
    if (from === null || to === null) { showError(t("err.search.invalid")); return; }
    if (name) p.set("q", name);
    if (from) p.set("from", from);
    if (to) p.set("to", to);
    const turn = order.ask();
    const r = await request("GET", base() + "/appointments?" + p.toString());
    if (!order.show(turn)) return; // a later search is on the screen
    if (!r.ok) { showError(errorText(r.error, "search")); return; }
    searched = true;
    lastResults = r.data || [];
    renderResults();
  }
  const refresh = Lotse.debounced(search, 300);

  // dayTurned drops the old day's results at once (the hub sends
  // "day_turned" as the last event of a day turn); a search that was
  // shown runs again on the new day.
  function dayTurned() {
    lastResults = [];
    if ($("#ticket-dialog").open) $("#ticket-dialog").close();
    renderResults();
    if (searched) refresh.now();
  }

  // hhmm reads a time field in the 24-hour clock of German offices (no
  // AM/PM from the browser's locale): "9" → 09:00, "930" → 09:30,
  // "9.30" → 09:30. It returns "" for an empty field and null for nonsense.
  function hhmm(input) {
    const v = input.value.trim();
    if (!v) return "";
    const m = /^(\d{1,2})(?:[:.h ]?(\d{2}))?$/.exec(v.length === 3 || v.length === 4 ? v.replace(/^(\d{1,2})(\d{2})$/, "$1:$2") : v);
    if (!m) return null;
    const h = Number(m[1]), min = Number(m[2] || 0);
    if (h > 23 || min > 59) return null;
    const out = String(h).padStart(2, "0") + ":" + String(min).padStart(2, "0");
    input.value = out;
    return out;
  }

  function statusText(a) {
    if (a.status === "arrived" && a.ticket) return t("desk.status.arrived", { number: a.ticket.number, state: t("state." + a.ticket.state) });
    return t("desk.status." + a.status);
  }

  function renderResults() {
    const info = $("#search-info");
    const list = $("#results");
    if (!searched) { info.textContent = t("desk.searchHint"); list.replaceChildren(); return; }
    info.textContent = lastResults.length ? t("desk.found", { n: lastResults.length }) : t("desk.noneFound");
    list.replaceChildren(...lastResults.map((a) => {
      let action = null;
      if (a.status === "booked") {
        action = el("button", { type: "button", class: "btn primary checkin", disabled: busy, text: t("desk.checkIn"),
          "aria-label": t("desk.checkIn") + " " + (a.name || ""), onclick: () => checkIn(a) });
      } else if (a.status === "arrived" && a.ticket) {
        action = el("button", { type: "button", class: "btn show-ticket", text: t("desk.showTicket", { number: a.ticket.number }),
          onclick: () => showTicket(a.ticket) });
      }
      const missed = a.ticket && a.ticket.state === "missed" ? " ticket-missed" : "";
      return el("li", { class: "result-row status-" + a.status + missed, dataset: { appointment: a.id } },
        el("span", { class: "result-time", text: Lotse.clock(a.start, off) }),
        el("span", { class: "result-body" },
          el("span", { class: "result-name", text: a.name || t("desk.noName") }),
          el("span", { class: "result-meta", text: Lotse.services(a.services) + (a.persons > 1 ? " · " + t("queue.persons", { n: a.persons }) : "") })),
        el("span", { class: "result-status", text: statusText(a) }),
        action);
    }));
  }

  // confirmable are the refusals staff may override at the desk: the hub
  // checks the person in with confirm (too early, too late, after a
  // no-show, a missed or given-up ticket).
  const confirmable = new Set(["too_early", "too_late", "see_desk"]);

  async function checkIn(a, confirm) {
    if (busy) return;
    busy = true;
    renderResults();
    const body = { appointment: a.id };
    if (confirm) body.confirm = true;
    const r = await request("POST", base() + "/checkins", body);
    busy = false;
    if (!r.ok) {
      let text = errorText(r.error, "checkin");
      if (r.error.code === "too_early" && r.error.comeBackAt) text = t("err.checkin.too_early_at", { time: Lotse.clock(r.error.comeBackAt, off) });
      showError(text, !confirm && confirmable.has(r.error.code) ? () => checkIn(a, true) : null);
      renderResults();
      return;
    }
    clearError();
    showTicket(r.data);
    search();
  }

  // ---------- walk-in ----------
  function renderWalkIn() {
    const served = new Set(((off && off.counters) || []).flatMap((c) => c.services));
    const svc = ((off && off.services) || []).filter((s) => served.has(s.id));
    // The tiles are drawn anew: the keyboard's focus stays on its service.
    const had = document.activeElement && $("#walkin-services").contains(document.activeElement) ? document.activeElement.dataset.service : "";
    $("#walkin-services").replaceChildren(...svc.map((s) => el("button", {
      type: "button", class: "tile", role: "radio", "aria-checked": s.id === service ? "true" : "false",
      dataset: { service: s.id }, text: s.name,
      onclick: () => { service = s.id; renderWalkIn(); },
    })));
    const again = had && [...$("#walkin-services").children].find((b) => b.dataset.service === had);
    if (again) again.focus();
    const walkIns = !off || off.walkIns !== false;
    $("#walkin-draw").disabled = busy || !service || !walkIns;
    $("#walkin-note").textContent = walkIns ? "" : t("desk.noWalkIns");
    renderLevels();
  }

  // renderLevels offers the office's reasons for priority in place of the
  // plain checkbox, where the office configured some; the choice stays
  // while the list is unchanged.
  function renderLevels() {
    const levels = (off && off.priorityLevels) || [];
    $("#walkin-priority-check").hidden = levels.length > 0;
    $("#walkin-level-field").hidden = levels.length === 0;
    const sel = $("#walkin-level");
    const ids = ["", ...levels.map((l) => l.id)];
    if (sel.options.length === ids.length && ids.every((id, i) => sel.options[i].value === id)) return;
    const keep = sel.value;
    sel.replaceChildren(el("option", { value: "", text: t("desk.noPriority") }),
      ...levels.map((l) => el("option", { value: l.id, text: l.name })));
    sel.value = ids.includes(keep) ? keep : "";
  }

  async function drawWalkIn() {
    if (busy || !service) return;
    busy = true;
    renderWalkIn();
    const level = $("#walkin-level-field").hidden ? "" : $("#walkin-level").value;
    const r = await request("POST", base() + "/tickets", { service, priority: $("#walkin-priority").checked || level !== "", priorityLevel: level });
    busy = false;
    if (!r.ok) { showError(errorText(r.error, "walkin")); renderWalkIn(); return; }
    clearError();
    service = "";
    $("#walkin-priority").checked = false;
    $("#walkin-level").value = "";
    renderWalkIn();
    showTicket(r.data);
  }

  // ---------- the issued ticket ----------
  let shown = null;

  function showTicket(tk) {
    shown = tk;
    $("#issued-note").textContent = "";
    $("#issued-number").textContent = tk.number;
    $("#issued-services").textContent = Lotse.services(tk.services);
    const w = tk.waitMinutes;
    $("#issued-wait").textContent = tk.state !== "waiting" ? t("state." + tk.state) : waitText(w);
    showLink(tk, "issued");
    fillPrint(tk);
    const d = $("#ticket-dialog");
    if (!d.open) d.showModal();
    $("#issued-done").focus();
  }

  // waitText words the hub's one estimate as the kiosk does: -1 means no
  // open, staffed counter serves the service now.
  function waitText(w) {
    if (w === undefined || w === null) return "";
    if (w < 0) return t("desk.waitClosed");
    if (w === 0) return t("desk.waitNow");
    return t("desk.wait", { n: w });
  }

  function fillPrint(tk) {
    $("#print-office").textContent = off ? off.name : "";
    $("#print-number").textContent = tk.number;
    $("#print-services").textContent = Lotse.services(tk.services);
    $("#print-time").textContent = new Intl.DateTimeFormat(Lotse.lang() === "en" ? "en-GB" : "de-DE",
      Object.assign({ dateStyle: "medium", timeStyle: "short" }, off && off.timezone ? { timeZone: off.timezone } : {})).format(new Date(tk.arrived || Date.now()));
    showLink(tk, "print");
  }

  // showLink shows the ticket's status link and its QR code (drawn by
  // the hub) on the screen's or the printed ticket (part "issued" or
  // "print"). Only the answer to drawing or checking in carries the link:
  // a ticket shown again from the search has none, and shows no code.
  function showLink(tk, part) {
    const url = tk.statusUrl || "";
    $("#" + part + "-link").hidden = !url;
    $("#" + part + "-url").textContent = url;
    const img = $("#" + part + "-qr");
    img.alt = url ? t("desk.qrAlt") : "";
    const src = url ? base() + "/status-qr.svg?url=" + encodeURIComponent(url) : "";
    if (img.getAttribute("src") !== src) { if (src) img.src = src; else img.removeAttribute("src"); }
  }

  function renderAll() {
    $("#place").textContent = sess ? "· " + (off ? off.name : sess.office) + " · " + sess.user : "";
    renderResults();
    renderWalkIn();
    if (shown) showTicketTexts();
  }
  // printTicket prints on the office's receipt printer through the hub;
  // an office without one prints from the browser.
  async function printTicket() {
    if (!shown) return;
    const r = await request("POST", base() + "/tickets/" + encodeURIComponent(shown.id) + "/print");
    if (r.ok) { $("#issued-note").textContent = t("desk.printed"); return; }
    if (r.error.code === "no_printer") { window.print(); return; }
    $("#issued-note").textContent = errorText(r.error, "print");
  }

  function showTicketTexts() { if ($("#ticket-dialog").open) showTicket(shown); else fillPrint(shown); }

  async function main() {
    $("#search-form").addEventListener("submit", (e) => { e.preventDefault(); refresh.now(); });
    $("#search-name").addEventListener("input", () => refresh());
    $("#search-clear").addEventListener("click", () => {
      $("#search-name").value = ""; $("#search-from").value = ""; $("#search-to").value = "";
      searched = false; lastResults = []; renderResults(); $("#search-name").focus();
    });
    $("#walkin-draw").addEventListener("click", drawWalkIn);
    $("#issued-print").addEventListener("click", printTicket);
    $("#error-close").addEventListener("click", clearError);
    $("#error-confirm").addEventListener("click", () => { const f = confirmAction; clearError(); if (f) f(); });
    Lotse.onSession((s) => { sess = s; off = Lotse.office(s.office); });
    renderResults();

    sess = await Lotse.start({ needCounter: false, onLanguage: renderAll });
    off = Lotse.office(sess.office);
    renderAll();
    $("#search-name").focus();
    // The desk hears a counter's emergency call too (emergency.js).
    const alarm = LotseEmergency.create({ mount: $("#emergencies"), office: () => sess.office, counter: () => "", mayEnd: () => false });
    Lotse.stream(sess.office, (msg) => { if (alarm.message(msg)) return; if (msg.type === "day_turned") dayTurned(); else if (searched) refresh(); }, Lotse.setStreamStatus);
    Lotse.pollHealth();
    setInterval(Lotse.pollHealth, 30000);
  }

  main();
})();
