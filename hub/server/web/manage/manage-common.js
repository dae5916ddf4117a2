// Lotse manager's pages: what the live view (index.html) and the
// statistics (statistics.html) share on top of the counter's common.js —
// which office the page shows, the city's offices, and formatting. The hub
// computes every figure; these pages only show them.
"use strict";

const Manage = (() => {
  const { t, $ } = Lotse;

  // hashParams reads "#office=…&…" (the page's own state, bookmarkable).
  function hashParams() {
    return new URLSearchParams(location.hash.replace(/^#/, ""));
  }

  // officeId is the office the page shows: the one in the address, else
  // the one the session was opened at.
  function officeId() {
    const s = Lotse.session();
    return hashParams().get("office") || (s && s.office) || "";
  }

  function officeHash(id) { return "#office=" + encodeURIComponent(id); }

  // city lists the offices the account may supervise: null when it may
  // not, and then the page says so (the hub decides who may).
  async function city() {
    const r = await Lotse.request("GET", "/api/v1/supervision");
    if (r.status === 403) forbidden(r.error);
    return r.ok ? r.data : null;
  }

  // showNav marks the current page and offers the city when the account
  // supervises several offices; links keep the office.
  function showNav(offices) {
    const id = officeId();
    const many = offices && offices.length > 1;
    $("#nav-city").hidden = !many;
    const live = $("#nav-live"), stats = $("#nav-stats");
    if (live) live.setAttribute("href", (live.dataset.page || "index.html") + officeHash(id));
    if (stats) stats.setAttribute("href", "statistics.html" + officeHash(id));
  }

  function forbidden(err) {
    document.querySelectorAll("main").forEach((m) => { m.hidden = m.id !== "forbidden"; });
    const p = $("#forbidden-text");
    if (p && err && err.message) p.title = err.message;
  }

  function showError(text) {
    $("#error-text").textContent = text;
    $("#error").hidden = !text;
  }

  // ---------- formatting ----------
  const locale = () => (Lotse.lang() === "en" ? "en-GB" : "de-DE");

  function number(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return "–";
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits === undefined ? 1 : digits, minimumFractionDigits: 0 }).format(n);
  }
  function percent(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(x);
  }
  function minutes(n) {
    if (n === null || n === undefined || n < 0) return "–";
    return t("common.minutes", { n: number(n, n < 1 ? 1 : 0) });
  }
  // duration formats seconds as m:ss or h:mm:ss.
  function duration(sec) {
    sec = Math.max(0, Math.floor(sec));
    const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    const two = (x) => String(x).padStart(2, "0");
    return h > 0 ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }
  // clock formats a time as HH:MM in the office's time zone.
  function clock(iso, tz) {
    if (!iso) return "";
    const opts = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (tz) opts.timeZone = tz;
    try { return new Intl.DateTimeFormat(locale(), opts).format(new Date(iso)); }
    catch (e) { delete opts.timeZone; return new Intl.DateTimeFormat(locale(), opts).format(new Date(iso)); }
  }

  // alertText says an alert in the page's language; an unknown kind
  // shows the hub's German text.
  function alertText(a, serviceName) {
    const key = "manage.alert." + a.kind;
    const s = t(key, { service: serviceName || a.service || "", n: a.count || 0, minutes: number(a.minutes || 0, 0), device: a.device || "" });
    return s === key ? a.text : s;
  }

  return { hashParams, officeId, officeHash, city, showNav, forbidden, showError, number, percent, minutes, duration, clock, alertText };
})();
