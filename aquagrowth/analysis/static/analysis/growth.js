/* The Growth Analysis page: fetches the batch's combined growth data and draws it.
 *
 * Honest drawing: a stretch whose value rests on no record that day (past a pen's last
 * sample, feed or mortality record) is drawn dashed and faded, the forward projection
 * dotted, and the tooltip says in words what each point rests on. The state of the page
 * (metric, range, container, granularity) lives in the URL, so reload, Back and a shared
 * link keep it. window.growthChart and window.growthData are exposed so that tests (and
 * curious users in the console) can read exactly what is drawn. */
(function () {
  "use strict";

  const root = document.getElementById("growth-app");
  const COLORS = { sample: "#2d8a57", plan: "#2f6f9f", actual: "#c96a00", actualFaded: "rgba(201, 106, 0, 0.45)",
    forward: "#7a5aa6", today: "#4b5863", clipped: "#b5452b",
    sampleFill: "rgba(45, 138, 87, 0.55)", sampleBar: "rgba(45, 138, 87, 0.8)",
    band: "rgba(201, 106, 0, 0.16)", forwardBand: "rgba(122, 90, 166, 0.14)" };
  const TONNES_FROM_KG = 10000;
  const DAY_MS = 86400000;

  /* What a day's value rests on, in the words of a farm (docs/growth-analysis.md). */
  const WORDS = {
    weight: { measured: "measured that day (sample or weighing)",
      assimilated: "between samples (the curve through the samples either side)",
      scenario_tgc: "estimated forward from the last sample with the plan's growth rate",
      held: "held at the last known weight", missing: "unknown" },
    population: { book: "from the mortality records", reconciled: "corrected to a later count",
      estimated: "estimated (modelled deaths or the farm's usual unrecorded loss)" },
    temperature: { measured: "measured in the container", interpolated: "between measured days",
      profile: "from the plan's temperature profile", container_mean: "mean of the other containers",
      missing: "unknown" },
    anchor: { growth_sample: "growth sample", transfer: "weighed at a transfer", weighing: "weighing" },
  };
  /* Past the last sample the smoothed model (its days carry a band) grows the pen at the
     rate its samples showed, the anchored model at the plan's. */
  const SMOOTHED_FORWARD = "estimated forward from the last sample at the growth rate the pen's samples showed";
  function sourceWords(kind, src) {
    const smoothed = kind === "weight" && src === "scenario_tgc" && smoothedAnswer;
    return smoothed ? SMOOTHED_FORWARD : (WORDS[kind][src] || src);
  }

  const METRICS = {
    weight: { title: "Average weight", unit: "g", key: "avg_weight_g", share: "estimated_weight",
      words: "weight", source: "weight_source", stream: "samples", band: ["weight_low_g", "weight_high_g"] },
    population: { title: "Population", unit: "fish", key: "population", share: "estimated_population",
      words: "population", source: "population_source", stream: "mortality" },
    biomass: { title: "Biomass", unit: "kg", key: "biomass_kg", share: ["estimated_weight", "estimated_population"],
      words: "weight", source: "weight_source", stream: "samples", band: ["biomass_low_kg", "biomass_high_kg"] },
    mortality: { title: "Mortality, cumulative", unit: "% of stocked", key: "mortality_count", share: "estimated_population",
      words: "population", source: "population_source", stream: "mortality" },
    feed: { title: "Feed", unit: "kg", key: "feed_kg", share: "estimated_feed", stream: "feed" },
    fcr: { title: "FCR (trailing 7 days; weekly: the week's sums)", unit: "kg/kg", key: "fcr", share: "estimated_feed",
      stream: "feed" },
    temperature: { title: "Water temperature", unit: "°C", key: "temp_c", share: "estimated_temperature",
      words: "temperature", source: "temp_source", stream: "temperature" },
  };
  /* The period table's views, and the API's `period` of each (the export takes it). */
  const PERIOD_KINDS = { by_stage: "stage", by_assignment: "stay", by_week: "week", by_month: "month" };
  const DEFAULTS = { metric: "weight", granularity: "daily", start: "", end: "", assignment: null, periods: "by_stage" };
  const state = Object.assign({}, DEFAULTS, { logScale: false });
  let chart = null;
  let data = null;
  let smoothedAnswer = false;  /* the answer's days carry a weight band: the smoothed model */
  let drawn = null; /* what the chart shows: { metric, unit, scale, sets } */
  let pensSort = null;

  const $ = (id) => document.getElementById(id);
  const known = (v) => v !== null && v !== undefined && !Number.isNaN(v);
  const fmt = (v, digits) => (!known(v) ? "—"
    : Number(v).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  const signed = (v, digits) => (known(v) && v > 0 ? "+" : "") + fmt(v, digits);
  const ms = (iso) => Date.parse(iso + "T00:00:00Z");
  const isoDay = (t) => new Date(t).toISOString().slice(0, 10);
  const dayText = (iso) => (iso ? new Date(ms(iso)).toLocaleDateString("en-GB",
    { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) : "—");
  const daysBetween = (a, b) => Math.round((ms(b) - ms(a)) / DAY_MS);
  const escapeHtml = (s) => String(s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  /* A fish's weight: 0.42 g, 51.3 g, 512 g, 5.60 kg (as aquagrowth/analysis/units.py). */
  function fmtWeight(g) {
    if (!known(g)) return "—";
    if (g >= 1000) return `${fmt(g / 1000, 2)} kg`;
    if (g >= 100) return `${fmt(g, 0)} g`;
    if (g >= 10) return `${fmt(g, 1)} g`;
    return `${fmt(g, 2)} g`;
  }
  /* Biomass or feed: 12.5 kg, 8,412 kg, 1,234.5 t. */
  function fmtMass(kg) {
    if (!known(kg)) return "—";
    if (Math.abs(kg) >= TONNES_FROM_KG) return `${fmt(kg / 1000, 1)} t`;
    if (Math.abs(kg) >= 100) return `${fmt(kg, 0)} kg`;
    return `${fmt(kg, 1)} kg`;
  }
  const fmtFish = (n) => (known(n) ? fmt(n, 0) : "—");
  const fmtPct = (p, digits) => (known(p) ? `${fmt(p, digits === undefined ? 2 : digits)} %` : "—");

  /* ---- State in the URL ---- */
  function readUrl() {
    const q = new URLSearchParams(location.search);
    state.metric = METRICS[q.get("metric")] ? q.get("metric") : DEFAULTS.metric;
    state.granularity = q.get("granularity") === "weekly" ? "weekly" : "daily";
    state.start = /^\d{4}-\d{2}-\d{2}$/.test(q.get("start") || "") ? q.get("start") : "";
    state.end = /^\d{4}-\d{2}-\d{2}$/.test(q.get("end") || "") ? q.get("end") : "";
    state.assignment = /^\d+$/.test(q.get("container") || "") ? Number(q.get("container")) : null;
    state.periods = PERIOD_KINDS[q.get("periods")] ? q.get("periods") : DEFAULTS.periods;
  }
  function writeUrl(push) {
    const q = new URLSearchParams();
    if (state.metric !== DEFAULTS.metric) q.set("metric", state.metric);
    if (state.granularity !== DEFAULTS.granularity) q.set("granularity", state.granularity);
    if (state.start) q.set("start", state.start);
    if (state.end) q.set("end", state.end);
    if (state.assignment) q.set("container", state.assignment);
    if (state.periods !== DEFAULTS.periods) q.set("periods", state.periods);
    const url = `${location.pathname}${q.toString() ? "?" + q : ""}`;
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  }
  function syncControls() {
    pressed($("metric"), (b) => b.dataset.metric === state.metric);
    pressed($("period-kind"), (b) => b.dataset.kind === state.periods);
    exportLink();
    $("granularity").value = state.granularity;
    $("start").value = state.start;
    $("end").value = state.end;
  }
  /* The Excel workbook of the range shown; a period view chosen in the URL (not the
     default stage view) narrows its period sheet to that period. */
  let exportParams = new URLSearchParams();
  function exportLink() {
    const params = new URLSearchParams(exportParams);
    if (state.periods !== DEFAULTS.periods) params.set("period", PERIOD_KINDS[state.periods]);
    $("download-xlsx").href = `${root.dataset.export}?${params}`;
  }
  function pressed(group, isOn) {
    group.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", isOn(b) ? "true" : "false"));
  }

  /* ---- Loading ---- */
  let loading = 0;
  async function load() {
    const mine = ++loading;
    root.dataset.ready = "0";
    if (state.start && state.end && state.start > state.end) {
      rangeError(`The end (${dayText(state.end)}) is before the start (${dayText(state.start)}): choose an end on or after the start. The chart still shows the last range that could be drawn.`);
      root.dataset.ready = "1";
      return;
    }
    const params = new URLSearchParams({ granularity: state.granularity });
    if (state.start) params.set("start", state.start);
    if (state.end) params.set("end", state.end);
    if (state.assignment) params.set("assignment", state.assignment);
    exportParams = params;
    exportLink();
    let response;
    try {
      response = await fetch(`${root.dataset.api}?${params}`, {
        credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      rangeError("The server could not be reached. Check the connection and reload the page.");
      root.dataset.ready = "1";
      return;
    }
    if (mine !== loading) return;
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      rangeError(problemText(response.status, body));
      root.dataset.ready = "1";
      return;
    }
    rangeError("");
    data = await response.json();
    smoothedAnswer = ((data.actual || {}).weight_low_g || []).some((v) => v !== null);
    window.growthData = data;
    render();
    root.dataset.ready = "1";
  }

  const FIELD_NAMES = { start: "From", end: "To", assignment: "Container", granularity: "Granularity" };
  /* A 400's fields in words; the chart keeps what it showed. */
  function problemText(status, body) {
    if (status === 400 && body && typeof body === "object") {
      const parts = Object.entries(body).map(([field, problems]) =>
        `${FIELD_NAMES[field] || (field === "non_field_errors" ? "" : field)}${FIELD_NAMES[field] ? ": " : ""}${[].concat(problems).join(" ")}`);
      return `This range cannot be shown. ${parts.join("; ")} The chart still shows the last range that could be drawn.`;
    }
    if (status === 404) return "This batch or container is not there any more (or not at your sites). Go back to the batch list.";
    if (status === 401 || status === 403) return "Your session has ended or your account may not see this batch: log in again.";
    return `The data could not be loaded (the server answered ${status}). Try again in a minute; if it persists, tell your administrator.`;
  }
  function rangeError(text) {
    $("range-error").textContent = text;
    $("range-error").hidden = !text;
  }

  /* ---- The chart's series ---- */
  function records() {
    const stay = data.assignments.find((a) => a.id === state.assignment);
    return (stay || data.batch).recorded_through || {};
  }

  function shareOf(actual, m, i) {
    const names = [].concat(m.share);
    let worst = 0;
    for (const n of names) {
      const v = actual[n] ? actual[n][i] : null;
      if (known(v) && v > worst) worst = v;
    }
    return worst;
  }

  function actualValues(actual, m) {
    if (state.metric !== "mortality") return actual[m.key] || [];
    /* Cumulative deaths in % of the fish stocked (the status's stocked fish). */
    const stocked = data.status && data.status.batch ? data.status.batch.stocked_fish : null;
    let sum = 0;
    return (actual.mortality_count || []).map((d) => {
      sum += d || 0;
      return stocked ? (100 * sum) / stocked : null;
    });
  }

  function planValues(plan, m) {
    if (!plan || state.metric === "mortality" || state.metric === "feed") return null;
    return plan[m.key] || null;
  }

  function buildSets() {
    const m = METRICS[state.metric];
    const actual = data.actual;
    const plan = data.scenario_projection;
    const forward = data.forward_projection;
    const values = actualValues(actual, m);
    let max = 0;
    for (const v of values) if (known(v) && v > max) max = v;
    // Tonnes at sea scale; a harvest-size fish in kilograms.
    const tonnes = state.metric === "biomass" && max >= TONNES_FROM_KG;
    const kilos = state.metric === "weight" && max >= 2000;
    const scale = tonnes || kilos ? 1 / 1000 : 1;
    const unit = tonnes ? "t" : kilos ? "kg" : m.unit;
    const scaled = (v) => (known(v) ? v * scale : null);
    const actualPoints = (actual.date || []).map((d, i) => ({
      x: ms(d), y: scaled(values[i]), date: d, est: shareOf(actual, m, i),
      src: m.source ? actual[m.source][i] : null, anchor: actual.anchor_type[i],
      week: actual.week ? actual.week[i] : null, containers: actual.containers[i],
      deaths: actual.mortality_count[i], fish: actual.population[i], feed: actual.feed_kg[i],
      lo: m.band && actual[m.band[0]] ? scaled(actual[m.band[0]][i]) : null,
      hi: m.band && actual[m.band[1]] ? scaled(actual[m.band[1]][i]) : null,
    }));
    let clipAt = null;
    if (state.metric === "fcr") {
      /* Sample days move the weight, and with it a week's growth: a trailing FCR of a
       * few days can read 15 or 290. Drawn at the top edge, marked, true value kept. */
      const planned = (data.scenario ? data.scenario.stages : []).map((s) => s.fcr).filter(known);
      clipAt = Math.max(2.5, 2 * Math.max(0, ...planned));
      for (const p of actualPoints) {
        if (known(p.y) && (p.y > clipAt || p.y < 0)) { p.value = p.y; p.clipped = true; p.y = p.y > clipAt ? clipAt : 0; }
      }
    }
    /* A sample is drawn with the standard error of its mean (SD / sqrt(n)): how far its
     * mean may sit from the pen's, which is what the curve is compared with. */
    const samples = state.metric === "weight" ? data.samples.date.map((d, i) => {
      const sd = scaled(data.samples.std_weight_g[i]);
      const n = data.samples.fish_weighed[i];
      return { x: ms(d), y: scaled(data.samples.avg_weight_g[i]), date: d, sd, n,
        sem: known(sd) && n > 0 ? sd / Math.sqrt(n) : null,
        container: data.samples.container[i], k: data.samples.condition_factor[i] };
    }) : [];
    const planColumn = planValues(plan, m);
    let planPoints = planColumn ? plan.date.map((d, i) => ({ x: ms(d), y: scaled(planColumn[i]), date: d, stage: plan.stage[i] }))
      .filter((p) => known(p.y)) : [];
    const fwdColumn = forward && ["weight", "population", "biomass", "temperature"].includes(state.metric) ? forward[m.key] : null;
    const fwdBand = (j, i) => (m.band && forward && Array.isArray(forward[m.band[j]]) ? scaled(forward[m.band[j]][i]) : null);
    let forwardPoints = fwdColumn ? forward.date.map((d, i) => ({ x: ms(d), y: scaled(fwdColumn[i]), date: d,
      lo: fwdBand(0, i), hi: fwdBand(1, i) })).filter((p) => known(p.y)) : [];
    if (state.assignment && actualPoints.length) {
      // One container's stay is short: the batch's plan to harvest would flatten it.
      const xs = actualPoints.concat(samples).map((p) => p.x);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      planPoints = planPoints.filter((p) => p.x >= lo && p.x <= hi);
      const stay = data.assignments.find((a) => a.id === state.assignment);
      if (stay && stay.departure_date) forwardPoints = [];
    }
    const harvestDrawn = forwardPoints.length > 0 && forward.harvest_date === forwardPoints[forwardPoints.length - 1].date;
    /* The 90 % bands (the smoother's), drawn only where the answer has them: none in the
     * anchored model, whose curve states no uncertainty. */
    const hasBand = actualPoints.some((p) => known(p.lo) && known(p.hi));
    const band = (key) => (hasBand ? actualPoints.map((p) => ({ x: p.x, y: p[key], date: p.date })) : []);
    const hasForwardBand = forwardPoints.some((p) => known(p.lo) && known(p.hi));
    const forwardBand = (key) => (hasForwardBand ? forwardPoints.map((p) => ({ x: p.x, y: p[key], date: p.date })) : []);
    const sets = [
      // "order": samples are drawn first (underneath), the actual line last (on top).
      { label: "Growth samples (± standard error of the mean, SD / √n)", data: samples, showLine: false, pointRadius: 2.5,
        pointHoverRadius: 5, borderColor: COLORS.sampleFill, backgroundColor: COLORS.sampleFill,
        order: 3, kind: "samples" },
      { label: "Plan (scenario)", data: planPoints, borderColor: COLORS.plan, backgroundColor: COLORS.plan,
        borderWidth: 1.5, pointRadius: 0, order: 2, kind: "scenario" },
      { label: "Actual", data: actualPoints, borderColor: COLORS.actual,
        backgroundColor: COLORS.actual, borderWidth: 2.2, order: 0, spanGaps: false, kind: "actual",
        pointRadius: actualPoints.map((p) => (p.clipped ? 4 : p.anchor !== "none" && state.metric === "weight" ? 3 : 0)),
        pointStyle: actualPoints.map((p) => (p.clipped ? "triangle" : "circle")),
        pointBackgroundColor: actualPoints.map((p) => (p.clipped ? COLORS.clipped : "#fff")),
        pointBorderColor: actualPoints.map((p) => (p.clipped ? COLORS.clipped : COLORS.actual)),
        pointBorderWidth: 1.5,
        segment: {
          borderDash: (ctx) => (actualPoints[ctx.p1DataIndex].est > 0 ? [5, 4] : undefined),
          borderColor: (ctx) => (actualPoints[ctx.p1DataIndex].est > 0 ? COLORS.actualFaded : undefined),
        } },
      { label: "Forward projection", data: forwardPoints, borderColor: COLORS.forward,
        backgroundColor: COLORS.forward, borderDash: [2, 3], borderWidth: 1.8, order: 1,
        pointRadius: forwardPoints.map((p, i) => (i === forwardPoints.length - 1 && harvestDrawn ? 5 : 0)),
        pointStyle: "rectRot", kind: "forward" },
      { label: "90 % band (low)", data: band("lo"), borderWidth: 0, pointRadius: 0,
        fill: false, order: 4, kind: "band-low", spanGaps: false },
      { label: "90 % band", data: band("hi"), borderWidth: 0, pointRadius: 0,
        backgroundColor: COLORS.band, fill: "-1", order: 4, kind: "band", spanGaps: false },
      { label: "Forward 90 % band (low)", data: forwardBand("lo"), borderWidth: 0, pointRadius: 0,
        fill: false, order: 5, kind: "forward-band-low", spanGaps: false },
      { label: "Forward 90 % band", data: forwardBand("hi"), borderWidth: 0, pointRadius: 0,
        backgroundColor: COLORS.forwardBand, fill: "-1", order: 5, kind: "forward-band", spanGaps: false },
    ];
    return { metric: state.metric, unit, scale, sets, clipAt, harvestDrawn };
  }

  /* Draws the samples' standard-error bars (SD / sqrt(n)) and the "today" line. */
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
          if (!p.sem || p.y === null) return;
          const lo = y.getPixelForValue(Math.max(p.y - p.sem, y.type === "logarithmic" ? p.y / 10 : -Infinity));
          const hi = y.getPixelForValue(p.y + p.sem);
          ctx.beginPath();
          ctx.moveTo(el.x, lo); ctx.lineTo(el.x, hi);
          ctx.moveTo(el.x - 3, lo); ctx.lineTo(el.x + 3, lo);
          ctx.moveTo(el.x - 3, hi); ctx.lineTo(el.x + 3, hi);
          ctx.stroke();
        });
        ctx.restore();
      }
      const today = data && data.today ? ms(data.today) : null;
      const x = c.scales.x;
      if (today !== null && today >= x.min && today <= x.max) {
        const px = x.getPixelForValue(today);
        ctx.save();
        ctx.strokeStyle = COLORS.today;
        ctx.setLineDash([3, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(px, c.chartArea.top); ctx.lineTo(px, c.chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = COLORS.today;
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = px > c.chartArea.right - 50 ? "right" : "left";
        ctx.fillText("today", px + (ctx.textAlign === "left" ? 4 : -4), c.chartArea.top + 12);
        ctx.restore();
      }
    },
  };

  function valueText(v, unit) {
    if (!known(v)) return "—";
    if (state.metric === "weight") return fmtWeight(unit === "kg" ? v * 1000 : v);
    if (state.metric === "biomass") return unit === "t" ? `${fmt(v, 1)} t` : fmtMass(v);
    if (state.metric === "feed") return fmtMass(v);
    if (state.metric === "population") return `${fmtFish(v)} fish`;
    if (state.metric === "mortality") return fmtPct(v);
    if (state.metric === "fcr") return fmt(v, 2);
    return `${fmt(v, 1)} °C`;
  }

  /* Why a day past the records is estimated, in words: "last sample 12 Jan (93 days before)". */
  function pastRecords(p) {
    const m = METRICS[state.metric];
    const reached = records();
    const last = reached[m.stream];
    const what = { samples: "last sample", mortality: "mortality recorded to", feed: "no feed recorded since",
      temperature: "temperature measured to" }[m.stream];
    if (!last) return `no ${m.stream === "samples" ? "sample" : m.stream + " record"} at all`;
    const gap = daysBetween(last, p.date);
    return `${what} ${dayText(last)}${gap > 0 ? ` (${gap} day${gap === 1 ? "" : "s"} before)` : ""}`;
  }

  function tooltipLabel(item) {
    const p = item.raw;
    const unit = drawn.unit;
    const kind = item.dataset.kind;
    if (kind === "samples") {
      const g = (v) => fmtWeight(unit === "kg" ? v * 1000 : v);
      return [`Sample ${p.container}: ${g(p.y)} (${p.n} fish weighed)`,
        known(p.sem) ? `  ± ${g(p.sem)} standard error of the mean (SD ${g(p.sd)} / √${p.n})` : "  no SD recorded: no standard error",
        known(p.k) ? `  condition factor K ${fmt(p.k, 2)}` : "  measured"];
    }
    if (kind === "actual") {
      const lines = [`Actual${p.week ? " " + p.week : ""}: ${valueText(p.clipped ? p.value * drawn.scale : p.y, unit)}${p.clipped ? " (off the scale, drawn at the edge)" : ""}`];
      const m = METRICS[state.metric];
      if (m.words && p.src) lines.push(`  ${sourceWords(m.words, p.src)}`);
      if (m.stream === "feed") lines.push(p.est > 0 ? "  feed not recorded on some days" : "  feed recorded");
      if (state.metric === "mortality") lines.push(`  ${fmtFish(p.deaths)} died that ${p.week ? "week" : "day"}`);
      if (p.est > 0) {
        const all = p.est >= 0.995;
        lines.push(`  estimated past the records${all ? "" : ` for ${fmt(p.est * 100, 0)} % of the fish`}: ${pastRecords(p)}`);
      }
      if (known(p.lo) && known(p.hi)) lines.push(`  90 % band ${valueText(p.lo, unit)} to ${valueText(p.hi, unit)}`);
      if (p.anchor !== "none" && state.metric === "weight") lines.push(`  anchor: ${WORDS.anchor[p.anchor] || p.anchor}`);
      if (!state.assignment) lines.push(`  ${p.containers} container${p.containers === 1 ? "" : "s"}`);
      return lines;
    }
    if (kind === "scenario") return [`Plan: ${valueText(p.y, unit)}`, `  stage ${p.stage}`];
    const lines = [`Forward: ${valueText(p.y, unit)}`, "  projected from the latest state with the plan's growth"];
    if (known(p.lo) && known(p.hi)) lines.push(`  90 % band ${valueText(p.lo, unit)} to ${valueText(p.hi, unit)} (wider the further ahead)`);
    return lines;
  }

  /* Ticks on the first of a month (every 1, 2, 3, 6 or 12 months), not at arbitrary ms. */
  let shortRange = false;
  function monthTicks(scale) {
    const first = new Date(scale.min);
    const days = (scale.max - scale.min) / DAY_MS;
    shortRange = days <= 62;
    const narrow = scale.chart.width < 600;
    if (shortRange) {
      const step = Math.max(1, Math.ceil(days / (narrow ? 4 : 8)));
      scale.ticks = [];
      for (let t = scale.min; t <= scale.max; t += step * DAY_MS) scale.ticks.push({ value: t });
      return;
    }
    const months = days / 30.44;
    const most = narrow ? 4 : 10;
    const step = [1, 2, 3, 6, 12].find((n) => months / n <= most) || 24;
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
    drawn = buildSets();
    const sets = drawn.sets;
    const logScale = state.logScale && !["fcr", "temperature", "mortality"].includes(state.metric);
    const config = {
      type: "line",
      data: { datasets: sets },
      options: {
        animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: Object.assign({ type: "linear", afterBuildTicks: monthTicks,
            ticks: { callback: monthLabel, maxRotation: 0, color: "#3b4853" }, grid: { color: "#eef1f4" } },
            xBounds(sets)),
          y: { type: logScale ? "logarithmic" : "linear",
            title: { display: true, text: `${m.title.split(" (")[0]} (${drawn.unit})`, color: "#3b4853" },
            ticks: { color: "#3b4853" }, grid: { color: "#eef1f4" },
            grace: "6%", min: state.metric !== "temperature" && !logScale ? 0 : undefined,
            max: drawn.clipAt || undefined,
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: { itemSort: (a, b) => a.datasetIndex - b.datasetIndex,
            // A band's ends are told in the line's own tooltip, not as points of their own.
            filter: (item) => !item.dataset.kind.includes("band"),
            callbacks: { title: (items) => (items.length ? dayText(items[0].raw.date) : ""), label: tooltipLabel } },
        },
        elements: { point: { hitRadius: 4 } },
      },
      plugins: [annotations],
    };
    if (chart) chart.destroy();
    chart = new Chart($("growth-chart"), config);
    $("chart-empty").hidden = sets.some((ds) => ds.data.length > 0);
    window.growthChart = chart;
    renderKey();
    if ($("chart-table-box").open) renderChartTable();
  }

  /* The key names only what is drawn, and how an estimate looks. */
  function renderKey() {
    const items = [];
    const byKind = Object.fromEntries(drawn.sets.map((s) => [s.kind, s.data]));
    const swatch = (cls) => `<span class="swatch ${cls}" aria-hidden="true"></span>`;
    if (byKind.samples.length) items.push(`${swatch("sw-sample")}Growth samples (± standard error of the mean, SD / √n)`);
    if (byKind.band.length) items.push(`${swatch("sw-band")}90 % band (the model's uncertainty)`);
    if (byKind["forward-band"].length) items.push(`${swatch("sw-forward-band")}90 % band of the forward projection (widens with time)`);
    if (byKind.scenario.length) items.push(`${swatch("sw-plan")}Plan (${escapeHtml(data.scenario ? data.scenario.name : "scenario")})`);
    const actual = byKind.actual;
    if (actual.some((p) => known(p.y) && !(p.est > 0))) items.push(`${swatch("sw-actual")}Actual, on records`);
    if (actual.some((p) => known(p.y) && p.est > 0)) items.push(`${swatch("sw-estimated")}Actual, estimated past the records`);
    if (state.metric === "weight" && actual.some((p) => p.anchor !== "none")) items.push(`${swatch("sw-anchor")}Measured day`);
    if (actual.some((p) => p.clipped)) items.push(`${swatch("sw-clipped")}Off the scale (above ${fmt(drawn.clipAt, 1)})`);
    if (byKind.forward.length) {
      const f = data.forward_projection;
      items.push(`${swatch("sw-forward")}Forward projection${drawn.harvestDrawn ? `, harvest weight ${dayText(f.harvest_date)}` : ""}`);
    }
    const today = data.today ? ms(data.today) : null;
    const bounds = xBounds(drawn.sets);
    if (today !== null && today >= bounds.min && today <= bounds.max) items.push(`${swatch("sw-today")}Today`);
    $("chart-key").innerHTML = items.map((t) => `<span class="key-item">${t}</span>`).join("");
  }

  /* ---- The data table behind the chart (and the CSV): one row per date ---- */
  function chartRows() {
    const columns = [];
    const rows = new Map();
    const put = (date, col, value) => {
      if (!rows.has(date)) rows.set(date, {});
      const row = rows.get(date);
      row[col] = row[col] === undefined ? value : `${row[col]}; ${value}`;
    };
    const m = METRICS[state.metric];
    for (const ds of drawn.sets) {
      if (!ds.data.length) continue;
      if (ds.kind === "samples") {
        const semCol = "Standard error of the mean, SD / √n (g)";
        columns.push("Sample mean (g)", "Sample SD (g)", semCol, "Fish weighed", "Sample container");
        for (const p of ds.data) {
          put(p.date, "Sample mean (g)", known(p.y) ? p.y / drawn.scale : ""); put(p.date, "Sample SD (g)", known(p.sd) ? p.sd / drawn.scale : "");
          put(p.date, semCol, known(p.sem) ? Number((p.sem / drawn.scale).toPrecision(4)) : "");
          put(p.date, "Fish weighed", p.n); put(p.date, "Sample container", p.container);
        }
        continue;
      }
      if (ds.kind.includes("band")) {
        const which = ds.kind.endsWith("low") ? "low" : "high";
        const col = `${ds.kind.startsWith("forward") ? "Forward 90 % band" : "90 % band"} ${which} (${drawn.unit})`;
        columns.push(col);
        for (const p of ds.data) put(p.date, col, known(p.y) ? Number(p.y.toPrecision(6)) : "");
        continue;
      }
      const name = { scenario: "Plan", actual: "Actual", forward: "Forward" }[ds.kind];
      const col = `${name} (${drawn.unit})`;
      columns.push(col);
      if (ds.kind === "actual") columns.push("Rests on", "Estimated share of fish");
      for (const p of ds.data) {
        const y = p.clipped ? p.value * drawn.scale : p.y;
        put(p.date, col, known(y) ? Number(y.toPrecision(6)) : "");
        if (ds.kind === "actual") {
          put(p.date, "Rests on", m.words && p.src ? sourceWords(m.words, p.src) : m.stream === "feed" ? (p.est > 0 ? "feed partly not recorded" : "feed recorded") : "");
          put(p.date, "Estimated share of fish", fmt(p.est, 2));
        }
      }
    }
    const dates = Array.from(rows.keys()).sort();
    return { columns, dates, rows };
  }

  function renderChartTable() {
    const { columns, dates, rows } = chartRows();
    const table = $("chart-table");
    table.querySelector("thead").innerHTML = `<tr><th scope="col">Date</th>${columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}</tr>`;
    table.querySelector("tbody").innerHTML = dates.map((d) => `<tr><td>${d}</td>${columns.map((c) =>
      `<td>${escapeHtml(rows.get(d)[c] === undefined ? "" : rows.get(d)[c])}</td>`).join("")}</tr>`).join("");
  }

  function csv() {
    const { columns, dates, rows } = chartRows();
    const quote = (v) => (v === null || v === undefined ? "" : /[",\n;]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const lines = [
      `# ${data.batch.number}, ${METRICS[state.metric].title}, ${state.granularity}, ${scopeText()}; data as of ${data.batch.last_state_date || "not computed"}; today ${data.today}`,
      ["date", ...columns].map(quote).join(","),
    ];
    for (const d of dates) lines.push([d, ...columns.map((c) => rows.get(d)[c])].map(quote).join(","));
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

  /* ---- Words and figures around the chart ---- */
  function scopeText() {
    const chosen = data.assignments.find((a) => a.id === state.assignment);
    return chosen ? `${chosen.container} (${chosen.stage})` : "All containers";
  }

  function renderNotices() {
    const notes = [];
    const manager = root.dataset.canRecompute === "1";
    if (data.states_missing) {
      const nothing = data.assignments.length === 0 && !state.start && !state.end;
      const next = nothing
        ? "The batch has no container stay yet, so there is nothing to compute: give it its first stay (an egg input) in the admin or through the farm's event system."
        : manager ? "Press <strong>Recompute</strong> above; the chart shows the samples and the plan until then."
          : "Ask a manager to recompute the batch; the chart shows the samples and the plan until then.";
      notes.push(`<div class="notice warn" id="states-missing"><strong>No daily states computed yet.</strong> ${next}</div>`);
    }
    if (data.scenario_missing) {
      notes.push(`<div class="notice" id="scenario-missing"><strong>${data.scenario ? "Scenario incomplete." : "No scenario."}</strong>
        ${escapeHtml(data.scenario_missing)}</div>`);
    }
    $("notices").innerHTML = notes.join("");
    $("scenario-name").textContent = data.scenario
      ? `Plan: ${data.scenario.name}${data.scenario.pinned ? " (pinned)" : " (the newest)"} · harvest at ${fmtWeight(data.scenario.harvest_weight_g)}`
      : "No plan (scenario)";
    const reached = records();
    const scope = state.assignment ? "this container" : "the pens holding fish";
    const parts = [
      ["feed", "feed"], ["mortality", "deaths"], ["samples", "samples"], ["counts", "counts"], ["temperature", "temperature"],
    ].filter(([k]) => reached[k]).map(([k, w]) => `${w} ${dayText(reached[k])}`);
    $("as-of").innerHTML = `<strong>Data as of ${dayText(data.batch.last_state_date)}</strong>` +
      (parts.length ? ` · records of ${scope} end: ${escapeHtml(parts.join(", "))}` : " · no records yet") +
      ` · today ${dayText(data.today)}`;
    const n = data.samples.date.length;
    $("chart-note").textContent = (n ? `${n} growth sample${n === 1 ? "" : "s"} in this range. ` : "No growth samples in this range yet. ")
      + "Dashed, faded stretches rest on no record that day (past a pen's last sample, feed or mortality record); the tooltip says why.";
    const banded = drawn && drawn.sets.filter((ds) => ds.kind === "band" || ds.kind === "forward-band").some((ds) => ds.data.length);
    if (banded) $("chart-note").textContent += " The shaded 90 % band is how sure the model is: the true value lies inside it on 9 days in 10; ahead of the records it widens, as the growth rate may drift.";
    if (drawn && drawn.clipAt) {
      const off = drawn.sets[2].data.filter((p) => p.clipped).length;
      if (off) $("chart-note").textContent += ` ${off} ${state.granularity === "weekly" ? "week" : "day"}${off === 1 ? "" : "s"} with an FCR above ${fmt(drawn.clipAt, 1)} (or below 0) are drawn at the edge as ▲; their true values are in the tooltip and the table. A sample moves the weight, so a few days' FCR swings: the weekly view or the period table reads better.`;
    }
  }

  function tile(label, value, note, cls) {
    return `<div class="tile${cls ? " " + cls : ""}"><div class="tile-label">${label}</div><div class="tile-value">${value}</div>${note ? `<div class="tile-note">${note}</div>` : ""}</div>`;
  }

  const plural = (n, word) => `${fmt(n, 0)} ${word}${n === 1 ? "" : "s"}`;
  function planText(days) {
    if (!known(days)) return "—";
    if (days === 0) return "on plan";
    return `${plural(Math.abs(days), "day")} ${days >= 0 ? "ahead" : "behind"}`;
  }

  function renderHeadline() {
    const h = data.status && data.status.batch;
    if (!h) {
      $("headline").innerHTML = `<p class="subtle">No figures yet: the batch has no daily states in this range.</p>`;
      return;
    }
    const behind = Number(root.dataset.behindPlanDays || 14);
    const tiles = [
      tile("Fish", fmtFish(h.fish), WORDS.population[h.population_source] || ""),
      tile("Mean weight", h.fish > 0 ? fmtWeight(h.avg_weight_g) : "—", h.fish > 0 ? (h.weight_source ? sourceWords("weight", h.weight_source) : "") : "no fish left"),
      tile("Biomass", fmtMass(h.biomass_kg), `on ${dayText(h.as_of)}`),
      tile("Mortality", fmtPct(h.mortality_pct), `${fmtFish(h.deaths)} dead of ${fmtFish(h.stocked_fish)} stocked${h.deaths_modelled ? ` (${fmtFish(h.deaths_modelled)} modelled)` : ""}; unexplained ${fmtPct(h.unexplained_pct)}${h.deaths_by_cause.length ? `; recorded: ${causesText(h.deaths_by_cause, 3)}` : ""}`),
      tile("FCR bio / econ", `${fmt(h.fcr_biological, 2)} / ${fmt(h.fcr_economic, 2)}`, `feed ${fmtMass(h.feed_kg)}${h.feed_unknown_days ? `; ${h.feed_unknown_days} pen-days without feed records left out` : ""}`),
      tile("SGR", `${fmt(h.sgr_pct_day, 2)} %/day`, `TGC ${fmt(h.tgc, 2)}; both over the last 30 days`),
      tile("Degree-days", fmt(h.degree_days, 0), "°C·days in this range"),
      tile("Harvest", h.harvest_date ? dayText(h.harvest_date) : "—",
        known(h.days_to_harvest) ? (h.days_to_harvest >= 0 ? `in ${plural(h.days_to_harvest, "day")}` : `${plural(-h.days_to_harvest, "day")} ago`) : "no forecast"),
    ];
    if (!state.assignment) {
      const late = known(h.days_vs_plan) && h.days_vs_plan <= -behind;
      tiles.push(tile("Against plan", planText(h.days_vs_plan),
        known(h.biomass_vs_plan_pct) ? `biomass ${signed(h.biomass_vs_plan_pct, 1)} % (${signed(h.biomass_vs_plan_kg / 1000, 1)} t)` : "",
        late ? "warn" : ""));
    }
    $("headline").innerHTML = tiles.join("");
  }

  function renderPlan() {
    const h = data.status && data.status.batch;
    const v = data.variance;
    const parts = [];
    if (h && known(h.days_vs_plan) && !state.assignment) {
      const behind = Number(root.dataset.behindPlanDays || 14);
      const late = h.days_vs_plan <= -behind;
      const when = h.plan_exceeded
        ? `The fish are heavier than the plan ever is; compared at the plan's harvest weight, which the plan reaches on ${dayText(h.plan_weight_date)}.`
        : `The plan reaches ${dayText(h.plan_reference_date)}'s weight on ${dayText(h.plan_weight_date)}.`;
      parts.push(`<div class="big ${h.days_vs_plan >= 0 ? "pos" : "neg"}">${planText(h.days_vs_plan)}</div>
        <div class="subtle small">${when}${late ? ` <strong class="neg">Behind by ${behind} days or more (the farm's warning threshold).</strong>` : ""}</div>`);
      if (known(h.biomass_plan_kg)) {
        parts.push(`<div class="figures"><span class="label">Biomass</span><span class="value">${fmtMass(h.biomass_kg)}</span><span class="value">plan ${fmtMass(h.biomass_plan_kg)}</span>
          <span class="label">Difference</span><span class="value ${h.biomass_vs_plan_kg >= 0 ? "pos" : "neg"}">${signed(h.biomass_vs_plan_kg / 1000, 1)} t</span><span class="value ${h.biomass_vs_plan_kg >= 0 ? "pos" : "neg"}">${signed(h.biomass_vs_plan_pct, 1)} %</span></div>`);
      }
    } else if (h && !state.assignment && data.scenario) {
      parts.push(`<div class="subtle">No weight to set against the plan's curve in this range.</div>`);
    }
    if (v) {
      const cls = (x) => (x >= 0 ? "pos" : "neg");
      const row = (label, g, pct, note) => `<span class="label">${label}</span>
        <span class="value ${cls(g)}">${signed(g, Math.abs(g) < 10 ? 2 : 0)} g</span><span class="value ${cls(g)}">${signed(pct, 1)} %</span>
        ${note ? `<span></span><span class="subtle small note">${note}</span>` : ""}`;
      parts.push(`<h3 class="small-head">Weight against plan</h3><div class="figures">
        ${row("Latest", v.now.difference_g, v.now.difference_pct, `${dayText(v.now.date)}: ${fmtWeight(v.now.actual_g)} vs ${fmtWeight(v.now.scenario_g)}`)}
        ${row("Mean", v.mean.difference_g, v.mean.difference_pct, `over ${v.mean.days} ${state.granularity === "weekly" ? "weeks" : "days"}`)}
        ${row("Largest", v.largest.difference_g, v.largest.difference_pct, dayText(v.largest.date))}
      </div>`);
    }
    if (!parts.length) parts.push(`<span class="subtle">${data.scenario ? "No actual weights overlap the plan in this range." : "No plan to compare with."}</span>`);
    $("plan-body").innerHTML = parts.join("");
  }

  function renderForward() {
    const harvest = data.status && data.status.harvest;
    if (harvest) {
      $("forward-title").textContent = "Harvest";
      $("forward-body").innerHTML = `<div class="big">${fmtMass(harvest.live_weight_kg)}</div>
        <div class="figures">
          <span class="label">Fish</span><span class="value">${fmtFish(harvest.fish)}</span><span></span>
          <span class="label">Mean weight</span><span class="value">${fmtWeight(harvest.avg_weight_g)}</span><span></span>
          <span class="label">Survival</span><span class="value">${fmtPct(harvest.survival_pct, 1)}</span><span></span>
          <span class="label">FCR bio / econ</span><span class="value">${fmt(harvest.fcr_biological, 2)} / ${fmt(harvest.fcr_economic, 2)}</span><span></span>
        </div>
        <div class="subtle small">${dayText(harvest.first_date)} – ${dayText(harvest.last_date)}, day ${harvest.days_from_start} of the batch</div>`;
      return;
    }
    $("forward-title").textContent = "Forward projection";
    const f = data.forward_projection;
    if (!f) {
      const h = data.status && data.status.batch;
      $("forward-body").innerHTML = `<span class="subtle">${!data.scenario ? "Needs a plan (scenario)." : h && h.fish === 0 ? "No fish left in the latest state, and no harvest recorded." : "Nothing to project yet."}</span>`;
      return;
    }
    const ownTgc = f.containers.some((c) => c.tgc_source === "pen");
    const growth = ownTgc ? "each pen at its own TGC from its weight samples while its stage lasts, then the plan's" : "at the plan's TGC";
    $("forward-body").innerHTML = `<div class="big">${f.harvest_date ? dayText(f.harvest_date) : "not within 4 years"}</div>
      <div class="subtle">expected harvest at ${fmtWeight(f.expected_weight_g)} (target ${fmtWeight(f.harvest_weight_g)})</div>
      <div class="subtle small" id="forward-basis">projected from the state of ${dayText(f.from_date)}, ${growth}, the plan's temperature corrected by ${signed(f.temp_bias_c, 1)} °C measured bias</div>`;
  }

  function renderContainers() {
    const forecast = Object.fromEntries(((data.forward_projection || {}).containers || []).map((c) => [c.assignment, c.harvest_date]));
    const stays = data.assignments.slice().sort((a, b) =>
      (a.departure_date ? 1 : 0) - (b.departure_date ? 1 : 0) || (b.departure_date || "").localeCompare(a.departure_date || "") || a.container.localeCompare(b.container));
    const open = stays.filter((a) => !a.departure_date).length;
    const items = [`<li><button type="button" data-assignment="" aria-pressed="${state.assignment ? "false" : "true"}">
      <span>All containers</span><span class="meta">${open} holding fish · ${data.assignments.length} stays</span></button></li>`];
    for (const a of stays) {
      const until = a.departure_date ? `${dayText(a.assignment_date)} – ${dayText(a.departure_date)}` : `since ${dayText(a.assignment_date)}`;
      const harvest = forecast[a.id] ? ` · harvest ${dayText(forecast[a.id])}` : "";
      items.push(`<li><button type="button" data-assignment="${a.id}" aria-pressed="${state.assignment === a.id ? "true" : "false"}" class="${a.departure_date ? "" : "current"}">
        <span>${escapeHtml(a.container)}<span class="meta"> · ${escapeHtml(a.stage)}</span></span><span class="meta">${until}${harvest}</span></button></li>`);
    }
    $("containers").innerHTML = items.join("");
    $("chart-scope").textContent = scopeText();
  }

  /* Recorded deaths by cause, most first: "Winter ulcer 7, no cause given 3". */
  function causesText(causes, most) {
    const shown = causes.slice(0, most || causes.length).map((c) => `${c.cause || "no cause given"} ${fmtFish(c.fish)}`);
    return shown.join(", ") + (causes.length > shown.length ? `, ${plural(causes.length - shown.length, "more cause")}` : "");
  }
  const PEN_COLUMNS = [
    { key: "container", label: "Pen", text: (p) => `${escapeHtml(p.container)}<div class="subtle small">${escapeHtml(p.stage)}${p.current ? " · holding fish" : ""}</div>`, sort: (p) => p.container },
    { key: "first_date", label: "From – to", text: (p) => `${dayText(p.first_date)} – ${p.current ? "now" : dayText(p.last_date)}`, sort: (p) => p.first_date },
    { key: "start_fish", label: "Fish in", num: true, text: (p) => fmtFish(p.start_fish) },
    { key: "end_fish", label: "Fish now / at end", num: true, text: (p) => fmtFish(p.end_fish) },
    { key: "start_weight_g", label: "Weight first day", num: true, text: (p) => fmtWeight(p.start_weight_g) },
    { key: "end_weight_g", label: "Weight last day", num: true, text: (p) => fmtWeight(p.end_weight_g) },
    { key: "end_biomass_kg", label: "Biomass", num: true, text: (p) => fmtMass(p.end_biomass_kg) },
    { key: "mortality_pct", label: "Mortality", num: true, text: (p) => `${fmtPct(p.mortality_pct)}<div class="subtle small">${fmtFish(p.deaths)} fish${p.deaths_modelled ? `, ${fmtFish(p.deaths_modelled)} modelled` : ""}</div>` },
    { key: "deaths_by_cause", label: "Recorded deaths by cause", num: false, text: (p) => (p.deaths_by_cause.length ? escapeHtml(causesText(p.deaths_by_cause)) : "—"),
      sort: (p) => (p.deaths_by_cause.length ? causesText(p.deaths_by_cause) : null) },
    { key: "unexplained_pct", label: "Unexplained loss", num: true, text: (p) => `${fmtPct(p.unexplained_pct)}<div class="subtle small">${fmtFish(p.unexplained_fish)} fish</div>` },
    { key: "harvested_fish", label: "Harvested", num: true, text: (p) => (p.harvested_fish ? `${fmtFish(p.harvested_fish)}<div class="subtle small">${fmtMass(p.harvested_kg)}</div>` : "—") },
    { key: "feed_kg", label: "Feed", num: true, text: (p) => `${fmtMass(p.feed_kg)}${p.feed_unknown_days ? `<div class="subtle small">${p.feed_unknown_days} days unrecorded</div>` : ""}` },
    { key: "net_gain_kg", label: "Net gain", num: true, text: (p) => fmtMass(p.net_gain_kg) },
    { key: "fcr_biological", label: "FCR bio", num: true, text: (p) => fmt(p.fcr_biological, 2) },
    { key: "fcr_economic", label: "FCR econ", num: true, text: (p) => fmt(p.fcr_economic, 2) },
    { key: "sgr_pct_day", label: "SGR %/day", num: true, text: (p) => fmt(p.sgr_pct_day, 2) },
    { key: "tgc", label: "TGC", num: true, text: (p) => fmt(p.tgc, 2) },
    { key: "degree_days", label: "Degree-days", num: true, text: (p) => fmt(p.degree_days, 0) },
    { key: "density_kg_m3", label: "Density kg/m³", num: true, text: (p) => fmt(p.density_kg_m3, 1) },
    { key: "forecast_harvest_date", label: "Harvest forecast", text: (p) => (p.forecast_harvest_date ? dayText(p.forecast_harvest_date) : "—") },
  ];

  let allPens = false;
  function renderPens() {
    const every = data.status ? data.status.pens : [];
    const current = every.filter((p) => p.current);
    const pens = (allPens || !current.length || state.assignment ? every : current).slice();
    if (pensSort) {
      const col = PEN_COLUMNS.find((c) => c.key === pensSort.key);
      const value = col.sort || ((p) => p[col.key]);
      pens.sort((a, b) => {
        const x = value(a);
        const y = value(b);
        if (!known(x) && !known(y)) return 0;
        if (!known(x)) return 1;
        if (!known(y)) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * pensSort.dir;
      });
    }
    const table = $("pens");
    table.querySelector("thead").innerHTML = `<tr>${PEN_COLUMNS.map((c) => {
      const sorted = pensSort && pensSort.key === c.key ? (pensSort.dir > 0 ? "ascending" : "descending") : "none";
      return `<th scope="col" class="${c.num ? "num" : ""}" aria-sort="${sorted}"><button type="button" class="sort" data-sort="${c.key}">${c.label}</button></th>`;
    }).join("")}</tr>`;
    table.querySelector("tbody").innerHTML = pens.length ? pens.map((p) => `<tr data-assignment="${p.assignment}" class="${p.current ? "current" : ""}">${PEN_COLUMNS.map((c) =>
      `<td class="${c.num ? "num" : ""}"${c.title && c.title(p) ? ` title="${escapeHtml(c.title(p))}"` : ""}>${c.text(p)}</td>`).join("")}</tr>`).join("")
      : `<tr><td colspan="${PEN_COLUMNS.length}" class="subtle">No daily states in this range.</td></tr>`;
    const earlier = every.length - current.length;
    $("pens-more").hidden = !current.length || !earlier || Boolean(state.assignment);
    $("pens-more").textContent = allPens ? `Show the ${current.length} pens holding fish only` : `Show the ${plural(earlier, "earlier stay")} too`;
    $("pens-more").setAttribute("aria-expanded", allPens ? "true" : "false");
  }

  const PERIOD_FIRST = { by_stage: "Stage", by_assignment: "Container", by_week: "Week", by_month: "Month" };
  function periodName(r) {
    if (state.periods === "by_stage") return escapeHtml(r.stage);
    if (state.periods === "by_assignment") return escapeHtml(`${r.container} · ${r.stage}`);
    return `${escapeHtml(r.period)}<div class="subtle small">${escapeHtml(r.stages.join(", "))}</div>`;
  }
  function periodDays(r, day) {
    const span = `${day(r.first_day)} – ${day(r.last_day)}`;
    return r.partial ? `${span}<div class="subtle small">partial: ${r.days} of ${r.full_days} days</div>` : span;
  }
  function renderPeriods() {
    const rows = data.periods[state.periods] || [];
    const head = [[PERIOD_FIRST[state.periods], false], ["From – to", false], ["TGC observed", true],
      ["TGC plan", true], ["SGR %/day", true], ["FCR observed (feed records)", true], ["FCR plan", true],
      ["Degree-days", true], ["Deaths", true], ["Mortality", true], ["Gain", true], ["Feed", true]];
    $("periods").querySelector("thead").innerHTML = `<tr>${head.map(([label, num]) =>
      `<th scope="col"${num ? ' class="num"' : ""}>${label}</th>`).join("")}</tr>`;
    const start = ms(data.batch.start_date);
    const day = (n) => dayText(isoDay(start + (n - 1) * DAY_MS));
    const coverage = (r) => (known(r.feed_coverage) && r.feed_coverage < 1
      ? `<div class="subtle small">${fmt(100 * r.feed_coverage, 0)} % of fed days</div>` : "");
    $("periods").querySelector("tbody").innerHTML = rows.length ? rows.map((r) => `<tr>
      <td>${periodName(r)}</td><td>${periodDays(r, day)}</td>
      <td class="num">${fmt(r.observed_tgc, 2)}</td><td class="num">${fmt(r.scenario_tgc, 2)}</td>
      <td class="num">${fmt(r.sgr_pct_day, 2)}</td>
      <td class="num">${fmt(r.observed_fcr, 2)}${coverage(r)}</td><td class="num">${fmt(r.scenario_fcr, 2)}</td>
      <td class="num">${fmt(r.degree_days, 0)}</td><td class="num">${fmtFish(r.deaths)}</td>
      <td class="num">${fmtPct(r.mortality_pct)}</td>
      <td class="num">${fmtMass(r.growth_kg)}</td><td class="num">${fmtMass(r.feed_kg)}</td></tr>`).join("")
      : `<tr><td colspan="${head.length}" class="subtle">No daily states in this range.</td></tr>`;
  }

  function render() {
    $("chart-title").textContent = METRICS[state.metric].title;
    renderContainers();
    renderHeadline();
    renderPlan();
    renderForward();
    renderPens();
    renderPeriods();
    drawChart();
    renderNotices();
  }

  /* ---- Recompute (managers): queue it, then follow its runs until done ---- */
  /* Polled with timers, never a wait: 1 s, then 1.5 times longer, at most 5 s apart,
   * given up after 3 minutes (docs/growth-analysis.md, "The growth page"). */
  const POLL = { firstMs: 1000, factor: 1.5, mostMs: 5000, timeoutMs: 180000 };
  const when = (iso) => new Date(iso).toLocaleString("en-GB",
    { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  const clock = (d) => d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const json = { "Content-Type": "application/json", Accept: "application/json" };
  let following = null; /* { task, started, delay, timer, state } */

  /* The status line: one state at a time, so a screen reader hears each change once. */
  function showStatus(state, text, action) {
    const failed = ["failed", "not-queued", "timeout"].includes(state);
    const button = action ? ` <button type="button" class="button" data-action="${action.id}">${action.label}</button>` : "";
    $("recompute-status").innerHTML = text
      ? `<div class="notice${failed ? " failed" : ""}" data-state="${state}">${escapeHtml(text)}${button}</div>` : "";
  }
  function busy(on) {
    if ($("recompute")) $("recompute").disabled = on;
  }

  async function recompute() {
    busy(true);
    showStatus("asking", "Queueing the recompute…");
    let response;
    let body = {};
    try {
      response = await fetch(root.dataset.recomputeUrl, { method: "POST", credentials: "same-origin",
        headers: { ...json, "X-CSRFToken": root.dataset.csrf }, body: JSON.stringify({ batch: Number(root.dataset.batchId) }) });
      body = await response.json().catch(() => ({}));
    } catch (error) {
      busy(false);
      showStatus("not-queued", "The server could not be reached: nothing was queued. Check the connection and try again.", RETRY);
      return;
    }
    if (response.status === 202 && body.task_ids && body.task_ids.length) {
      follow(body.task_ids[0], "Recompute");
      return;
    }
    busy(false);
    if (response.status === 503) {
      showStatus("not-queued", `The recompute could not be queued: the task queue is not answering. Try again in a minute; if it persists, tell your administrator.`, RETRY);
    } else if (response.status === 403) {
      showStatus("not-queued", "Only a manager can recompute a batch.");
    } else {
      showStatus("not-queued", `The recompute was refused (the server answered ${response.status}).`, RETRY);
    }
  }
  const RETRY = { id: "recompute-again", label: "Try again" };
  const REFRESH = { id: "refresh", label: "Refresh figures" };

  function follow(task, what) {
    if (following) clearTimeout(following.timer);
    following = { task, what, started: Date.now(), delay: POLL.firstMs, state: null };
    busy(true);
    step("queued", `${what} queued at ${clock(new Date())}: waiting for a worker…`);
    schedule();
  }
  function step(state, text, action) {
    if (following && following.state === state) return; /* said once per state */
    if (following) following.state = state;
    showStatus(state, text, action);
  }
  function schedule() {
    const f = following;
    f.timer = setTimeout(poll, f.delay);
    f.delay = Math.min(f.delay * POLL.factor, POLL.mostMs);
  }
  function stopFollowing() {
    if (following) clearTimeout(following.timer);
    following = null;
    busy(false);
  }

  async function poll() {
    const f = following;
    if (!f) return;
    let body = null;
    try {
      const params = new URLSearchParams({ batch: root.dataset.batchId, task: f.task });
      const response = await fetch(`${root.dataset.runsUrl}?${params}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) body = await response.json();
    } catch (error) {
      body = null; /* a passing network problem: asked again at the next tick */
    }
    if (f !== following) return;
    const run = body && body.runs.length ? body.runs[0] : null;
    if (body && body.state === "done") {
      const took = known(run.seconds) ? ` in ${fmt(run.seconds, 1)} s` : "";
      step("done", `${f.what} done at ${clock(new Date())}: ${fmtFish(run.rows)} daily states computed${took}. The figures are reloaded.`);
      stopFollowing();
      load();
      return;
    }
    if (body && body.state === "failed") {
      step("failed", `${f.what} failed. ${run.error}`, RETRY);
      stopFollowing();
      return;
    }
    if (body && body.state === "running") step("running", `${f.what} running since ${clock(new Date(run.started_at))}…`);
    if (body && body.state === "retrying") step("retrying", `${f.what}: ${run.error}`);
    if (Date.now() - f.started > POLL.timeoutMs) {
      step("timeout", `${f.what} still not done after ${POLL.timeoutMs / 60000} minutes: the workers may be busy. The figures change when it is done; refresh them later.`, REFRESH);
      stopFollowing();
      return;
    }
    schedule();
  }

  /* ---- The batch's plans (scenarios); managers pin one ---- */
  let plans = null;
  async function loadPlans() {
    try {
      const response = await fetch(root.dataset.scenarioUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      plans = await response.json();
    } catch (error) {
      $("scenarios").innerHTML = `<li class="subtle">The plans could not be loaded: reload the page.</li>`;
      return;
    }
    renderPlans();
  }

  function renderPlans() {
    const manager = root.dataset.canRecompute === "1";
    const items = plans.scenarios.map((p) => {
      const force = p.in_force ? `<span class="in-force">in force, ${p.pinned ? "pinned" : "the newest"}</span>` : "";
      const harvest = `harvest ${fmtWeight(p.harvest_weight_g)}${p.harvest_date ? ` on ${dayText(p.harvest_date)}` : " (not reached by the plan)"}`;
      let button = "";
      if (manager && p.pinned) button = `<button type="button" class="button" data-pin="" aria-label="Unpin (use the newest) instead of ${escapeHtml(p.name)}">Unpin (use the newest)</button>`;
      else if (manager) button = `<button type="button" class="button" data-pin="${p.id}" aria-label="Pin ${escapeHtml(p.name)}">Pin</button>`;
      return `<li data-scenario="${p.id}"><div><span class="name">${escapeHtml(p.name)}</span>${force}</div>
        <div class="subtle small">made ${dayText(p.created_at.slice(0, 10))} · ${harvest}</div>${button}</li>`;
    });
    $("scenarios").innerHTML = items.length ? items.join("") : `<li class="subtle">This batch has no scenario yet: add one in the admin (Farm, Scenarios).</li>`;
    const named = (x) => (x ? escapeHtml(x.name) : "the newest");
    const changes = plans.history.slice(0, 5).map((c) =>
      `<li>${when(c.at)}, ${escapeHtml(c.who || "unknown")}: ${named(c.before)} → ${named(c.after)}</li>`);
    $("pin-history").innerHTML = changes.length ? `Pin changes<ul>${changes.join("")}</ul>` : "";
  }

  async function pinPlan(value) {
    $("scenarios").querySelectorAll("button[data-pin]").forEach((b) => { b.disabled = true; });
    showStatus("asking", value ? "Pinning the plan…" : "Unpinning: the newest plan goes in force…");
    let response;
    let body = {};
    try {
      response = await fetch(root.dataset.scenarioUrl, { method: "PUT", credentials: "same-origin",
        headers: { ...json, "X-CSRFToken": root.dataset.csrf }, body: JSON.stringify({ scenario: value ? Number(value) : null }) });
      body = await response.json().catch(() => ({}));
    } catch (error) {
      showStatus("not-queued", "The server could not be reached: the pin was not changed.");
      renderPlans();
      return;
    }
    if (!response.ok) {
      const why = response.status === 403 ? "Only a manager can pin a plan."
        : response.status === 400 ? `The pin was refused: ${[].concat(body.scenario || body.detail || "").join(" ")}`
          : `The pin was not changed (the server answered ${response.status}). Reload the page and try again.`;
      showStatus("not-queued", why);
      if (plans) renderPlans();
      return;
    }
    plans = body;
    renderPlans();
    load(); /* the plan's line and figures change at once */
    if (body.recompute.queued) follow(body.recompute.task_id, "Recompute with the new plan");
    else showStatus(body.recompute.needed ? "not-queued" : "saved", body.recompute.detail);
  }

  /* ---- Events ---- */
  function change(apply, reload) {
    apply();
    writeUrl(true);
    syncControls();
    if (reload) load(); else if (data) render();
  }
  $("metric").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-metric]");
    if (button) change(() => { state.metric = button.dataset.metric; }, false);
  });
  $("period-kind").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-kind]");
    if (button) change(() => { state.periods = button.dataset.kind; }, false);
  });
  $("containers").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-assignment]");
    if (button) change(() => { state.assignment = button.dataset.assignment ? Number(button.dataset.assignment) : null; }, true);
  });
  $("pens").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-sort]");
    if (!button || !data) return;
    const key = button.dataset.sort;
    pensSort = pensSort && pensSort.key === key ? { key, dir: -pensSort.dir } : { key, dir: 1 };
    renderPens();
  });
  $("pens-more").addEventListener("click", () => { allPens = !allPens; renderPens(); });
  $("granularity").addEventListener("change", (e) => change(() => { state.granularity = e.target.value; }, true));
  $("start").addEventListener("change", (e) => change(() => { state.start = e.target.value; }, true));
  $("end").addEventListener("change", (e) => change(() => { state.end = e.target.value; }, true));
  $("log-scale").addEventListener("change", (e) => { state.logScale = e.target.checked; if (data) drawChart(); });
  $("download-csv").addEventListener("click", () => { if (chart) download(); });
  $("chart-table-box").addEventListener("toggle", () => { if ($("chart-table-box").open && drawn) renderChartTable(); });
  if ($("recompute")) $("recompute").addEventListener("click", () => { if (!following) recompute(); });
  $("recompute-status").addEventListener("click", (e) => {
    const action = e.target.dataset.action;
    if (action === "refresh") { showStatus("", ""); load(); }
    if (action === "recompute-again" && !following) recompute();
  });
  $("scenarios").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-pin]");
    if (button && !button.disabled) pinPlan(button.dataset.pin);
  });
  window.addEventListener("popstate", () => { readUrl(); syncControls(); load(); });

  readUrl();
  syncControls();
  writeUrl(false);
  load();
  loadPlans();
})();
