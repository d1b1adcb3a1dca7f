// TradePilot dashboard: draws the charts from JSON embedded in the page and shows
// upload progress. No inline scripts: the Content-Security-Policy forbids them.
"use strict";

function readData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  // Geo maps load their topojson from here, never from a CDN.
  topojsonURL: "/static/vendor/",
  modeBarButtonsToRemove: ["lasso2d", "select2d"],
};

function drawMonthChart() {
  const data = readData("data-month");
  const node = document.getElementById("chart-month");
  if (!data || !node || !window.Plotly) return;
  const traces = [
    { type: "bar", name: "Net revenue", x: data.x, y: data.revenue, marker: { color: "#2563eb" } },
    { type: "bar", name: "Returns", x: data.x, y: data.returns, marker: { color: "#f59e0b" } },
  ];
  const layout = {
    barmode: "group",
    margin: { t: 10, r: 10, b: 40, l: 60 },
    xaxis: { type: "category" },
    yaxis: { title: { text: data.currency }, tickformat: ",.0f" },
    legend: { orientation: "h", y: -0.2 },
    height: 320,
  };
  window.Plotly.newPlot(node, traces, layout, PLOT_CONFIG);
}

function drawChoropleth(node, data, colors, suffix) {
  const trace = {
    type: "choropleth",
    locationmode: "ISO-3",
    locations: data.locations,
    z: data.z,
    text: data.text,
    colorscale: colors,
    hovertemplate: "%{text}<br>%{z:,.0f} " + suffix + "<extra></extra>",
    // Kept inside the plot area, below the toolbar: a full-height bar ran past
    // the chart onto whatever follows it.
    colorbar: { title: { text: suffix, side: "right" }, thickness: 10, len: 0.8, y: 0.45, yanchor: "middle" },
  };
  const layout = {
    geo: {
      projection: { type: "natural earth" },
      showframe: false,
      showcoastlines: false,
      showland: true,
      landcolor: "#eef1f5",
      showcountries: true,
      countrycolor: "#d0d7de",
    },
    margin: { t: 0, r: 0, b: 0, l: 0 },
    height: 340,
  };
  window.Plotly.newPlot(node, [trace], layout, PLOT_CONFIG);
}

function drawCountryMap() {
  const data = readData("data-map");
  const node = document.getElementById("chart-map");
  if (!data || !node || !window.Plotly) return;
  drawChoropleth(node, data, [[0, "#bfdbfe"], [1, "#1d4ed8"]], data.currency);
}

// Margins & Markets page: score maps and margin waterfalls, also after htmx swaps.
// Their data sits in a data-chart attribute: htmx drops script tags it swaps in.
function drawScoreMaps() {
  if (!window.Plotly) return;
  document.querySelectorAll(".score-map[data-chart]").forEach((target) => {
    const colors = [[0, "#fee2e2"], [0.5, "#fef9c3"], [1, "#15803d"]];
    drawChoropleth(target, JSON.parse(target.dataset.chart), colors, "points");
  });
}

function drawWaterfalls() {
  if (!window.Plotly) return;
  document.querySelectorAll(".waterfall[data-chart]").forEach((target) => {
    const data = JSON.parse(target.dataset.chart);
    const trace = {
      type: "waterfall", x: data.x, y: data.y, measure: data.measure,
      decreasing: { marker: { color: "#dc2626" } },
      increasing: { marker: { color: "#2563eb" } },
      totals: { marker: { color: "#15803d" } },
      // the currency's minor unit, as the tables write it (domain/numbers.py)
      hovertemplate: "%{x}: %{y:,." + (data.decimals ?? 2) + "f} " + data.currency + "<extra></extra>",
    };
    const layout = { margin: { t: 10, r: 10, b: 60, l: 60 }, height: 300, yaxis: { title: { text: data.currency } } };
    window.Plotly.newPlot(target, [trace], layout, PLOT_CONFIG);
  });
}

// While an htmx request runs, its target says so to assistive technology.
function markBusyTargets() {
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });
}

// Customers page: segments as bubbles (share of customers across, share of margin
// up, area by customers), also after the segments are refreshed (htmx).
function drawSegmentBubbles() {
  if (!window.Plotly) return;
  // only charts not drawn yet: other swaps on the page must not redraw this one
  document.querySelectorAll(".segment-bubbles[data-chart]:not(.js-plotly-plot)").forEach((target) => {
    const data = JSON.parse(target.dataset.chart);
    const largest = Math.max(...data.size, 1);
    const trace = {
      type: "scatter", mode: "markers+text", x: data.x, y: data.y, text: data.text,
      textposition: "top center", hovertext: data.hover, hoverinfo: "text", cliponaxis: false,
      marker: { size: data.size, sizemode: "area", sizeref: (2 * largest) / 60 ** 2, sizemin: 6,
                color: "rgba(37,99,235,0.45)", line: { color: "#1d4ed8", width: 1 } },
    };
    const layout = {
      margin: { t: 20, r: 20, b: 50, l: 60 }, height: 360, showlegend: false,
      xaxis: { title: { text: "share of customers (%)" }, rangemode: "tozero" },
      yaxis: { title: { text: "share of margin (%)" }, rangemode: "tozero" },
    };
    // no toolbar: nothing to zoom on six bubbles (and it keeps the page's button
    // styles off the chart when htmx redraws it)
    window.Plotly.newPlot(target, [trace], layout, { ...PLOT_CONFIG, displayModeBar: false });
  });
}

