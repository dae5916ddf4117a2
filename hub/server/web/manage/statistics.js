// Lotse statistics page: the hub's figures of a period (GET
// …/statistics, …/advice) as tables and charts, and the same figures as
// CSV and Excel downloads. Every figure comes from the hub; the charts
// (uPlot, vendored with its licence) only draw them.
"use strict";

(async () => {
  const { t, el, $ } = Lotse;
  const M = Manage;

  const columns = [
    ["booked", "n"], ["checkedIn", "n"], ["noShows", "n"], ["noShowRate", "%"], ["cancelled", "n"], ["withdrawn", "n"], ["freedMinutes", "min"], ["walkIns", "n"],
    ["served", "n"], ["missed", "n"], ["recalls", "n"], ["waitMedianMinutes", "min"], ["waitP90Minutes", "min"],
    ["serviceMeanMinutes", "min"], ["serviceConfiguredMinutes", "min"], ["punctuality", "%"], ["utilisation", "%"],
  ];
  const palette = ["#0a4d8c", "#c43c3c", "#17652a", "#d9a400", "#7a1fa2"];

  let data = null, days = null, hours = null, advice = null;
  let charts = [];

  const sess = await Lotse.start({ needCounter: false, onLanguage: () => (data ? load() : render()) });
  if (!sess) return;
  const city = await M.city();
  if (!$("#forbidden").hidden) return; // not a supervisor: the page says so
  M.showNav(city && city.offices);

  const base = () => "/api/v1/offices/" + encodeURIComponent(M.officeId());

  function query(by) {
    const p = new URLSearchParams();
    const from = $("#stats-from").value, to = $("#stats-to").value;
    if (from) p.set("from", from);
    if (to) p.set("to", to);
    if (by) p.set("by", by);
    // The hub words the rows' labels (days, weeks, hours) in the page's language.
    if (Lotse.lang() === "en") p.set("lang", "en");
    return p.toString();
  }

  async function get(path) {
    const r = await Lotse.request("GET", path);
    if (!r.ok && r.status === 403) { M.forbidden(r.error); throw new Error("forbidden"); }
    return r;
  }

  // A period asked for later is on the screen before an earlier, slower one.
  const order = Lotse.turns();
  async function load() {
    const by = $("#stats-by").value;
    const turn = order.ask();
    let r;
    try {
      r = await get(base() + "/statistics?" + query(by));
    } catch (e) { return; }
    if (!order.show(turn)) return;
    if (!r.ok) {
      M.showError(r.status === 404 ? t("stats.unavailable") : Lotse.errorText(r.error));
      data = days = hours = advice = null;
      render();
      return;
    }
    M.showError("");
    data = r.data || {};
    // The hub fills in the period it chose (the last 30 days by default).
    if (data.from) $("#stats-from").value = data.from;
    if (data.to) $("#stats-to").value = data.to;
    const [d, h, a] = await Promise.all([
      by === "day" ? Promise.resolve(r) : Lotse.request("GET", base() + "/statistics?" + query("day")),
      by === "hour" ? Promise.resolve(r) : Lotse.request("GET", base() + "/statistics?" + query("hour")),
      Lotse.request("GET", base() + "/advice?" + query("")),
    ]);
    if (!order.show(turn)) return;
    days = d.ok ? d.data : null;
    hours = h.ok ? h.data : null;
    advice = a.ok ? a.data : null;
    links();
    render();
  }

  function links() {
    $("#download-csv").href = base() + "/statistics.csv?" + query($("#stats-by").value);
    $("#download-xlsx").href = base() + "/statistics.xlsx?" + query($("#stats-by").value);
  }

  // ---------- tables ----------
  function cell(row, key, kind) {
    const v = row ? row[key] : undefined;
    if (v === undefined || v === null) return "–";
    if (kind === "%") return M.percent(v);
    if (kind === "min") return M.number(v, 1);
    return M.number(v, 0);
  }

  function render() {
    const office = Lotse.office(M.officeId());
    $("#place").textContent = office ? "– " + office.name : "";
    renderTable();
    renderOutcomes();
    renderHistogramTable();
    renderAdvice();
    renderCharts();
  }

  function renderTable() {
    const rows = (data && data.rows) || [];
    const head = el("tr", {}, el("th", { scope: "col", text: t("stats.by." + ((data && data.by) || $("#stats-by").value)) }),
      ...columns.map(([k]) => el("th", { scope: "col", class: "num", text: t("stats.col." + k) })));
    $("#stats-table thead").replaceChildren(head);
    const line = (row, label, cls) => el("tr", { class: cls || "", dataset: { key: row.key || "" } },
      el("th", { scope: "row", text: label }), ...columns.map(([k, kind]) => el("td", { class: "num", text: cell(row, k, kind) })));
    const body = rows.map((row) => line(row, row.label || row.key));
    if (rows.length && data.totals) body.push(line(data.totals, t("stats.total"), "total"));
    $("#stats-table tbody").replaceChildren(...body);
    $("#stats-empty").hidden = rows.length > 0;
  }

  // renderOutcomes shows how the visits ended, per service: the counts
  // of each outcome the clerks picked at finish.
  function renderOutcomes() {
    const o = (data && data.outcomes) || { outcomes: [], rows: [] };
    $("#outcomes-table thead").replaceChildren(el("tr", {}, el("th", { scope: "col", text: t("stats.by.service") }),
      ...o.outcomes.map((x) => el("th", { scope: "col", class: "num", text: x.label })),
      el("th", { scope: "col", class: "num", text: t("stats.total") })));
    $("#outcomes-table tbody").replaceChildren(...o.rows.map((r) => el("tr", { dataset: { service: r.service } },
      el("th", { scope: "row", text: r.label }),
      ...o.outcomes.map((x) => el("td", { class: "num", dataset: { outcome: x.id }, text: M.number(r.counts[x.id] || 0, 0) })),
      el("td", { class: "num", text: M.number(r.total, 0) }))));
    $("#outcomes-empty").hidden = o.rows.length > 0;
  }

  function bucketLabel(b) {
    return b.toMinutes ? t("stats.histogram.range", { from: b.fromMinutes, to: b.toMinutes }) : t("stats.histogram.open", { from: b.fromMinutes });
  }

  function renderHistogramTable() {
    const hist = (data && data.waitHistogram) || [];
    $("#histogram-table thead").replaceChildren(el("tr", {}, el("th", { scope: "col", text: t("stats.chart.minutes") }),
      el("th", { scope: "col", class: "num", text: t("stats.histogram.count") })));
    $("#histogram-table tbody").replaceChildren(...hist.map((b) => el("tr", {},
      el("td", { text: bucketLabel(b) }), el("td", { class: "num", text: M.number(b.count, 0) }))));
  }

  function renderAdvice() {
    const list = (advice && advice.services) || [];
    $("#advice").hidden = !advice;
    if (!advice) return;
    const cols = [["noShowRate", "%", "noShowRate"], ["overbookingPercent", "pct", "overbooking"], ["idleMinutesSavedPerDay", "min", "idleSaved"],
      ["measuredServiceMinutes", "min", "measured"], ["configuredMinutes", "min", "configured"], ["suggestedSlotMinutes", "min", "slot"]];
    $("#advice-table thead").replaceChildren(el("tr", {}, el("th", { scope: "col", text: t("stats.advice.service") }),
      ...cols.map(([, , label]) => el("th", { scope: "col", class: "num", text: t("stats.advice." + label) }))));
    if (!list.length) {
      $("#advice-table tbody").replaceChildren(el("tr", {}, el("td", { colspan: String(cols.length + 1), class: "muted", text: t("stats.advice.none") })));
      return;
    }
    $("#advice-table tbody").replaceChildren(...list.map((s) => el("tr", { dataset: { service: s.service } },
      el("th", { scope: "row", text: s.name || s.service }),
      ...cols.map(([k, kind]) => el("td", { class: "num",
        text: s[k] === undefined || s[k] === null ? "–" : kind === "pct" ? M.number(s[k], 1) + " %" : kind === "%" ? M.percent(s[k]) : kind === "min" ? M.minutes(s[k]) : M.number(s[k]) })))));
  }

  // ---------- charts ----------
  function chart(target, labels, series, opts) {
    const box = $(target);
    box.replaceChildren();
    if (!labels.length || typeof uPlot === "undefined") {
      box.append(el("p", { class: "chart-empty", text: t("stats.empty") }));
      return;
    }
    const xs = labels.map((_, i) => i);
    // Room for the longest label ("Di 03.11."), so that they never overlap.
    const space = Math.max(32, 8 * Math.max(...labels.map((l) => String(l).length)));
    const width = Math.max(280, box.clientWidth || 560);
    const o = {
      width, height: 240,
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { values: (u, splits) => splits.map((i) => (Number.isInteger(i) && labels[i] !== undefined ? labels[i] : "")), space, incrs: [1, 2, 5, 7, 14, 28, 56, 91, 182, 364] },
        { label: opts.yLabel, size: 56 },
      ],
      series: [{ label: opts.xLabel || "" }, ...series.map((s, i) => Object.assign({ stroke: palette[i % palette.length], width: 2, points: { show: labels.length < 40 } }, s.style, { label: s.label }))],
    };
    if (opts.y2) {
      o.axes.push({ side: 1, scale: "y2", label: opts.y2, size: 56, grid: { show: false } });
      o.scales.y2 = { range: (u, min, max) => [0, Math.max(1, max)] };
    }
    o.scales.y = { range: (u, min, max) => [0, Math.max(1, max)] };
    charts.push(new uPlot(o, [xs, ...series.map((s) => s.values)], box));
  }

  const num = (v) => (v === undefined || v === null ? null : v);
  const bars = () => (uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 48] }) : undefined);

  function renderCharts() {
    charts.forEach((c) => c.destroy());
    charts = [];
    const dayRows = (days && days.rows) || [];
    const labels = dayRows.map((r) => r.label || r.key);
    chart("#chart-series", labels, [
      { label: t("stats.col.checkedIn"), values: dayRows.map((r) => num(r.checkedIn)) },
      { label: t("stats.col.walkIns"), values: dayRows.map((r) => num(r.walkIns)) },
      { label: t("stats.col.noShows"), values: dayRows.map((r) => num(r.noShows)) },
      { label: t("stats.col.served"), values: dayRows.map((r) => num(r.served)) },
    ], { yLabel: t("stats.chart.people") });
    chart("#chart-waits", labels, [
      { label: t("stats.col.waitMedianMinutes"), values: dayRows.map((r) => num(r.waitMedianMinutes)) },
      { label: t("stats.col.waitP90Minutes"), values: dayRows.map((r) => num(r.waitP90Minutes)) },
    ], { yLabel: t("stats.chart.minutes") });
    const hourRows = (hours && hours.rows) || [];
    // The hour's key ("08") is short enough for the axis.
    chart("#chart-hours", hourRows.map((r) => r.key || r.label), [
      { label: t("stats.col.served"), values: hourRows.map((r) => num(r.served)), style: { paths: bars(), fill: "rgba(10,77,140,.35)", points: { show: false } } },
      { label: t("stats.col.waitMedianMinutes"), values: hourRows.map((r) => num(r.waitMedianMinutes)), style: { scale: "y2" } },
    ], { yLabel: t("stats.chart.people"), y2: t("stats.chart.minutes") });
    const hist = (data && data.waitHistogram) || [];
    chart("#chart-histogram", hist.map((b) => (b.toMinutes ? b.fromMinutes + "–" + b.toMinutes : "≥" + b.fromMinutes)), [
      { label: t("stats.histogram.count"), values: hist.map((b) => b.count), style: { paths: bars(), fill: "rgba(10,77,140,.35)", points: { show: false } } },
    ], { yLabel: t("stats.histogram.count"), xLabel: t("stats.chart.minutes") });
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(renderCharts, 200); });
  window.addEventListener("hashchange", load);
  $("#stats-form").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  $("#stats-by").addEventListener("change", load);
  const by = M.hashParams().get("by");
  if (by) $("#stats-by").value = by;
  links();
  await load();
})();
