// Lotse counter workplace: the clerk's current ticket, the buttons and
// shortcuts for the counter actions, and the live queue of this counter.
"use strict";

(() => {
  const { t, el, $, request, requestId, errorText } = Lotse;

  let sess = null;      // {office, counter, ...}
  let off = null;       // the office (services, counters, time zone)
  let q = null;         // the last CounterQueue
  let busy = false;     // a counter action is under way
  let noticeTimer = 0;
  let outcome = "";     // the outcome picked for the current ticket
  let outcomeOf = "";   // the ticket it was picked for

  const base = () => "/api/v1/offices/" + encodeURIComponent(sess.office) + "/counters/" + encodeURIComponent(sess.counter);
  const current = () => (q && q.counter && q.counter.ticket) || null;
  const isOpen = () => !!(q && q.counter && q.counter.open);
  const callable = () => (q ? [...(q.next || []), ...(q.parked || []), ...(q.missed || [])] : []);

  // enabled says whether an action makes sense now, so that the clerk
  // cannot press what would only produce an error.
  function enabled(action) {
    if (!q || busy) return false;
    const cur = current();
    switch (action) {
      case "next": return isOpen() && (!!cur || (q.next || []).length > 0);
      case "recall": case "noshow": case "start": return !!cur && cur.state === "called";
      case "finish": case "park": case "transfer": return !!cur;
      case "call": return isOpen() && callable().length > 0;
    }
    return false;
  }

  // ---------- rendering ----------
  function render() {
    renderHeader();
    renderCurrent();
    renderButtons();
    renderLists();
  }

  function renderHeader() {
    const user = sess ? sess.user : "";
    $("#place").textContent = sess ? Lotse.counterName(off, sess.counter) + " · " + (off ? off.name : sess.office) + " · " + user : "";
    const badge = $("#counter-state"), pause = $("#pause");
    if (!q) { badge.hidden = true; pause.hidden = true; return; }
    badge.hidden = false;
    pause.hidden = false;
    badge.textContent = t(isOpen() ? "counter.open" : "counter.paused");
    badge.className = "badge " + (isOpen() ? "ok" : "paused");
    pause.textContent = t(isOpen() ? "counter.pause" : "counter.reopen");
    pause.disabled = busy;
    $("#hub-lost").textContent = t("status.hubLost");
    document.body.classList.toggle("paused", !isOpen());
  }

  function fact(labelKey, value, id) {
    return el("div", { class: "fact" }, el("dt", { text: t(labelKey) }), el("dd", { id, text: value }));
  }

  // waited is how long a ticket waited, as the hub counts it (whole
  // minutes passed, see waitedMinutes in counter.go): the queue row's
  // "wartet 4 Min." and the current ticket's "Gewartet 4 Min." come from
  // the one rule, never from two roundings of their own.
  function waited(tk) {
    const m = tk && tk.waitMinutes;
    return m === undefined || m === null || m < 0 ? null : m;
  }

  function renderCurrent() {
    const box = $("#current");
    const cur = current();
    if (!cur) {
      box.className = "ticket-card empty";
      let hint = "current.none";
      if (q && !isOpen()) hint = "current.paused";
      else if (q && !(q.next || []).length) hint = "current.noneEmpty";
      box.replaceChildren(el("p", { class: "empty-text", id: "current-empty", text: t(hint) }));
      return;
    }
    box.className = "ticket-card " + cur.state;
    let stateText = t("state." + cur.state);
    if (cur.state === "called" && cur.recalls) stateText += " · " + t("current.recalled", { n: cur.recalls });
    const waitedMin = waited(cur);
    const facts = [
      fact("current.services", Lotse.services(cur.services), "current-services"),
      fact("current.persons", String(cur.persons || 1), "current-persons"),
      fact("current.appointment", cur.appointmentStart ? Lotse.clock(cur.appointmentStart, off) : t("current.walkIn"), "current-appointment"),
      fact("current.waited", waitedMin === null ? "–" : t("common.minutes", { n: waitedMin }), "current-waited"),
    ];
    const head = el("div", { class: "ticket-head" },
      el("span", { class: "ticket-number", id: "current-number", text: cur.number }),
      el("span", { class: "state-badge " + cur.state, id: "current-state", text: stateText }),
      cur.priority ? el("span", { class: "state-badge priority", text: t("ticket.priority") }) : null);
    // replaceChildren, unlike el, would write an absent part as the
    // text "null": a walk-in has no name, most tickets no note.
    box.replaceChildren(...[
      head,
      cur.name ? el("p", { class: "ticket-name", id: "current-name", text: cur.name }) : null,
      cur.note ? el("p", { class: "ticket-note", id: "current-note", text: t("note." + cur.note) }) : null,
      cur.handover ? el("p", { class: "ticket-handover", id: "current-handover" }, el("strong", { text: t("current.handover") + " " }), cur.handover) : null,
      el("dl", { class: "facts" }, ...facts),
      outcomes(cur),
    ].filter(Boolean));
  }

  // outcomes is the row of the office's outcomes on the current ticket:
  // the clerk picks one (a click, or its digit key) before finishing,
  // and finish (or next) sends it. Counted per service, anonymously.
  // The row is built once per ticket and language and then kept: the
  // card is rebuilt at every event of the office, and a button replaced
  // under the clerk's finger would swallow the click.
  let outcomeBox = null, outcomeKey = "";
  function outcomes(cur) {
    const list = (off && off.outcomes) || [];
    if (!list.length) return null;
    if (outcomeOf !== cur.id) { outcome = ""; outcomeOf = cur.id; }
    const key = cur.id + "|" + Lotse.lang();
    if (outcomeBox && outcomeKey === key) return outcomeBox;
    outcomeKey = key;
    outcomeBox = el("fieldset", { class: "outcomes", id: "outcomes" },
      el("legend", { text: t("outcome.title") }),
      ...list.map((o, i) => el("button", {
        type: "button", class: "btn small outcome", dataset: { outcome: o.id }, "aria-pressed": outcome === o.id ? "true" : "false",
        onclick: () => pickOutcome(o.id),
      }, el("kbd", { text: String(i + 1) }), " " + ((o.names && o.names[Lotse.lang()]) || o.name))));
    return outcomeBox;
  }

  function pickOutcome(id) {
    outcome = outcome === id ? "" : id;
    document.querySelectorAll("#outcomes [data-outcome]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.outcome === outcome ? "true" : "false"));
  }

  // shortcut is an action's key in the page's language: the letter
  // stands in its label ("Abschließen" A, "Finish" F), so that a clerk can
  // guess it; the button shows it and underlines it in the label.
  function shortcut(action) {
    return t("key." + action).toUpperCase();
  }

  function renderButtons() {
    // A button disabled under the focus drops it to the page's top, and
    // a keyboard user starts over with Tab: the focus waits on the group
    // while an action runs, then returns to the action or the next one.
    const actions = $("#actions"), had = document.activeElement;
    const was = had && actions.contains(had) ? had.dataset.action || actions.dataset.focusAction : "";
    document.querySelectorAll("#actions [data-action]").forEach((b) => {
      b.disabled = !enabled(b.dataset.action);
      const k = shortcut(b.dataset.action);
      const label = b.querySelector("[data-i18n]"), text = t(label.dataset.i18n);
      const i = text.toUpperCase().indexOf(k);
      b.dataset.key = k;
      b.querySelector("kbd").textContent = k;
      label.replaceChildren(...(i < 0 ? [text] : [text.slice(0, i), el("span", { class: "key-letter", text: text.slice(i, i + 1) }), text.slice(i + 1)]));
    });
    $("#actions").setAttribute("aria-busy", busy ? "true" : "false");
    if (was) keepFocus(actions, was);
  }

  function keepFocus(actions, was) {
    const all = [...actions.querySelectorAll("[data-action]")];
    const i = Math.max(0, all.findIndex((b) => b.dataset.action === was));
    const to = all.slice(i).concat(all.slice(0, i)).find((b) => !b.disabled);
    if (to) {
      delete actions.dataset.focusAction;
      if (document.activeElement !== to) to.focus();
      return;
    }
    actions.dataset.focusAction = was;
    actions.tabIndex = -1;
    actions.focus();
  }

  function row(tk, button) {
    const meta = [];
    meta.push(tk.appointmentStart ? t("queue.appointmentAt", { time: Lotse.clock(tk.appointmentStart, off) }) : t("current.walkIn"));
    if (waited(tk) !== null && tk.state === "waiting") meta.push(t("queue.waited", { n: waited(tk) }));
    if (tk.persons > 1) meta.push(t("queue.persons", { n: tk.persons }));
    if (tk.targetCounter) meta.push(t("queue.forCounter", { counter: Lotse.counterName(off, tk.targetCounter) }));
    if (tk.note) meta.push(t("note." + tk.note));
    return el("li", { class: "ticket-row" + (tk.priority ? " priority" : ""), dataset: { ticket: tk.id, number: tk.number } },
      el("span", { class: "row-number", text: tk.number }),
      el("span", { class: "row-body" },
        el("span", { class: "row-services", text: Lotse.services(tk.services) }),
        el("span", { class: "row-meta", text: (tk.priority ? t("ticket.priority") + " · " : "") + meta.join(" · ") })),
      button || null);
  }

  function callAgain(tk) {
    return el("button", {
      type: "button", class: "btn call-again", text: t("queue.callAgain"), disabled: busy || !isOpen(),
      "aria-label": t("queue.callAgain") + " " + tk.number, onclick: () => act("call", { ticket: tk.id }),
    });
  }

  function renderLists() {
    const next = (q && q.next) || [], parked = (q && q.parked) || [], missed = (q && q.missed) || [];
    $("#queue-count").textContent = q ? "(" + next.length + ")" : "";
    $("#parked-count").textContent = q ? "(" + parked.length + ")" : "";
    $("#missed-count").textContent = q ? "(" + missed.length + ")" : "";
    const list = $("#queue-list");
    list.replaceChildren(...next.map((tk) => row(tk)));
    if (q && !next.length) list.append(el("li", { class: "empty-row", id: "queue-empty", text: t("queue.empty") }));
    $("#parked-list").replaceChildren(...parked.map((tk) => row(tk, callAgain(tk))));
    $("#missed-list").replaceChildren(...missed.map((tk) => row(tk, callAgain(tk))));
    $("#parked-title").hidden = !parked.length;
    $("#parked-list").hidden = !parked.length;
    $("#missed-title").hidden = !missed.length;
    $("#missed-list").hidden = !missed.length;
    const served = new Set(((off && off.counters) || []).filter((c) => sess && c.id === sess.counter).flatMap((c) => c.services));
    const sum = ((q && q.waiting) || []).filter((w) => served.has(w.service) && w.waiting > 0)
      .map((w) => w.name + ": " + w.waiting);
    $("#waiting-summary").textContent = sum.join(" · ");
  }

  // hubLink shows the connection to the hub in the header as well as in
  // the status line: a clerk looks at the header, and pressing "Nächste"
  // on a lost hub calls nobody.
  function hubLink(state) {
    Lotse.setStreamStatus(state);
    const lost = state === "down";
    document.body.classList.toggle("hub-lost", lost);
    const b = $("#hub-lost");
    b.hidden = !lost;
    b.textContent = t("status.hubLost");
  }

  // ---------- messages ----------
  function showError(text) {
    clearTimeout(noticeTimer);
    $("#error-text").textContent = text;
    $("#error").className = "error-banner";
    $("#error").hidden = false;
  }
  function showNotice(text) {
    clearTimeout(noticeTimer);
    $("#error-text").textContent = text;
    $("#error").className = "error-banner info";
    $("#error").hidden = false;
    noticeTimer = setTimeout(clearMessage, 8000);
  }
  function clearMessage() { $("#error").hidden = true; }

  // ---------- data ----------
  const order = Lotse.turns();
  async function load() {
    if (!sess) return;
    const turn = order.ask();
    const r = await request("GET", base() + "/queue");
    if (!order.show(turn)) return; // an action's answer came in meanwhile
    if (!r.ok) {
      if (r.error.code === "network") hubLink("down");
      else showError(errorText(r.error, "queue"));
      return;
    }
    q = r.data;
    render();
  }
  const refresh = Lotse.debounced(load, 200);

  // dayTurned drops everything of the old day at once (the hub sends
  // "day_turned" as the last event of a day turn) and fetches the new
  // day's queue: nothing of yesterday may stay on the clerk's screen.
  function dayTurned() {
    q = null;
    ["#transfer-dialog", "#call-dialog"].forEach((id) => { if ($(id).open) $(id).close(); });
    clearMessage();
    render();
    refresh.now();
  }

  // act runs a counter action. Buttons stay disabled until the answer is
  // in, and the request id makes a repeated request (a double click that
  // slipped through, a retry after a new login) answer with the first
  // answer instead of calling a second person.
  async function act(action, body) {
    if (busy || !sess) return;
    busy = true;
    renderButtons();
    renderLists();
    renderHeader();
    const before = current();
    // The picked outcome goes with whatever ends the current ticket.
    const extra = before && outcome && outcomeOf === before.id && ["finish", "next", "call"].includes(action) ? { outcome } : {};
    const r = await request("POST", base() + "/" + action, Object.assign({ requestId: requestId() }, extra, body || {}));
    busy = false;
    if (r.ok) order.show(order.ask());
    if (!r.ok && r.error.code === "current_not_started") {
      render();
      askCurrent(action, body);
      return;
    }
    if (!r.ok) {
      showError(errorText(r.error, action));
    } else {
      clearMessage();
      if (q) q.counter = r.data.counter;
      const tk = r.data.ticket;
      if (tk) {
        if (action === "park") showNotice(t("notice.parked", { number: tk.number }));
        else if (action === "transfer") showNotice(t("notice.transferred", { number: tk.number, to: tk.targetCounter ? Lotse.counterName(off, tk.targetCounter) : Lotse.services(tk.services.slice(0, 1)) }));
        else if (tk.state === "missed") showNotice(t("notice.missed", { number: tk.number }));
        else if (action === "finish") showNotice(t("notice.finished", { number: tk.number }));
        else if (action === "next" && before && before.id !== tk.id) showNotice(t("notice.finished", { number: before.number }));
      }
    }
    render();
    await refresh.now();
  }

  // ---------- dialogs ----------
  // askCurrent asks how the called but never started ticket ended and
  // repeats the action with the answer: the booking backend hears
  // "served" only when the clerk says so.
  function askCurrent(action, body) {
    const cur = current();
    const choose = (c) => { dlg.close(); if (c) act(action, Object.assign({}, body, { current: c })); };
    const dlg = el("dialog", { class: "picker", id: "current-dialog", tabindex: "-1", onclose: () => dlg.remove() },
      el("p", { text: t("confirm.current", { number: cur ? cur.number : "" }) }),
      el("div", { class: "dialog-buttons" },
        el("button", { type: "button", class: "btn primary", dataset: { current: "served" }, text: t("confirm.served"), onclick: () => choose("served") }),
        el("button", { type: "button", class: "btn", dataset: { current: "noshow" }, text: t("confirm.noshow"), onclick: () => choose("noshow") }),
        el("button", { type: "button", class: "btn", text: t("common.cancel"), onclick: () => choose(null) })));
    document.body.append(dlg);
    dlg.showModal();
  }

  function openTransfer() {
    if (!enabled("transfer")) return;
    const cur = current();
    const served = new Set(((off && off.counters) || []).flatMap((c) => c.services));
    const svc = ((off && off.services) || []).filter((s) => served.has(s.id));
    $("#transfer-services").replaceChildren(...svc.map((s) => el("button", {
      type: "button", class: "tile", dataset: { service: s.id }, ...named(s),
      disabled: cur && cur.services && cur.services[0] && cur.services[0].service === s.id && !cur.services[1],
      onclick: () => { $("#transfer-dialog").close(); act("transfer", { service: s.id, handover: $("#transfer-note").value }); },
    })));
    const ctr = ((off && off.counters) || []).filter((c) => c.id !== sess.counter);
    $("#transfer-counters").replaceChildren(...ctr.map((c) => el("button", {
      type: "button", class: "tile", dataset: { counter: c.id }, text: c.name, lang: "de",
      onclick: () => { $("#transfer-dialog").close(); act("transfer", { counter: c.id, handover: $("#transfer-note").value }); },
    })));
    $("#transfer-note").value = "";
    $("#transfer-dialog").showModal();
    fitWords($("#transfer-dialog"));
  }

  // named gives a tile its service's name in the page's language where
  // the office has one, else the office's own (German) name, with the
  // lang the browser hyphenates it by.
  function named(s) {
    const own = s.names && s.names[Lotse.lang()];
    return { text: own || s.name, lang: own ? Lotse.lang() : "de" };
  }

  // fitWords shrinks a tile's text until its longest word fits: browsers
  // without a hyphenation dictionary for the tile's lang (Chromium on
  // Linux has none) would otherwise overflow the tile or cut the word
  // anywhere. A browser that hyphenates never overflows, so nothing
  // shrinks there.
  function fitWords(root) {
    root.querySelectorAll(".tile").forEach((b) => {
      b.style.fontSize = "";
      const inner = b.clientWidth - parseFloat(getComputedStyle(b).paddingLeft) - parseFloat(getComputedStyle(b).paddingRight);
      for (let i = 0; i < 8 && b.scrollWidth > b.clientWidth && inner > 0; i++) {
        b.style.fontSize = parseFloat(getComputedStyle(b).fontSize) * 0.92 + "px";
      }
    });
  }

  const norm = (s) => s.toUpperCase().replace(/[\s-]/g, "");

  function renderCallTiles() {
    const f = norm($("#call-filter").value);
    const list = callable().filter((tk) => !f || norm(tk.number).includes(f));
    $("#call-tickets").replaceChildren(...list.map((tk) => el("button", {
      type: "button", class: "tile ticket-tile", dataset: { ticket: tk.id },
      onclick: () => { $("#call-dialog").close(); act("call", { ticket: tk.id }); },
    }, el("strong", { text: tk.number }), el("span", { text: t("state." + tk.state) + " · " + Lotse.services(tk.services) }))));
    if (!list.length) $("#call-tickets").append(el("p", { class: "empty-text", text: t("call.none") }));
    return list;
  }

  // openCall opens the dialog for calling a specific ticket. Opened by
  // the C key, the number field takes the focus only when the key is
  // released, so that the "c" itself is not typed into it.
  function openCall(fromKey) {
    if (!enabled("call")) return;
    const filter = $("#call-filter");
    filter.value = "";
    renderCallTiles();
    $("#call-dialog").showModal();
    if (!fromKey) { filter.focus(); return; }
    $("#call-dialog").focus();
    const focus = () => { document.removeEventListener("keyup", focus, true); if ($("#call-dialog").open) { filter.value = ""; renderCallTiles(); filter.focus(); } };
    document.addEventListener("keyup", focus, true);
  }

  // ---------- input ----------
  const actions = ["next", "recall", "noshow", "start", "finish", "park", "transfer", "call"];
  const actionOfKey = (key) => actions.find((a) => shortcut(a).toLowerCase() === key.toLowerCase());

  function run(action, fromKey) {
    if (!enabled(action)) return;
    if (action === "transfer") openTransfer();
    else if (action === "call") openCall(fromKey);
    else act(action);
  }

  function onKey(e) {
    // The emergency call works from anywhere on the page, a dialog or a
    // field included: whoever needs it has no time to close one first.
    if (e.ctrlKey && e.altKey && !e.metaKey && (e.code === "KeyN" || e.key.toLowerCase() === "n")) {
      e.preventDefault();
      if (sess) alarm.raise();
      return;
    }
    if (e.repeat || e.ctrlKey || e.altKey || e.metaKey) return;
    if (document.body.classList.contains("login-open") || document.querySelector("dialog[open]")) return;
    const tag = (e.target && e.target.tagName) || "";
    if (["INPUT", "SELECT", "TEXTAREA"].includes(tag)) return;
    const digit = /^[1-9]$/.test(e.key) && current() && ((off && off.outcomes) || [])[Number(e.key) - 1];
    if (digit) { e.preventDefault(); pickOutcome(digit.id); return; }
    let action = e.key.length === 1 ? actionOfKey(e.key) : undefined;
    // Space and Enter call the next person — unless a button has the
    // focus, where they already press that button.
    if (!action && (e.key === " " || e.key === "Enter") && tag !== "BUTTON" && tag !== "A") action = "next";
    if (!action) return;
    e.preventDefault();
    run(action, true);
  }

  const alarm = LotseEmergency.create({
    mount: $("#emergencies"),
    office: () => (sess ? sess.office : ""),
    counter: () => (sess ? sess.counter : ""),
    mayEnd: (c) => !!sess && c.counter === sess.counter,
    onError: (err) => showError(errorText(err, "emergency")),
    onEnded: (c) => showNotice(t("emergency.ended", { counter: c.counterName || c.counter })),
  });

  async function main() {
    document.querySelectorAll("#actions [data-action]").forEach((b) => b.addEventListener("click", () => run(b.dataset.action)));
    $("#pause").addEventListener("click", () => act(isOpen() ? "pause" : "open"));
    $("#emergency").addEventListener("click", () => alarm.raise());
    $("#error-close").addEventListener("click", clearMessage);
    $("#transfer-cancel").addEventListener("click", () => $("#transfer-dialog").close());
    $("#call-cancel").addEventListener("click", () => $("#call-dialog").close());
    $("#call-filter").addEventListener("input", renderCallTiles);
    // Enter in the number field calls the one ticket that matches.
    $("#call-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const list = renderCallTiles();
      if (list.length === 1) { $("#call-dialog").close(); act("call", { ticket: list[0].id }); }
    });
    document.addEventListener("keydown", onKey);
    Lotse.onSession((s) => { sess = s; off = Lotse.office(s.office); });
    render();

    sess = await Lotse.start({ needCounter: true, onLanguage: () => { render(); alarm.render(); } });
    off = Lotse.office(sess.office);
    render();
    await load();
    Lotse.stream(sess.office, (msg) => {
      if (alarm.message(msg)) return;
      if (msg.type === "day_turned") dayTurned(); else refresh();
    }, hubLink);
    Lotse.pollHealth();
    setInterval(Lotse.pollHealth, 30000);
    // Appointments become due as time passes, without an event.
    setInterval(() => refresh(), 30000);
  }

  main();
})();