function watchUploads() {
  document.body.addEventListener("htmx:xhr:progress", (event) => {
    const bar = document.getElementById("upload-progress");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  document.body.addEventListener("htmx:afterRequest", () => {
    const bar = document.getElementById("upload-progress");
    if (bar) bar.hidden = true;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  drawMonthChart();
  drawCountryMap();
  drawScoreMaps();
  drawSegmentBubbles();
  watchUploads();
  markBusyTargets();
  // After settling, not after swapping: while settling, htmx puts back the
  // attributes the new content came with, which would strip the classes Plotly
  // sets on a chart drawn earlier (its toolbar and layout styles hang on them).
  document.body.addEventListener("htmx:afterSettle", () => {
    drawScoreMaps();
    drawWaterfalls();
  });
  // after settling: htmx keeps the old attributes (a drawn chart's class) on
  // swapped-in elements with the same id until then
  document.body.addEventListener("htmx:afterSettle", drawSegmentBubbles);
});

// Forecasts page: history, forecast and interval bands (95% outer, 80% inner).
function drawFans() {
  if (!window.Plotly) return;
  document.querySelectorAll("script.fan-data").forEach((node) => {
    const data = JSON.parse(node.textContent);
    const target = document.getElementById(node.dataset.target);
    if (!target) return;
    const f = data.forecast;
    const traces = [];
    [["95", "rgba(37,99,235,0.12)"], ["80", "rgba(37,99,235,0.25)"]].forEach(([level, color]) => {
      const band = f.intervals[level];
      if (!band) return;
      traces.push({ x: f.ds, y: band.lo, mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
      traces.push({ x: f.ds, y: band.hi, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: color, name: level + "% interval" });
    });
    if (data.history.demand) {
      traces.push({ x: data.history.ds, y: data.history.demand, mode: "lines", name: "Demand (stockouts corrected)", line: { color: "#d97706", dash: "dot" } });
    }
    traces.push({ x: data.history.ds, y: data.history.y, mode: "lines+markers", name: "Units sold", line: { color: "#1f2933" }, marker: { size: 4 } });
    traces.push({ x: f.ds, y: f.y, mode: "lines+markers", name: "Forecast", line: { color: "#2563eb" }, marker: { size: 4 } });
    const layout = { margin: { t: 10, r: 10, b: 40, l: 50 }, height: 280, legend: { orientation: "h", y: -0.25 }, yaxis: { rangemode: "tozero" } };
    window.Plotly.newPlot(target, traces, layout, PLOT_CONFIG);
  });
}
document.addEventListener("DOMContentLoaded", drawFans);

// Reviews page: reviews per month (bars) and the share that is negative (line).
function drawReviewTrend() {
  if (!window.Plotly) return;
  document.querySelectorAll(".review-trend[data-chart]:not(.js-plotly-plot)").forEach((target) => {
    const data = JSON.parse(target.dataset.chart);
    const traces = [
      { type: "bar", name: "Reviews", x: data.x, y: data.reviews, marker: { color: "#93c5fd" } },
      { type: "scatter", mode: "lines+markers", name: "Negative %", x: data.x, y: data.negative, yaxis: "y2", line: { color: "#dc2626" } },
    ];
    const layout = {
      margin: { t: 10, r: 50, b: 40, l: 50 }, height: 260, xaxis: { type: "category" },
      yaxis: { title: { text: "reviews" } },
      yaxis2: { title: { text: "negative %" }, overlaying: "y", side: "right", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.25 },
    };
    window.Plotly.newPlot(target, traces, layout, PLOT_CONFIG);
  });
}
document.addEventListener("DOMContentLoaded", drawReviewTrend);

// Money page, ledger section: P&L bars by month and by country (htmx fragment).
function drawLedgerCharts() {
  if (!window.Plotly) return;
  document.querySelectorAll(".ledger-pnl[data-chart]:not(.js-plotly-plot)").forEach((target) => {
    const data = JSON.parse(target.dataset.chart);
    const traces = [
      { type: "bar", name: "Net revenue", x: data.x, y: data.revenue, marker: { color: "#2563eb" } },
      { type: "bar", name: "COGS", x: data.x, y: data.cogs, marker: { color: "#f59e0b" } },
      { type: "bar", name: "Gross margin", x: data.x, y: data.margin, marker: { color: "#15803d" } },
    ];
    const layout = {
      barmode: "group", height: 300, margin: { t: 10, r: 10, b: 50, l: 60 },
      xaxis: { type: "category" }, yaxis: { title: { text: data.currency }, tickformat: ",.0f" },
      legend: { orientation: "h", y: -0.25 },
    };
    window.Plotly.newPlot(target, traces, layout, PLOT_CONFIG);
  });
}
document.addEventListener("DOMContentLoaded", () => {
  drawLedgerCharts();
  document.body.addEventListener("htmx:afterSettle", drawLedgerCharts);
});
