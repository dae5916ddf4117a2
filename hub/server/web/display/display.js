// Lotse web display: the call board for smart TVs and browsers. It follows
// the office's stream like the Fyne display does: a snapshot, then events
// with seq; it resumes with since after a disconnect, resubscribes for a
// fresh snapshot after a gap or when the day turns, ignores duplicates, and
// warns when no message (the hub sends one at least every 5 s, a ping when
// nothing else) arrived for 8 s. Plain JS, no build step.
"use strict";

(function () {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  const off = (name) => ["0", "false", "no"].includes((params.get(name) || "").toLowerCase());
  const config = {
    office: params.get("office") || "",
    layout: params.get("layout") || "auto", // auto | list | columns
    lang: params.get("lang") || "de",
    lang2: params.get("lang2") || "",
    sound: !off("sound"),
    speech: !off("speech"),
  };
  // These numbers are the Fyne board's (display/board: StaleAfter,
  // DefaultHistory, blinkPhases × blinkPhase); its tests hold them equal.
  const STALE_MS = 8000;
  // The stream clients' reconnect policy (api.ReconnectMin and
  // api.ReconnectMax in hub/api, docs/api.md): a restarted hub shows up
  // within 3 s. The Fyne board's tests hold these equal too.
  const MIN_BACKOFF_MS = 500;
  const MAX_BACKOFF_MS = 2000;
  const HISTORY = 12;
  // RTL are the languages written from right to left.
  const RTL = ["ar", "fa", "he"];
  // REGION completes a language to the tag speech engines know best.
  const REGION = { de: "de-DE", "de-LS": "de-DE", en: "en-GB", tr: "tr-TR", uk: "uk-UA", ru: "ru-RU", ar: "ar-SA", fa: "fa-IR" };
  const BLINK_MS = 3000;

  // The texts are the Fyne board's translation files
  // (assets/translations/display), which the hub serves: German, with the
  // screen's and the second announcement language's texts over it, where
  // they have them. Nothing is shown before they are here.
  const texts = {};
  function textsOf(lang) { return texts[lang] || texts.de || {}; }
  function t(key) { return textsOf(config.lang)[key] || key; }

  // ---- Board: the pure reduction of the stream, as in display/board. ----

  function newBoard() {
    // ready: a snapshot arrived (an office without events yet sends seq 0).
    // day: the office's day of the last snapshot; turned: a day_turned
    // event came and the next snapshot starts a new day.
    return { seq: 0, ready: false, day: "", turned: false, office: { id: "", name: "" }, calls: [], counters: [], waiting: [], notice: "", lastMessage: 0 };
  }

  function isActiveState(s) { return s === "called" || s === "serving"; }

  // apply reduces one message; it returns the outcome ("applied", "pinged",
  // "duplicate", "gap", "day_turned") and the calls to announce, oldest
  // first. After "gap" and "day_turned" the caller resubscribes for a fresh
  // snapshot.
  function apply(b, m, now) {
    b.lastMessage = now;
    if (m.type === "snapshot") return { outcome: "applied", announce: applySnapshot(b, m) };
    if (m.type === "ping") {
      if (b.ready && m.seq > b.seq) return { outcome: "gap", announce: [] };
      return { outcome: "pinged", announce: [] };
    }
    if (!b.ready) return { outcome: "gap", announce: [] };
    if (m.seq <= b.seq) return { outcome: "duplicate", announce: [] };
    if (m.type === "day_turned") {
      // Also after a gap: nothing of the old day may stay on the screen.
      turnDay(b, m.seq);
      return { outcome: "day_turned", announce: [] };
    }
    if (m.seq !== b.seq + 1) return { outcome: "gap", announce: [] };
    b.seq = m.seq;
    return { outcome: "applied", announce: applyEvent(b, m) };
  }

  // turnDay drops the old day's calls, lines and counter tickets; the board
  // stays ready (no "connecting" flash at midnight) until the snapshot that
  // fills it as if the page had just been opened.
  function turnDay(b, seq) {
    b.seq = seq;
    b.turned = true;
    b.calls = [];
    b.waiting = [];
    b.counters = b.counters.map((c) => Object.assign({}, c, { ticket: null }));
  }

  function applySnapshot(b, s) {
    // A snapshot of another day replaces the board like a first one: none
    // of its calls is "missed" against yesterday's.
    const newDay = b.turned || (!!b.day && !!s.day && s.day !== b.day);
    const hadState = b.ready && !newDay;
    b.ready = true;
    b.turned = false;
    b.day = s.day || "";
    const lastKnown = b.calls.length ? Date.parse(b.calls[0].at) : 0;
    b.seq = s.seq;
    b.office = s.office || { id: "", name: "" };
    b.counters = (s.counters || []).slice();
    b.waiting = (s.waiting || []).slice();
    b.notice = s.notice || "";
    const current = {};
    for (const c of b.counters) if (c.ticket) current[c.id] = c.ticket.id;
    const active = {};
    for (const tk of s.tickets || []) if (isActiveState(tk.state)) active[tk.id] = true;
    const seen = {};
    b.calls = [];
    for (const c of s.calls || []) {
      if (seen[c.ticket]) continue;
      seen[c.ticket] = true;
      const call = { ticket: c.ticket, number: c.number, counter: c.counter, counterName: c.counterName, at: c.at, recall: !!c.recall };
      call.active = b.counters.length > 0 ? current[c.counter] === c.ticket : !!active[c.ticket];
      b.calls.push(call);
      if (b.calls.length === HISTORY) break;
    }
    if (!hadState) return [];
    // Calls made while the board was away must still be heard.
    return b.calls.filter((c) => c.active && Date.parse(c.at) > lastKnown).reverse();
  }

  // mergeLines puts an event's waiting lines in place of the board's
  // lines of the same services; a hidden one removes its line. The others
  // stay: an event carries only the lines it changed (hub/api Event.Waiting;
  // the Fyne board uses api.MergeLines, the same rule).
  function mergeLines(b, lines) {
    for (const l of lines || []) {
      const i = b.waiting.findIndex((w) => w.service === l.service);
      if (l.hidden) { if (i >= 0) b.waiting.splice(i, 1); }
      else if (i >= 0) b.waiting[i] = l;
      else b.waiting.push(l);
    }
  }

  function applyEvent(b, e) {
    mergeLines(b, e.waiting);
    if (e.counter) {
      const i = b.counters.findIndex((c) => c.id === e.counter.id);
      if (i >= 0) b.counters[i] = e.counter; else b.counters.push(e.counter);
    }
    const tk = e.ticket;
    if ((e.type === "called" || e.type === "recalled") && tk) {
      const counterId = tk.counter || (e.counter && e.counter.id) || "";
      let name = tk.counterName || "";
      if (!name) { const c = b.counters.find((x) => x.id === counterId); name = c ? c.name : ""; }
      const call = { ticket: tk.id, number: tk.number, counter: counterId, counterName: name, at: e.at, recall: e.type === "recalled", active: true };
      b.calls = b.calls.filter((c) => c.ticket !== call.ticket);
      for (const c of b.calls) if (c.counter === call.counter) c.active = false;
      b.calls.unshift(call);
      b.calls.length = Math.min(b.calls.length, HISTORY);
      return [call];
    }
    if (tk && !isActiveState(tk.state)) {
      for (const c of b.calls) if (c.ticket === tk.id) c.active = false;
    }
    return [];
  }

  function spokenNumber(n) {
    const m = /^(\D*)(\d+)$/.exec(n || "");
    if (!m) return n;
    const letters = m[1].trim().split("").join(" ");
    const digits = String(parseInt(m[2], 10));
    return letters ? letters + " " + digits : digits;
  }

  function sentence(template, call) {
    return template.replace("{number}", spokenNumber(call.number)).replace("{counter}", call.counterName);
  }

  // voices are the announcement's languages, as in display/board.Voices:
  // German, then the second language unless it is German.
  function voices() {
    return config.lang2 && config.lang2 !== "de" ? ["de", config.lang2] : ["de"];
  }

  // ---- Connection ----

  const board = newBoard();
  const started = Date.now();
  let callSeen = 0;
  let backoff = MIN_BACKOFF_MS;
  let fresh = false;
  let signIn = ""; // why the hub refused the board: a text key, or ""

  // whyRefused asks the queue route, which takes the same token as the
  // stream, why the stream was refused: "no_token" or "bad_token" for a
  // board the hub does not let in, "unknown_office" for an office it does
  // not have, "" when the hub is just away.
  function whyRefused() {
    return fetch("/api/v1/offices/" + encodeURIComponent(config.office) + "/queue", { headers: authHeaders(), cache: "no-store" })
      .then((r) => {
        if (r.status === 401 || r.status === 403) return token ? "bad_token" : "no_token";
        if (r.status === 404) return "unknown_office";
        return "";
      }, () => "");
  }

  function authHeaders() { return token ? { Authorization: "Bearer " + token } : {}; }

  function retry() {
    setTimeout(connect, backoff);
    backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
  }

  function connect() {
    if (!config.office) {
      fetch("/api/v1/offices", { headers: authHeaders() })
        .then((r) => { if (!r.ok) throw new Error("offices: " + r.status); return r.json(); })
        .then((list) => { if (!list.length) throw new Error("no office"); config.office = list[0].id; connect(); })
        .catch(retry);
      return;
    }
    const since = fresh ? 0 : board.seq;
    fresh = false;
    const q = [];
    if (token) q.push("token=" + encodeURIComponent(token));
    if (since > 0) q.push("since=" + since);
    const url = (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host +
      "/api/v1/offices/" + encodeURIComponent(config.office) + "/stream" + (q.length ? "?" + q.join("&") : "");
    let ws;
    stats.connections.push(since);
    try { ws = new WebSocket(url); } catch (e) { retry(); return; }
    let opened = false;
    ws.onopen = () => { opened = true; signIn = ""; board.lastMessage = Date.now(); tick(); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      backoff = MIN_BACKOFF_MS;
      const r = apply(board, m, Date.now());
      stats.outcomes.push(r.outcome);
      if (r.outcome === "day_turned") {
        // Yesterday's calls go at once, also from the sound queue.
        queue.length = 0;
        callSeen = 0;
        render();
      }
      if (r.outcome === "gap" || r.outcome === "day_turned") { fresh = true; ws.close(); return; }
      if (r.announce.length) callSeen = Date.now();
      r.announce.forEach(announce);
      if (r.outcome === "applied") render();
      tick();
    };
    ws.onclose = () => {
      if (fresh) { setTimeout(connect, 0); return; }
      if (opened) { retry(); return; }
      // A browser does not tell a page why a WebSocket was refused: ask
      // the hub, so that a board without a valid token says so instead
      // of "Verbindung unterbrochen".
      whyRefused().then((why) => { signIn = why; tick(); }, () => {}).then(retry);
    };
  }

  // ---- Sound: gong, then the sentence per language; one after the other. ----

  const queue = [];
  const announced = []; // what was announced, for tests and diagnosis
  const spoken = []; // the sentences of the announcements, for tests
  // The since of each connection and the outcome of each message, for tests.
  const stats = { connections: [], outcomes: [] };
  let speaking = false;
  let gong = null;
  let unlocked = false;

  function announce(call) {
    announced.push((call.recall ? "recall " : "") + call.number + " " + call.counterName);
    for (const lang of voices()) spoken.push(sentence(textsOf(lang).speech, call));
    if (!config.sound) return;
    queue.push(call);
    if (queue.length > 16) queue.splice(0, queue.length - 16);
    if (!speaking) runQueue();
  }

  function withTimeout(p, ms) {
    return Promise.race([p, new Promise((res) => setTimeout(res, ms))]);
  }

  function playGong() {
    if (!gong) gong = new Audio("/assets/sounds/gong.wav");
    gong.currentTime = 0;
    return withTimeout(new Promise((res) => {
      gong.onended = res;
      gong.onerror = res;
      const p = gong.play();
      if (p && p.catch) p.catch(() => { showUnmute(); res(); });
    }), 5000);
  }

  function speak(text, lang) {
    if (!config.speech || !("speechSynthesis" in window) || !text) return Promise.resolve();
    return withTimeout(new Promise((res) => {
      const u = new SpeechSynthesisUtterance(text);
      u.lang = speechTag(lang);
      const v = voiceFor(lang);
      if (v) u.voice = v;
      u.onend = res;
      u.onerror = res;
      speechSynthesis.speak(u);
    }), 15000);
  }

  function speechTag(lang) { return REGION[lang] || lang; }

  // voiceFor picks the browser's voice for a language: one of its region
  // first, then any of the language. Without one the browser picks by
  // u.lang, which on some TVs means the German voice reads Turkish.
  function voiceFor(lang) {
    const all = ("speechSynthesis" in window && speechSynthesis.getVoices()) || [];
    const tag = speechTag(lang).toLowerCase();
    return all.find((v) => v.lang.toLowerCase().replace("_", "-") === tag) ||
      all.find((v) => v.lang.toLowerCase().split(/[-_]/)[0] === lang) || null;
  }

  async function runQueue() {
    speaking = true;
    while (queue.length) {
      const call = queue.shift();
      await playGong();
      for (const lang of voices()) await speak(sentence(textsOf(lang).speech, call), lang);
    }
    speaking = false;
  }

  // Browsers let a page play sound only after a gesture: a TV set up once
  // with a click keeps it for the session.
  function showUnmute() {
    if (unlocked) return;
    const b = document.getElementById("unmute");
    b.hidden = false;
    b.onclick = () => {
      unlocked = true;
      b.hidden = true;
      if (!gong) gong = new Audio("/assets/sounds/gong.wav");
      gong.play().catch(() => {});
    };
  }

  // ---- Rendering ----

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function unit() {
    const portrait = innerHeight > innerWidth;
    return portrait ? Math.min(innerHeight, 1.25 * innerWidth) / 100 : innerHeight / 100;
  }

  function blinkStyle() {
    const elapsed = Date.now() - callSeen;
    if (!callSeen || elapsed >= BLINK_MS) return null;
    // A re-render continues the blink where it was instead of restarting it.
    return "animation-delay:-" + elapsed + "ms";
  }

  // applyBlink sets the blink's delay through the CSSOM: the hub's
  // Content-Security-Policy forbids style attributes in markup.
  function applyBlink(el, blink) {
    const n = blink && el.querySelector(".blink");
    if (n) n.style.cssText = blink;
  }

  function render() {
    document.title = t("window_title");
    // The ticker first: it takes its height from the calls, and rows
    // counted before it appears would be cut at the bottom.
    renderNotice();
    const el = document.getElementById("calls");
    const u = unit();
    const rows = Math.max(0, 1 + Math.floor((el.clientHeight - 5 * u - 16 * u) / (13 * u)));
    let layout = config.layout;
    if (layout !== "list" && layout !== "columns") layout = board.counters.length > Math.max(rows, 6) ? "columns" : "list";
    // The list gets every call it has; dropCutRows then removes those
    // that do not fit whole.
    if (layout === "columns" && board.counters.length) renderTiles(el); else renderList(el, HISTORY);
    renderWaiting();
    fitTexts();
    if (el.className === "list") dropCutRows(el);
    tick();
  }

  // fitTexts shrinks what overflows its box (long counter names, many
  // services), since fonts differ from TV to TV.
  function fitTexts() {
    for (const el of document.querySelectorAll(".call .number, .call .counter, .tile .name, .tile .number")) {
      el.style.fontSize = "";
      if (el.scrollWidth > el.clientWidth && el.clientWidth > 0) {
        const size = parseFloat(getComputedStyle(el).fontSize);
        el.style.fontSize = Math.max(size / 2, (size * el.clientWidth) / el.scrollWidth * 0.97) + "px";
      }
    }
    // The services' names shrink together: one name smaller than the
    // others would look less important.
    const names = [...document.querySelectorAll(".service .name")];
    names.forEach((el) => { el.style.fontSize = ""; });
    const fit = Math.min(1, ...names.filter((el) => el.clientWidth > 0).map((el) => el.clientWidth / el.scrollWidth));
    if (fit < 1) {
      const size = Math.max(0.6, fit * 0.97) * parseFloat(getComputedStyle(names[0]).fontSize) + "px";
      names.forEach((el) => { el.style.fontSize = size; });
    }
    const panel = document.getElementById("waiting");
    let scale = 1;
    panel.style.setProperty("--wscale", scale);
    while (panel.scrollHeight > panel.clientHeight && scale > 0.6) {
      scale *= 0.9;
      panel.style.setProperty("--wscale", scale);
    }
    // The waiting lines keep the size they are read at from the back of
    // the room while the names can shrink; only for a list too long even
    // then do they give a little, and a service that still does not fit
    // is left out whole rather than shown cut in half.
    let wait = 1;
    panel.style.setProperty("--wait-scale", wait);
    while (panel.scrollHeight > panel.clientHeight && wait > 0.8) {
      wait -= 0.05;
      panel.style.setProperty("--wait-scale", wait);
    }
    const bottom = panel.getBoundingClientRect().bottom - parseFloat(getComputedStyle(panel).paddingBottom);
    const list = panel.querySelectorAll(".service");
    for (let i = list.length - 1; i > 0 && list[i].getBoundingClientRect().bottom > bottom + 0.5; i--) list[i].remove();
  }

  // dropCutRows removes the calls that do not fit whole: the rows' count
  // is an estimate from the screen's height, fonts and borders are not.
  function dropCutRows(el) {
    const bottom = el.getBoundingClientRect().bottom;
    const calls = el.querySelectorAll(".call");
    for (let i = calls.length - 1; i > 0 && calls[i].getBoundingClientRect().bottom > bottom + 0.5; i--) calls[i].remove();
  }

  function renderList(el, rows) {
    el.className = "list";
    el.style.gridTemplateColumns = "";
    el.style.removeProperty("--number-size");
    el.style.removeProperty("--name-size");
    let html = '<div class="head"><span>' + esc(t("number")) + "</span><span></span><span>" + esc(t("counter")) + "</span></div>";
    if (!board.calls.length) html += '<div class="idle">' + esc(t("idle")) + "</div>";
    const blink = blinkStyle();
    board.calls.slice(0, Math.max(rows, 1)).forEach((c, i) => {
      const cls = ["call", c.active ? "active" : "inactive"];
      if (i === 0) { cls.push("newest"); if (blink) cls.push("blink"); }
      html += '<div class="' + cls.join(" ") + '" data-ticket="' + esc(c.ticket) + '"><span class="number">' + esc(c.number) +
        '</span><span class="arrow">→</span><span class="counter">' + esc(c.counterName) + "</span></div>";
    });
    el.innerHTML = html;
    applyBlink(el, blink);
  }

  function renderTiles(el) {
    const n = board.counters.length;
    // The class first: the list's column is narrower than the tiles'.
    el.className = "tiles";
    const w = el.clientWidth, h = el.clientHeight;
    const gap = parseFloat(getComputedStyle(el).columnGap) || 0;
    let best = 1, bestSize = 0;
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const tw = (w - (cols - 1) * gap) / cols, th = (h - (rows - 1) * gap) / rows;
      const size = Math.min(0.5 * th, (0.85 * tw) / 2.75); // "A000" in bold is about 2.75 em wide
      if (size > bestSize) { best = cols; bestSize = size; }
    }
    const rows = Math.ceil(n / best);
    el.style.gridTemplateColumns = "repeat(" + best + ", 1fr)";
    el.style.gridTemplateRows = "repeat(" + rows + ", 1fr)";
    el.style.setProperty("--number-size", bestSize + "px");
    el.style.setProperty("--name-size", Math.min(0.2 * ((h - (rows - 1) * gap) / rows), 0.4 * bestSize) + "px");
    const newest = board.calls[0];
    const blink = blinkStyle();
    let html = "";
    for (const c of board.counters) {
      const call = board.calls.find((x) => x.counter === c.id && x.active);
      const isNew = call && newest && newest.ticket === call.ticket;
      let body;
      if (call) body = '<div class="number">' + esc(call.number) + "</div>";
      else if (c.closed) body = '<div class="closed-text">' + esc(t("closed")) + "</div>";
      else body = '<div class="number free">–</div>';
      // A counter nobody works at looks unlike an idle one: dark and
      // struck, not a tile waiting for its next number.
      const cls = "tile" + (isNew ? " newest" + (blink ? " blink" : "") : "") + (!call && c.closed ? " closed" : "");
      html += '<div class="' + cls + '" data-counter="' + esc(c.id) + '"><div class="name">' + esc(c.name) + "</div>" + body + "</div>";
    }
    el.innerHTML = html;
    applyBlink(el, blink);
  }

  function renderWaiting() {
    let html = "";
    for (const s of board.waiting) {
      let wait = t("waiting_count").replace("{count}", s.waiting) + " · ";
      if (s.waitMinutes < 0) wait += t("wait_closed");
      else if (!s.waiting || !s.waitMinutes) wait += t("wait_none");
      else wait += t("wait_minutes").replace("{minutes}", s.waitMinutes);
      html += '<div class="service"><div class="name">' + esc(s.name) + '</div><div class="wait">' + esc(wait) + "</div></div>";
    }
    document.getElementById("services").innerHTML = html;
  }

  function renderNotice() {
    const footer = document.getElementById("ticker");
    const el = document.getElementById("notice");
    if (el.textContent === board.notice && !footer.hidden === !!board.notice) return;
    footer.hidden = !board.notice;
    el.textContent = board.notice;
    el.classList.remove("scroll");
    if (board.notice && el.scrollWidth > footer.clientWidth) {
      // 120 px/s, starting with the text's beginning in view.
      el.style.setProperty("--duration", (el.scrollWidth + footer.clientWidth) / 120 + "s");
      el.style.animationDelay = -footer.clientWidth / 120 + "s";
      el.classList.add("scroll");
    }
  }

  // clockText shows the office's time, not the TV's time zone.
  function clockText(now, zone) {
    try {
      if (zone) return now.toLocaleTimeString("de-DE", { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false });
    } catch (e) { /* an unknown zone: the TV's own time */ }
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  // zone is the office's IANA time zone: from the last snapshot, else as
  // remembered from an earlier run, so that a board started while the hub
  // is away shows the office's time, not the TV's.
  function zone() {
    const key = "lotse.display.timezone." + config.office;
    try {
      if (board.office.timezone) localStorage.setItem(key, board.office.timezone);
      return board.office.timezone || localStorage.getItem(key) || "";
    } catch (e) { return board.office.timezone || ""; } // storage off
  }

  // tick redraws what changes with time: the clock and the warning.
  function tick() {
    document.getElementById("clock").textContent = clockText(new Date(), zone());
    const stale = Date.now() - (board.lastMessage || started) > STALE_MS;
    document.body.classList.toggle("stale", stale);
    document.body.classList.toggle("connected", board.ready && !stale);
    document.body.classList.toggle("refused", !!signIn);
    document.getElementById("office").textContent = signIn ? t(signIn).replace("{office}", config.office)
      : stale ? t("offline") : board.ready ? board.office.name : t("connecting");
  }

  function translateStatic() {
    document.documentElement.lang = config.lang;
    document.documentElement.dir = RTL.includes(config.lang) ? "rtl" : "ltr";
    for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  }

  function fetchTexts(lang) {
    return fetch("/assets/translations/display/" + encodeURIComponent(lang) + ".json").then((r) => {
      if (r.status === 404) return null; // a language the hub has no texts for
      if (!r.ok) throw new Error("texts " + lang + ": " + r.status);
      return r.json();
    });
  }

  // loadTexts fetches German and the other languages the board uses, and
  // retries with the stream's backoff while the hub is away. A language
  // without a translation file shows (and speaks) German.
  function loadTexts() {
    const langs = [...new Set(["de", config.lang, config.lang2].filter(Boolean))];
    return Promise.all(langs.map(fetchTexts)).then((found) => {
      if (!found[0]) throw new Error("no German texts");
      langs.forEach((lang, i) => { texts[lang] = Object.assign({}, found[0], found[i] || {}); });
    }).catch(() => new Promise((res) => setTimeout(res, backoff)).then(() => {
      backoff = Math.min(2 * backoff, MAX_BACKOFF_MS);
      return loadTexts();
    }));
  }

  window.lotseDisplay = { board, apply, spokenNumber, announced, spoken, config, stats, speechTag };

  loadTexts().then(() => {
    backoff = MIN_BACKOFF_MS;
    translateStatic();
    render();
    setInterval(tick, 500);
    addEventListener("resize", render);
    connect();
  });
})();
