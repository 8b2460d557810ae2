// hostward dashboard charts: uPlot charts built from /api/v1 series documents, zoom and cursor synchronised
// across every chart of a page, a table view of what is shown, and live points over Server-Sent Events.
// Strict CSP: no eval, no inline script or style; every text from the host goes in with textContent.
"use strict";
(function () {
  const SYNC_KEY = "hostward";
  const charts = []; // {plot, activity, item, columns, times, values}
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"];
  // Event lines use colours outside the palette, so they never read as data.
  const MARK_COLOURS = { restart: "#b000b0", comment: "#00a0a0", other: "#c08000" };
  let zooming = false;
  let expected = 0;
  let drawn = 0;
  let liveCount = 0;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmtTime(t) {
    const d = new Date(t * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  // Zoom one chart: every other chart of the page follows (cursor sync is uPlot's own sync key).
  function syncScale(u, key) {
    if (key !== "x" || zooming) return;
    zooming = true;
    const min = u.scales.x.min, max = u.scales.x.max;
    for (const c of charts) {
      if (c.plot !== u && (c.plot.scales.x.min !== min || c.plot.scales.x.max !== max)) {
        c.plot.setScale("x", { min: min, max: max });
      }
    }
    zooming = false;
    document.body.dataset.zoomMin = String(Math.round(min));
    document.body.dataset.zoomMax = String(Math.round(max));
    refreshTable();
  }

  // Vertical lines for restarts, comments, clock steps, OOM kills, guard actions.
  function marksPlugin(marks) {
    return {
      hooks: {
        draw: [function (u) {
          const ctx = u.ctx;
          ctx.save();
          for (const m of marks) {
            if (m.time < u.scales.x.min || m.time > u.scales.x.max) continue;
            const x = Math.round(u.valToPos(m.time, "x", true));
            ctx.strokeStyle = MARK_COLOURS[m.kind] || MARK_COLOURS.other;
            ctx.setLineDash([4, 4]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  }

  function chartWidth(box) {
    return Math.max(320, Math.min(box.clientWidth || 900, 1400) - 10);
  }

  function makeChart(box, doc, series, cols, unit, marks) {
    const wrap = el("figure", "chart");
    const title = (series.item !== null ? (doc.item_header || "item") + " " + series.item + " — " : "") +
      doc.activity + " (" + unit + ")";
    wrap.appendChild(el("figcaption", "", title));
    const area = el("div", "plot");
    wrap.appendChild(area);
    box.appendChild(wrap);
    const uSeries = [{ value: (u, v) => v === null ? "" : fmtTime(v) }];
    const data = [series.times.slice()];
    cols.forEach((c, i) => {
      uSeries.push({
        label: c.header, stroke: PALETTE[i % PALETTE.length], width: 1,
        value: (u, v) => v === null || v === undefined ? "–" : v.toFixed(c.decimals),
      });
      data.push(series.values[c.index].slice());
    });
    const opts = {
      width: chartWidth(box), height: 220,
      cursor: { sync: { key: SYNC_KEY, setSeries: false }, drag: { x: true, y: false } },
      scales: { x: { time: true } },
      series: uSeries,
      axes: [{}, { size: 60 }],
      plugins: [marksPlugin(marks)],
      hooks: {
        setScale: [syncScale],
        ready: [function () { drawn += 1; document.body.dataset.chartsDrawn = String(drawn); }],
      },
    };
    // A chart whose columns hold no value in the range (e.g. %ifutil of a link whose speed is unknown)
    // says so rather than look like an idle line.
    const empty = data.slice(1).every((values) => values.every((v) => v === null || v === undefined));
    if (empty) {
      area.dataset.empty = "1";
      wrap.appendChild(el("p", "muted", "No values in this range."));
    }
    const plot = new uPlot(opts, data, area);
    area.dataset.chart = "1";
    charts.push({ plot: plot, activity: doc.activity, item: series.item, columns: cols, doc: doc });
  }

  // One chart per (item, unit): a per-CPU page draws each CPU, a disk page each unit for each device.
  function buildGroup(box, doc) {
    const wanted = (box.dataset.columns || "").split(",").filter((s) => s);
    const cols = doc.columns.map((c, i) => Object.assign({ index: i }, c))
      .filter((c) => !wanted.length || wanted.includes(c.name));
    const units = [];
    for (const c of cols) if (!units.includes(c.unit)) units.push(c.unit);
    const marks = doc.marks || [];
    const choices = box.dataset.itemsTarget && document.getElementById(box.dataset.itemsTarget);
    if (choices) {
      for (const name of ["ALL", ...(doc.items || [])]) {
        const opt = document.createElement("option");
        opt.value = name;
        choices.appendChild(opt);
      }
    }
    if (!doc.series.length) {
      box.appendChild(el("p", "empty", "No data in this range."));
    }
    for (const s of doc.series) {
      for (const unit of units) {
        expected += 1;
        makeChart(box, doc, s, cols.filter((c) => c.unit === unit), unit, marks);
      }
    }
  }

  // The table shows the rows inside the current zoom of the first chart (what is on screen).
  function refreshTable() {
    const holder = document.getElementById("table-view");
    if (!holder || holder.hidden || !charts.length) return;
    const first = charts[0].plot;
    const min = first.scales.x.min, max = first.scales.x.max;
    while (holder.firstChild) holder.removeChild(holder.firstChild);
    for (const c of charts) {
      const table = el("table", "data");
      const cap = el("caption", "", (c.item !== null ? c.item + " — " : "") + c.doc.activity);
      table.appendChild(cap);
      const head = el("tr");
      head.appendChild(el("th", "", "time"));
      for (const col of c.columns) head.appendChild(el("th", "", col.header));
      table.appendChild(head);
      const d = c.plot.data;
      let rows = 0;
      for (let k = 0; k < d[0].length && rows < 5000; k++) {
        if (d[0][k] < min || d[0][k] > max || d[1][k] === null) continue;
        const tr = el("tr");
        tr.appendChild(el("td", "", fmtTime(d[0][k])));
        c.columns.forEach((col, i) => {
          const v = d[i + 1][k];
          tr.appendChild(el("td", "num", v === null || v === undefined ? "" : v.toFixed(col.decimals)));
        });
        table.appendChild(tr);
        rows += 1;
      }
      holder.appendChild(table);
    }
  }

  function live(url) {
    const every = Number(new URL(url, window.location.href).searchParams.get("every")) || 10;
    const source = new EventSource(url);
    source.addEventListener("sample", function (ev) {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      for (const c of charts) {
        const rows = msg.activities[c.activity];
        if (!rows) continue;
        const row = rows[c.item === null ? "" : c.item];
        if (!row) continue;
        const d = c.plot.data.map((a) => Array.from(a));
        const last = d[0].length ? d[0][d[0].length - 1] : null;
        const following = last === null || c.plot.scales.x.max >= last;
        if (last !== null && msg.time - last > 3 * every) {
          // The recorder's last sample is older than a few live intervals: break the line, as a gap.
          d[0].push(last + every);
          for (let i = 1; i < d.length; i++) d[i].push(null);
        }
        d[0].push(msg.time);
        c.columns.forEach((col, i) => { d[i + 1].push(row[col.name] === undefined ? null : row[col.name]); });
        c.plot.setData(d, false);
        if (following) c.plot.setScale("x", { min: c.plot.scales.x.min, max: msg.time });
      }
      liveCount += 1;
      document.body.dataset.liveUpdates = String(liveCount);
      const stamp = document.getElementById("live-time");
      if (stamp) stamp.textContent = fmtTime(msg.time);
    });
  }

  async function start() {
    const groups = Array.from(document.querySelectorAll("[data-series-src]"));
    for (const box of groups) {
      try {
        const resp = await fetch(box.dataset.seriesSrc, { credentials: "same-origin" });
        if (!resp.ok) {
          box.appendChild(el("p", "error", "Could not load data: HTTP " + resp.status));
          continue;
        }
        buildGroup(box, await resp.json());
      } catch (e) {
        box.appendChild(el("p", "error", "Could not load data."));
      }
    }
    document.body.dataset.chartsExpected = String(expected);
    const toggle = document.getElementById("table-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        const holder = document.getElementById("table-view");
        holder.hidden = !holder.hidden;
        toggle.textContent = holder.hidden ? "Show table" : "Hide table";
        refreshTable();
      });
    }
    const reset = document.getElementById("zoom-reset");
    if (reset && charts.length) {
      reset.addEventListener("click", function () {
        const d = charts[0].plot.data[0];
        if (d.length) charts[0].plot.setScale("x", { min: d[0], max: d[d.length - 1] });
      });
    }
    const dash = document.getElementById("dash");
    if (dash && dash.dataset.liveSrc) live(dash.dataset.liveSrc);
    window.addEventListener("resize", function () {
      for (const c of charts) c.plot.setSize({ width: chartWidth(c.plot.root.parentNode.parentNode), height: 220 });
    });
  }

  // Test and bench hook (no eval needed): zoom the first chart to a range.
  window.hostwardZoom = function (min, max) {
    if (charts.length) charts[0].plot.setScale("x", { min: min, max: max });
  };
  window.hostwardCharts = charts;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
