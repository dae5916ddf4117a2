// Lotse emergency call (Notruf): the alarm banners of the workplace and
// the supervisor's live view. A call reaches the page as a stream message
// {"type":"emergency"} (only clerks' and supervisors' streams get it);
// on every (re)connect the page asks GET …/emergencies, so that a page
// opened during a call shows it too. The sound is made here with
// WebAudio: nothing to download, and it plays until this page
// acknowledges the call. The counter that raised the call stays silent:
// the alarm is silent where the danger is.
"use strict";

const LotseEmergency = (() => {
  const { t, el, $, request } = Lotse;

  // create binds the alarm to a page: opts.office() and opts.counter()
  // name the page's office and counter ("" on the supervisor's view),
  // opts.mayEnd(call) says whether this page may end a call, and
  // opts.mount is the element the banners go into.
  function create(opts) {
    let calls = new Map(); // counter → the call's last state
    const acked = new Set(); // counters whose call this page acknowledged
    // seen is the highest rev a page has of each counter's calls, ended
    // ones included: answers and messages may cross, and an older state
    // (an acknowledgement's answer after the end) must not win.
    const seen = new Map();
    const newer = (c) => (c.rev || 0) > (seen.get(c.counter) || 0);
    let audio = null, beep = 0;

    const base = (counter) => "/api/v1/offices/" + encodeURIComponent(opts.office()) + "/counters/" + encodeURIComponent(counter) + "/emergency";
    const own = (c) => c.counter === opts.counter();

    // ---------- sound ----------
    // Two tones every second and a half, until acknowledged. A browser
    // that holds the audio back until the page is touched plays from
    // the first touch on (resume on click).
    function sound(on) {
      document.body.dataset.alarm = on ? "sounding" : "";
      if (!on) { clearInterval(beep); beep = 0; return; }
      if (beep) return;
      try {
        const AC = window.AudioContext || window.webkitAudioContext;
        if (!audio && AC) audio = new AC();
      } catch (e) { audio = null; }
      const ring = () => {
        if (!audio) return;
        if (audio.state === "suspended") audio.resume().catch(() => {});
        const now = audio.currentTime;
        [[880, 0], [660, 0.25]].forEach(([f, at]) => {
          const o = audio.createOscillator(), g = audio.createGain();
          o.type = "square";
          o.frequency.value = f;
          g.gain.setValueAtTime(0.0001, now + at);
          g.gain.exponentialRampToValueAtTime(0.25, now + at + 0.02);
          g.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.22);
          o.connect(g).connect(audio.destination);
          o.start(now + at);
          o.stop(now + at + 0.24);
        });
      };
      ring();
      beep = setInterval(ring, 1500);
    }
    document.addEventListener("click", () => { if (audio && audio.state === "suspended") audio.resume().catch(() => {}); });

    // ---------- rendering ----------
    function clock(iso) {
      const off = Lotse.office(opts.office());
      return Lotse.clock(iso, off);
    }

    function render() {
      const list = [...calls.values()].sort((a, b) => a.raisedAt.localeCompare(b.raisedAt));
      opts.mount.hidden = !list.length;
      opts.mount.replaceChildren(...list.map((c) => {
        const mine = own(c);
        const acks = (c.acks || []).map((a) => a.counter ? t("emergency.ackBy", { user: a.account, counter: Lotse.counterName(Lotse.office(opts.office()), a.counter) }) : a.account);
        const buttons = [];
        if (!mine && !acked.has(c.counter)) {
          buttons.push(el("button", { type: "button", class: "btn emergency-ack", dataset: { counter: c.counter }, text: t("emergency.ack"), onclick: () => ack(c.counter) }));
        }
        if (opts.mayEnd(c)) {
          buttons.push(el("button", { type: "button", class: "btn emergency-end", dataset: { counter: c.counter }, text: t("emergency.end"), onclick: () => end(c.counter) }));
        }
        return el("div", { class: "emergency-banner" + (mine ? " own" : ""), role: "alert", dataset: { counter: c.counter, state: c.state } },
          el("div", { class: "emergency-text" },
            el("strong", { class: "emergency-title", text: mine ? t("emergency.ownTitle") : t("emergency.title", { counter: c.counterName || c.counter }) }),
            el("span", { class: "emergency-meta", text: (mine ? t("emergency.ownText") : t("emergency.since", { user: c.raisedBy, time: clock(c.raisedAt) })) }),
            el("span", { class: "emergency-acks", text: acks.length ? t("emergency.acks", { list: acks.join(", ") }) : t("emergency.noAcks") })),
          el("div", { class: "emergency-buttons" }, ...buttons));
      }));
      sound(list.some((c) => !own(c) && !acked.has(c.counter)));
      const btn = $("#emergency");
      if (btn) {
        const on = calls.has(opts.counter());
        btn.setAttribute("aria-pressed", on ? "true" : "false");
        btn.disabled = on;
      }
    }

    // ---------- state ----------
    function apply(c) {
      if (c.office && c.office !== opts.office()) return;
      if (!newer(c)) return;
      seen.set(c.counter, c.rev);
      if (c.state === "ended") {
        calls.delete(c.counter);
        acked.delete(c.counter);
        if (opts.onEnded) opts.onEnded(c);
      } else {
        calls.set(c.counter, c);
      }
      render();
    }

    async function load() {
      const r = await request("GET", "/api/v1/offices/" + encodeURIComponent(opts.office()) + "/emergencies");
      if (!r.ok) return;
      const next = new Map();
      for (const c of r.data.active || []) {
        if (newer(c)) { seen.set(c.counter, c.rev); next.set(c.counter, c); }
        else if (calls.has(c.counter)) next.set(c.counter, calls.get(c.counter)); // ours is as new or newer
      }
      // A call the answer lacks ended before it, unless ours is newer
      // than the answer (raised after it).
      for (const [k, c] of calls) if (!next.has(k) && (c.rev || 0) > (r.data.rev || 0)) next.set(k, c);
      for (const [k] of calls) if (!next.has(k)) seen.set(k, Math.max(seen.get(k) || 0, r.data.rev || 0));
      calls = next;
      for (const k of [...acked]) if (!calls.has(k)) acked.delete(k);
      render();
    }

    async function post(url) {
      const r = await request("POST", url, {});
      if (!r.ok) { if (opts.onError) opts.onError(r.error); return; }
      apply(r.data);
    }

    function raise() {
      if (!opts.counter() || calls.has(opts.counter())) return;
      return post(base(opts.counter()));
    }
    function ack(counter) {
      acked.add(counter); // silent at once: the click is the acknowledgement
      render();
      return post(base(counter) + "/ack");
    }
    function end(counter) { return post(base(counter) + "/end"); }

    // message takes a stream message; true when it was the alarm's.
    function message(msg) {
      if (msg.type === "snapshot") { load(); return false; }
      if (msg.type !== "emergency") return false;
      apply(msg);
      return true;
    }

    return { load, raise, message, render };
  }

  return { create };
})();
