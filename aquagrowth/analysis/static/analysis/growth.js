/* The Growth Analysis page: fetches the batch's combined growth data and draws it.
 * window.growthChart and window.growthData are exposed so that tests (and curious users
 * in the console) can read exactly what is drawn. */
(function () {
  "use strict";

  const root = document.getElementById("growth-app");
  const COLORS = { sample: "#2d8a57", plan: "#2f6f9f", actual: "#e07b00", forward: "#7a5aa6",
    sampleFill: "rgba(45, 138, 87, 0.45)", sampleBar: "rgba(45, 138, 87, 0.35)" };
  const METRICS = {
    weight: { title: "Average weight", unit: "g", key: "avg_weight_g", digits: 2 },
    population: { title: "Population", unit: "fish", key: "population", digits: 0 },
    biomass: { title: "Biomass", unit: "kg", key: "biomass_kg", digits: 0 },
    fcr: { title: "FCR (trailing 7 days; weekly: week's sums)", unit: "kg/kg", key: "fcr", digits: 2 },
    temperature: { title: "Water temperature", unit: "°C", key: "temp_c", digits: 1 },
  };
  const state = { metric: "weight", granularity: "daily", start: "", end: "", assignment: null,
    periodKind: "by_stage", logScale: false };
  let chart = null;
  let data = null;

  const $ = (id) => document.getElementById(id);
  const fmt = (v, digits) => (v === null || v === undefined || Number.isNaN(v)) ? "—"
    : Number(v).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const signed = (v, digits) => (v > 0 ? "+" : "") + fmt(v, digits);
  const ms = (iso) => Date.parse(iso + "T00:00:00Z");
  const isoDay = (t) => new Date(t).toISOString().slice(0, 10);
  const escapeHtml = (s) => String(s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  async function load() {
    root.dataset.ready = "0";
    const params = new URLSearchParams({ granularity: state.granularity });
    if (state.start) params.set("start", state.start);
    if (state.end) params.set("end", state.end);
    if (state.assignment) params.set("assignment", state.assignment);
    const response = await fetch(`${root.dataset.api}?${params}`, {
      credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("notices").innerHTML = `<div class="notice warn">The data could not be loaded (${response.status}):
        ${escapeHtml(JSON.stringify(body))}</div>`;
      root.dataset.ready = "1";
      return;
    }
    data = await response.json();
    window.growthData = data;
    render();
    root.dataset.ready = "1";
  }

  /* One chart point per value; points keep what the tooltip and the CSV tell. */
  function seriesPoints(columns, key, extra) {
    if (!columns || !columns.date) return [];
    return columns.date.map((d, i) => Object.assign(
      { x: ms(d), y: columns[key] ? columns[key][i] : null, date: d }, extra ? extra(i) : {}));
  }

  function datasets() {
    const m = METRICS[state.metric];
    const actual = data.actual;
    const plan = data.scenario_projection;
    const forward = data.forward_projection;
    const samples = state.metric === "weight" ? seriesPoints(data.samples, "avg_weight_g", (i) => ({
      sd: data.samples.std_weight_g[i], n: data.samples.fish_weighed[i],
      container: data.samples.container[i], k: data.samples.condition_factor[i],
    })) : [];
    const actualPoints = seriesPoints(actual, m.key, (i) => ({
      anchor: actual.anchor_type[i], week: actual.week ? actual.week[i] : null,
      source: state.metric === "temperature" ? actual.temp_source[i] : actual.weight_source[i],
      confidence: state.metric === "temperature" ? actual.temp_confidence[i] : actual.weight_confidence[i],
      containers: actual.containers[i],
    }));
    const planKey = m.key in (plan || {}) ? m.key : null;
    let planPoints = plan && planKey ? seriesPoints(plan, planKey, (i) => ({ stage: plan.stage[i] }))
      .filter((p) => p.y !== null) : [];
    let forwardPoints = forward && m.key in forward ? seriesPoints(forward, m.key) : [];
    if (state.assignment && actualPoints.length) {
      // One container's stay is short: the batch's plan to harvest would flatten it.
      const xs = actualPoints.concat(samples).map((p) => p.x);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      planPoints = planPoints.filter((p) => p.x >= lo && p.x <= hi);
      forwardPoints = forwardPoints.filter((p) => p.x >= lo && p.x <= hi);
    }
    const harvestDrawn = forwardPoints.length > 0 && forward.harvest_date === forwardPoints[forwardPoints.length - 1].date;
    const harvestLabel = forward && forward.harvest_date ? ` → harvest ${forward.harvest_date}` : "";
    return [
      // "order": samples are drawn first (underneath), the actual line last (on top).
      { label: "Growth samples (±1 SD)", data: samples, showLine: false, pointRadius: 2.5,
        pointHoverRadius: 5, borderColor: COLORS.sampleFill, backgroundColor: COLORS.sampleFill,
        order: 3, kind: "samples" },
      { label: "Scenario projection", data: planPoints, borderColor: COLORS.plan, backgroundColor: COLORS.plan,
        borderWidth: 1.5, pointRadius: 0, order: 2, kind: "scenario" },
      { label: "Actual daily state", data: actualPoints, borderColor: COLORS.actual,
        backgroundColor: COLORS.actual, borderWidth: 2.2, order: 0,
        pointRadius: actualPoints.map((p) => (p.anchor !== "none" ? 3 : 0)),
        pointBackgroundColor: "#fff", pointBorderWidth: 1.5, spanGaps: false, kind: "actual" },
      { label: "Forward projection" + harvestLabel, data: forwardPoints, borderColor: COLORS.forward,
        backgroundColor: COLORS.forward, borderDash: [6, 4], borderWidth: 1.8, order: 1,
        pointRadius: forwardPoints.map((p, i) => (i === forwardPoints.length - 1 && harvestDrawn ? 5 : 0)),
        pointStyle: "rectRot", kind: "forward" },
    ];
  }

  /* Draws the ±1 SD bars of the samples and the harvest label of the forward line. */
  const annotations = {
    id: "growthAnnotations",
    beforeDatasetsDraw(c) {
      const ctx = c.ctx;
      const y = c.scales.y;
      const samples = c.getDatasetMeta(0);
      if (!samples.hidden) {
        ctx.save();
        ctx.strokeStyle = COLORS.sampleBar;
        ctx.lineWidth = 1;
        samples.data.forEach((el, i) => {
          const p = c.data.datasets[0].data[i];
          if (!p.sd || p.y === null) return;
          const lo = y.getPixelForValue(Math.max(p.y - p.sd, y.type === "logarithmic" ? p.y / 10 : -Infinity));
          const hi = y.getPixelForValue(p.y + p.sd);
          ctx.beginPath();
          ctx.moveTo(el.x, lo); ctx.lineTo(el.x, hi);
          ctx.moveTo(el.x - 3, lo); ctx.lineTo(el.x + 3, lo);
          ctx.moveTo(el.x - 3, hi); ctx.lineTo(el.x + 3, hi);
          ctx.stroke();
        });
        ctx.restore();
      }
    },
    afterDatasetsDraw(c) {
      const ctx = c.ctx;
      const forward = c.getDatasetMeta(3);
      const fwd = data && data.forward_projection;
      const points = c.data.datasets[3].data;
      if (!forward.hidden && points.length && fwd && points[points.length - 1].date === fwd.harvest_date) {
        const last = forward.data[forward.data.length - 1];
        ctx.save();
        ctx.fillStyle = COLORS.forward;
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = "right";
        ctx.fillText(`expected harvest ${fwd.harvest_date}`, last.x - 8, last.y - 8);
        ctx.restore();
      }
    },
  };

  function tooltipLabel(item) {
    const p = item.raw;
    const m = METRICS[state.metric];
    const value = `${fmt(p.y, m.digits)} ${m.unit}`;
    const kind = item.dataset.kind;
    if (kind === "samples") {
      return [`Sample ${p.container}: ${value} ± ${fmt(p.sd, 2)} (n = ${p.n})`,
        p.k !== null ? `  condition factor K ${fmt(p.k, 2)}` : "  measured"];
    }
    if (kind === "actual") {
      const lines = [`Actual${p.week ? " " + p.week : ""}: ${value}`];
      lines.push(`  source ${p.source}, confidence ${fmt(p.confidence, 2)}`);
      if (p.anchor !== "none") lines.push(`  anchor: ${p.anchor.replace("_", " ")}`);
      if (!state.assignment) lines.push(`  ${p.containers} container(s)`);
      return lines;
    }
    if (kind === "scenario") return [`Scenario: ${value}`, `  stage ${p.stage}, planned`];
    return [`Forward: ${value}`, "  estimate from the latest state"];
  }

  /* Ticks on the first of a month (every 1, 2, 3, 6 or 12 months), not at arbitrary ms. */
  let shortRange = false;
  function monthTicks(scale) {
    const first = new Date(scale.min);
    const days = (scale.max - scale.min) / 86400000;
    shortRange = days <= 62;
    if (shortRange) {
      const step = Math.max(1, Math.ceil(days / 8));
      scale.ticks = [];
      for (let t = scale.min; t <= scale.max; t += step * 86400000) scale.ticks.push({ value: t });
      return;
    }
    const months = days / 30.44;
    const step = [1, 2, 3, 6, 12].find((n) => months / n <= 10) || 24;
    let year = first.getUTCFullYear();
    let month = Math.ceil((first.getUTCMonth() + (first.getUTCDate() > 1 ? 1 : 0)) / step) * step;
    const ticks = [];
    for (;;) {
      const t = Date.UTC(year + Math.floor(month / 12), month % 12, 1);
      if (t > scale.max) break;
      ticks.push({ value: t });
      month += step;
    }
    scale.ticks = ticks;
  }
  const monthLabel = (v) => new Date(v).toLocaleDateString("en-GB", shortRange
    ? { day: "numeric", month: "short", timeZone: "UTC" }
    : { month: "short", year: "numeric", timeZone: "UTC" });

  function xBounds(sets) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const ds of sets) {
      for (const p of ds.data) { if (p.x < lo) lo = p.x; if (p.x > hi) hi = p.x; }
    }
    return Number.isFinite(lo) ? { min: lo, max: hi } : {};
  }

  function drawChart() {
    const m = METRICS[state.metric];
    const sets = datasets();
    const config = {
      type: "line",
      data: { datasets: sets },
      options: {
        animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: Object.assign({ type: "linear", afterBuildTicks: monthTicks,
            ticks: { callback: monthLabel, maxRotation: 0 }, grid: { color: "#eef1f4" } },
            xBounds(sets)),
          y: { type: state.logScale && state.metric !== "fcr" ? "logarithmic" : "linear",
            title: { display: true, text: `${m.title} (${m.unit})` }, grid: { color: "#eef1f4" },
            grace: "6%", min: state.metric !== "temperature" && !state.logScale ? 0 : undefined,
          },
        },
        plugins: {
          legend: { position: "top", labels: { usePointStyle: true, boxHeight: 7, color: "#33414d",
            sort: (a, b) => a.datasetIndex - b.datasetIndex } },
          tooltip: { itemSort: (a, b) => a.datasetIndex - b.datasetIndex, callbacks: { title: (items) => items.length ? items[0].raw.date : "",
            label: tooltipLabel } },
        },
        elements: { point: { hitRadius: 4 } },
      },
      plugins: [annotations],
    };
    if (chart) chart.destroy();
    chart = new Chart($("growth-chart"), config);
    $("chart-empty").hidden = sets.some((ds) => ds.data.length > 0);
    window.growthChart = chart;
  }

  function renderNotices() {
    const notes = [];
    if (data.states_missing) {
      notes.push(`<div class="notice warn" id="states-missing"><strong>No daily states computed yet.</strong>
        Compute them with <code>${escapeHtml(root.dataset.recomputeHint)}</code>; the chart shows the
        samples and the plan until then.</div>`);
    }
    if (data.scenario_missing) {
      notes.push(`<div class="notice" id="scenario-missing"><strong>${data.scenario ? "Scenario incomplete." : "No scenario."}</strong>
        ${escapeHtml(data.scenario_missing)}</div>`);
    }
    $("notices").innerHTML = notes.join("");
    $("scenario-name").textContent = data.scenario
      ? `Scenario in force: ${data.scenario.name}${data.scenario.pinned ? " (pinned)" : " (newest)"} · harvest at ${fmt(data.scenario.harvest_weight_g, 0)} g`
      : "No scenario";
    const n = data.samples.date.length;
    $("chart-note").textContent = n ? `${n} growth sample${n === 1 ? "" : "s"} in this range. Open circles on the orange line are anchor days (measured weights).`
      : "No growth samples in this range yet: the actual line follows the model between other anchors.";
  }

  function renderContainers() {
    const items = [`<li><button type="button" data-assignment="" class="${state.assignment ? "" : "active"}">
      <span>All containers</span><span class="meta">${data.assignments.length} stays</span></button></li>`];
    for (const a of data.assignments) {
      const until = a.departure_date ? a.departure_date : "now";
      items.push(`<li><button type="button" data-assignment="${a.id}" class="${state.assignment === a.id ? "active" : ""}">
        <span>${escapeHtml(a.container)}<span class="meta"> · ${escapeHtml(a.stage)}</span></span><span class="meta">${a.assignment_date} – ${until}</span></button></li>`);
    }
    $("containers").innerHTML = items.join("");
    const chosen = data.assignments.find((a) => a.id === state.assignment);
    $("chart-scope").textContent = chosen ? `${chosen.container} (${chosen.stage})` : "All containers";
  }

  function renderVariance() {
    const v = data.variance;
    if (!v) {
      $("variance-body").innerHTML = `<span class="subtle">${data.scenario ? "No actual weights overlap the plan in this range." : "No scenario to compare with."}</span>`;
      return;
    }
    const cls = (x) => (x >= 0 ? "pos" : "neg");
    const row = (label, g, pct, note) => `<span class="label">${label}</span>
      <span class="value ${cls(g)}">${signed(g, 1)} g</span><span class="value ${cls(g)}">${signed(pct, 1)} %</span>
      ${note ? `<span></span><span class="subtle small note">${note}</span>` : ""}`;
    $("variance-body").innerHTML = `<div class="figures">
      ${row("Now", v.now.difference_g, v.now.difference_pct, `${v.now.date}: ${fmt(v.now.actual_g, 1)} g vs ${fmt(v.now.scenario_g, 1)} g`)}
      ${row("Mean", v.mean.difference_g, v.mean.difference_pct, `over ${v.mean.days} ${state.granularity === "weekly" ? "weeks" : "days"}`)}
      ${row("Largest", v.largest.difference_g, v.largest.difference_pct, v.largest.date)}
    </div>`;
  }

  function renderForward() {
    const f = data.forward_projection;
    if (!f) {
      $("forward-body").innerHTML = `<span class="subtle">${data.scenario ? "Nothing to project: no fish in the latest state." : "Needs a scenario."}</span>`;
      return;
    }
    $("forward-body").innerHTML = `<div class="big">${f.harvest_date || "not within 4 years"}</div>
      <div class="subtle">expected harvest at ${fmt(f.expected_weight_g, 0)} g (target ${fmt(f.harvest_weight_g, 0)} g)</div>
      <div class="subtle small">from the state of ${f.from_date}; profile corrected by ${signed(f.temp_bias_c, 2)} °C measured bias</div>`;
  }

  function renderPeriods() {
    const rows = data.periods[state.periodKind];
    const first = state.periodKind === "by_stage" ? "Stage" : "Container";
    $("periods").querySelector("thead").innerHTML = `<tr><th>${first}</th><th>Days</th>
      <th class="num">TGC observed</th><th class="num">TGC scenario</th>
      <th class="num">FCR observed</th><th class="num">FCR scenario</th>
      <th class="num">Feed (kg)</th><th class="num">Growth (kg)</th></tr>`;
    const start = ms(data.batch.start_date);
    const day = (n) => isoDay(start + (n - 1) * 86400000);
    $("periods").querySelector("tbody").innerHTML = rows.length ? rows.map((r) => `<tr>
      <td>${escapeHtml(state.periodKind === "by_stage" ? r.stage : `${r.container} · ${r.stage}`)}</td>
      <td>${day(r.first_day)} – ${day(r.last_day)}</td>
      <td class="num">${fmt(r.observed_tgc, 2)}</td><td class="num">${fmt(r.scenario_tgc, 2)}</td>
      <td class="num">${fmt(r.observed_fcr, 2)}</td><td class="num">${fmt(r.scenario_fcr, 2)}</td>
      <td class="num">${fmt(r.feed_kg, r.feed_kg < 100 ? 2 : 0)}</td>
      <td class="num">${fmt(r.growth_kg, r.growth_kg < 100 ? 2 : 0)}</td></tr>`).join("")
      : `<tr><td colspan="8" class="subtle">No daily states in this range.</td></tr>`;
  }

  function render() {
    $("chart-title").textContent = METRICS[state.metric].title;
    renderNotices();
    renderContainers();
    renderVariance();
    renderForward();
    renderPeriods();
    drawChart();
  }

  /* The shown data, one row per drawn point, in the unit of the metric shown. */
  function csv() {
    const m = METRICS[state.metric];
    const lines = [["series", "date", `${m.key} (${m.unit})`, "sd", "container", "source", "confidence"].join(",")];
    const quote = (v) => (v === null || v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    for (const ds of chart.data.datasets) {
      for (const p of ds.data) {
        lines.push([ds.kind, p.date, p.y, p.sd, p.container, p.source || (ds.kind === "scenario" ? "plan" : ds.kind === "forward" ? "forward" : ""),
          p.confidence].map(quote).join(","));
      }
    }
    return lines.join("\n") + "\n";
  }

  function download() {
    const blob = new Blob([csv()], { type: "text/csv" });
    const link = document.createElement("a");
    const scope = state.assignment ? `-assignment-${state.assignment}` : "";
    link.href = URL.createObjectURL(blob);
    link.download = `${root.dataset.batch}-${state.metric}-${state.granularity}${scope}.csv`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  $("metric").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-metric]");
    if (!button) return;
    state.metric = button.dataset.metric;
    $("metric").querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === button));
    if (data) render();
  });
  $("period-kind").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-kind]");
    if (!button) return;
    state.periodKind = button.dataset.kind;
    $("period-kind").querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === button));
    if (data) renderPeriods();
  });
  $("containers").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-assignment]");
    if (!button) return;
    state.assignment = button.dataset.assignment ? Number(button.dataset.assignment) : null;
    load();
  });
  $("granularity").addEventListener("change", (e) => { state.granularity = e.target.value; load(); });
  $("start").addEventListener("change", (e) => { state.start = e.target.value; load(); });
  $("end").addEventListener("change", (e) => { state.end = e.target.value; load(); });
  $("log-scale").addEventListener("change", (e) => { state.logScale = e.target.checked; if (data) drawChart(); });
  $("download-csv").addEventListener("click", () => { if (chart) download(); });

  load();
})();
