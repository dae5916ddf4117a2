// The citizen's status page, kept live. The server rendered the page in
// full; this script only updates it in place from the same texts, with the
// server's state->text table (D.states, D.next). Plain ES5 for old phones.
(function () {
  "use strict";
  var el = document.getElementById("texts");
  if (!el || !window.JSON) return;
  var D = JSON.parse(el.textContent), T = D.texts, last = D.status;
  var q = "?lang=" + encodeURIComponent(D.lang), es = null, timer = null, audio = null, sw = null;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }
  function live(st) { return D.live.indexOf(st.state) >= 0; }

  // fill sets node's content to text with its {name} placeholders filled
  // in, each value in a <bdi> as the server does it.
  function fill(node, text, vars) {
    node.textContent = "";
    var parts = text.split(/\{(\w+)\}/);
    for (var i = 0; i < parts.length; i++) {
      if (i % 2 === 0) { node.appendChild(document.createTextNode(parts[i])); continue; }
      var b = document.createElement("bdi");
      b.textContent = vars && vars[parts[i]] != null ? vars[parts[i]] : "{" + parts[i] + "}";
      node.appendChild(b);
    }
  }
  function plain(text, vars) { return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k]; }); }

  function minutesKey(n) {
    var form = "other";
    try { form = new Intl.PluralRules(D.lang).select(n); } catch (e) { /* old browser: "other" */ }
    return T["minutes_" + form] ? "minutes_" + form : "minutes_other";
  }

  function render(st) {
    document.body.className = "state-" + st.state;
    $("number").textContent = st.number || "";
    $("services").textContent = (st.services || []).join(", ");
    show("services", st.services && st.services.length);
    var key = st.state === "waiting" && st.next ? D.next : D.states[st.state];
    $("headline").textContent = T[key] || "";
    var called = st.state === "called";
    if (called) fill($("call"), T.goTo, { counter: st.counterName || st.counter || "" });
    else $("call").textContent = "";
    document.title = called ? plain(T.goTo, { counter: st.counterName || st.counter || "" }) : (st.number ? st.number + " – " : "") + T.title;
    show("recalled", called && st.recalls > 0);
    var waiting = st.state === "waiting", hasWait = st.waitMinutes != null;
    show("facts", waiting);
    $("ahead").textContent = String(st.ahead);
    show("wait-row", hasWait);
    if (hasWait) {
      if (st.waitMinutes < 1) fill($("wait"), T.minutesSoon);
      else fill($("wait"), T[minutesKey(st.waitMinutes)], { n: String(st.waitMinutes) });
    }
    show("no-counter", waiting && !hasWait);
    show("withdraw-area", st.canWithdraw);
    show("hint", live(st));
    fill($("confirm-q"), st.appointment ? T.confirmQuestion : T.confirmQuestionWalkIn, { number: st.number || "" });
    notifyButton();
  }

  // apply shows st unless it is older than what the page shows; a new or
  // repeated call alerts the citizen.
  function apply(st) {
    if (!st || typeof st.state !== "string" || st.seq < last.seq) return;
    if (!D.states[st.state]) { location.replace(D.base + q); return; } // token gone: the server's friendly page
    var prev = last;
    last = st;
    show("offline", false);
    render(st);
    if (st.state === "called" && (prev.state !== "called" || st.recalls > prev.recalls)) alertCall(st);
    if (!live(st)) stop();
  }

  function request(method, url, cb) {
    var x = new XMLHttpRequest();
    x.open(method, url);
    x.setRequestHeader("Accept", "application/json");
    x.onload = function () {
      var st = null;
      try { st = JSON.parse(x.responseText); } catch (e) { st = null; }
      cb(x.status >= 200 && x.status < 300 || x.status === 404 || x.status === 410 ? st : null);
    };
    x.onerror = function () { cb(null); };
    x.send();
  }

  function refresh() {
    request("GET", D.base + "/status" + q, function (st) {
      if (st) apply(st); else show("offline", !navigator.onLine || !es);
    });
  }

  function stop() {
    if (es) { es.close(); es = null; }
    if (timer) { clearInterval(timer); timer = null; }
  }

  // connect follows the ticket over SSE (the browser resends Last-Event-ID
  // itself); when the stream fails, it fetches the status at once and then
  // polls every 15 s, until the phone wakes or comes online again.
  function connect() {
    stop();
    if (!live(last)) return;
    if (!window.EventSource) { poll(); return; }
    es = new EventSource(D.base + "/events" + q);
    es.addEventListener("status", function (e) {
      try { apply(JSON.parse(e.data)); } catch (err) { /* a broken message: the next one repairs */ }
    });
    es.onerror = function () {
      if (es) { es.close(); es = null; }
      if (!timer) refresh();
      poll();
    };
  }
  function poll() { if (!timer && live(last)) timer = setInterval(refresh, 15000); }

  function wake() { connect(); refresh(); }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) wake(); });
  window.addEventListener("online", wake);

  // alertCall: a short beep made here (no sound file), vibration and a
  // system notification where the phone allows them.
  function alertCall(st) {
    try {
      if (audio) {
        [0, 0.35].forEach(function (at) {
          var o = audio.createOscillator(), g = audio.createGain(), t0 = audio.currentTime + at;
          o.frequency.value = 880;
          g.gain.setValueAtTime(0.3, t0);
          g.gain.exponentialRampToValueAtTime(0.001, t0 + 0.25);
          o.connect(g); g.connect(audio.destination);
          o.start(t0); o.stop(t0 + 0.25);
        });
      }
    } catch (e) { /* no sound: the screen still says it */ }
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
    if (window.Notification && Notification.permission === "granted") {
      var title = plain(T.notifyTitle, { number: st.number || "" }), opts = { body: plain(T.goTo,
        { counter: st.counterName || st.counter || "" }), tag: "lotse-ticket", lang: D.lang, data: location.href };
      if (sw) sw.showNotification(title, opts)["catch"](function () { /* the screen still says it */ });
      else try { new Notification(title, opts); } catch (e) { /* only a service worker may: not registered yet */ }
    }
  }
  // Android shows notifications only through a service worker's
  // registration; it is registered once the citizen allowed them.
  function registerWorker() {
    if (sw !== null || !navigator.serviceWorker || Notification.permission !== "granted") return;
    sw = false;
    navigator.serviceWorker.register("/t/assets/sw.js").then(function (r) { sw = r; }, function () { /* no worker: the page alone alerts */ });
  }
  // Browsers start sound only after a touch: the first one unlocks it.
  function unlock() {
    var A = window.AudioContext || window.webkitAudioContext;
    if (!audio && A) { try { audio = new A(); } catch (e) { audio = null; } }
    if (audio && audio.resume) audio.resume();
  }
  ["touchend", "click", "keydown"].forEach(function (ev) { document.addEventListener(ev, unlock, true); });

  function notifyButton() {
    var can = !!window.Notification && live(last);
    show("notify", can && Notification.permission === "default");
    show("notify-on", can && Notification.permission === "granted");
    if (can) registerWorker();
  }
  $("notify").addEventListener("click", function () {
    var p = Notification.requestPermission(notifyButton);
    if (p && p.then) p.then(notifyButton);
  });

  // Giving up: the confirmation in the page, then a POST that answers the
  // new status; without script the same links and form work as they are.
  $("withdraw").addEventListener("click", function (e) {
    e.preventDefault();
    show("withdraw", false);
    show("confirm", true);
    $("confirm-q").focus();
  });
  $("confirm-no").addEventListener("click", function (e) {
    e.preventDefault();
    show("confirm", false);
    show("confirm-error", false);
    show("withdraw", true);
    $("withdraw").focus();
  });
  $("confirm-form").addEventListener("submit", function (e) {
    e.preventDefault();
    show("confirm-error", false);
    request("POST", D.base + "/withdraw" + q, function (st) {
      if (!st) { show("confirm-error", true); return; }
      show("confirm", false);
      show("withdraw", true);
      apply(st);
      $("headline").focus();
    });
  });

  render(last);
  connect();
})();
