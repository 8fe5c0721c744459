// The site page's chart: standing biomass (solid) with its 90 % band (shaded, where the
// pens' states carry one), forecast (dashed) and caps (red),
// drawn on a canvas from the numbers the page carries; and the acknowledge buttons.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("site-data").textContent);
  const canvas = document.getElementById("site-chart");
  const day = (text) => Date.parse(text + "T00:00:00Z") / 86400000;

  function series() {
    const lines = [];
    const own = data.biomass;
    lines.push({ points: own.actual.map((p) => [day(p.date), p.biomass_t]), color: "#1f6f9f", dash: [] });
    lines.push({ points: own.forecast.map((p) => [day(p.date), p.biomass_t]), color: "#1f6f9f", dash: [6, 4] });
    for (const group of data.groups) {
      if (group.actual) {
        lines.push({ points: group.actual.map((p) => [day(p.date), p.biomass_t]), color: "#7a5195", dash: [] });
        lines.push({ points: group.forecast.map((p) => [day(p.date), p.biomass_t]), color: "#7a5195", dash: [6, 4] });
      }
    }
    return lines;
  }

  /* The standing biomass's 90 % band: runs of days that have one (none in the anchored
   * weight model, or on a day a pen has none). */
  function bandRuns() {
    const runs = [];
    let run = [];
    for (const p of data.biomass.actual) {
      if (p.biomass_low_t !== null && p.biomass_high_t !== null && p.biomass_low_t !== undefined) {
        run.push([day(p.date), p.biomass_low_t, p.biomass_high_t]);
      } else if (run.length) { runs.push(run); run = []; }
    }
    if (run.length) runs.push(run);
    return runs;
  }

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = width * ratio; canvas.height = height * ratio;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const lines = series().filter((l) => l.points.length);
    const caps = data.groups.filter((g) => g.cap_t !== null).map((g) => g.cap_t);
    const xs = lines.flatMap((l) => l.points.map((p) => p[0]));
    const runs = bandRuns();
    const ys = lines.flatMap((l) => l.points.map((p) => p[1])).concat(caps, runs.flatMap((r) => r.map((p) => p[2])));
    if (!xs.length) { ctx.fillStyle = "#66737f"; ctx.fillText("No daily states yet.", 20, 30); return; }
    const left = 56, right = 12, top = 12, bottom = 28;
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(...ys, 1) * 1.08;
    const X = (x) => left + (x - x0) / Math.max(x1 - x0, 1) * (width - left - right);
    const Y = (y) => top + (1 - y / y1) * (height - top - bottom);
    ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#66737f"; ctx.strokeStyle = "#dde3e8";
    for (let i = 0; i <= 4; i++) {
      const y = y1 * i / 4;
      ctx.beginPath(); ctx.moveTo(left, Y(y)); ctx.lineTo(width - right, Y(y)); ctx.stroke();
      ctx.fillText(Math.round(y) + " t", 4, Y(y) + 4);
    }
    const ticks = Math.max(2, Math.floor((width - left) / 110));
    for (let i = 0; i <= ticks; i++) {
      const x = x0 + (x1 - x0) * i / ticks;
      ctx.fillText(new Date(x * 86400000).toISOString().slice(0, 7), X(x) - 18, height - 8);
    }
    ctx.fillStyle = "rgba(31, 111, 159, 0.18)";
    for (const run of runs) {
      ctx.beginPath();
      run.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[2])) : ctx.moveTo(X(p[0]), Y(p[2]))));
      for (let i = run.length - 1; i >= 0; i--) ctx.lineTo(X(run[i][0]), Y(run[i][1]));
      ctx.closePath(); ctx.fill();
    }
    const banded = runs.reduce((n, r) => n + r.length, 0);
    document.getElementById("site-band-note").hidden = banded === 0;
    canvas.dataset.bandDays = String(banded);
    for (const line of lines) {
      ctx.beginPath(); ctx.setLineDash(line.dash); ctx.strokeStyle = line.color; ctx.lineWidth = 2;
      line.points.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
      ctx.stroke();
    }
    ctx.setLineDash([]); ctx.strokeStyle = "#b3261e"; ctx.lineWidth = 1.5;
    for (const cap of caps) {
      ctx.beginPath(); ctx.moveTo(left, Y(cap)); ctx.lineTo(width - right, Y(cap)); ctx.stroke();
      ctx.fillStyle = "#b3261e"; ctx.fillText("cap " + cap + " t", width - right - 90, Y(cap) - 4);
    }
    canvas.dataset.drawn = String(lines.length);
    canvas.dataset.drawnAtMs = String(Math.round(performance.now()));
  }

  document.querySelectorAll("button.ack").forEach((button) => {
    button.addEventListener("click", async () => {
      const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
      const answer = await fetch(button.dataset.url, { method: "POST", headers: { "X-CSRFToken": token } });
      if (answer.ok) { button.replaceWith(document.createTextNode(" acknowledged")); }
    });
  });
  draw();
  window.addEventListener("resize", draw);
})();
