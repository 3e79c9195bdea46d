/* Souk El-Syarat dashboards: draws every <figure data-chart> from its /analytics JSON.
 *
 * Each figure names a chart kind and the URL of its data; the JSON is fetched once per URL
 * with the page's cookie. A chart without data points shows the figure's empty state
 * instead; a failed request shows an error. The figure's data-state ends as "ready",
 * "empty" or "error", and window.soukCharts keeps the Chart.js instances by kind.
 */
(function () {
  "use strict";

  var COLORS = {
    brand: "#0f4c5c", teal: "#1b7f8c", amber: "#e09f3e", green: "#17804a",
    red: "#c0392b", violet: "#6d5bd0", grey: "#9aa4b2", sky: "#3d8fd1",
  };
  var SERIES = [COLORS.teal, COLORS.amber, COLORS.violet, COLORS.red, COLORS.green, COLORS.sky];
  var egp = new Intl.NumberFormat("en-EG", { style: "currency", currency: "EGP", maximumFractionDigits: 0 });
  var compactEgp = new Intl.NumberFormat("en-EG", { style: "currency", currency: "EGP", notation: "compact", maximumFractionDigits: 1 });
  var count = new Intl.NumberFormat("en-EG", { maximumFractionDigits: 1 });
  var percent = new Intl.NumberFormat("en-EG", { style: "percent", maximumFractionDigits: 1 });
  var charts = {};
  window.soukCharts = charts;

  function periodLabel(iso, granularity) {
    var day = new Date(iso + "T00:00:00Z");
    if (granularity === "month") {
      return day.toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
    }
    var text = day.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
    return granularity === "week" ? "Wk " + text : text;
  }

  function anyPositive(rows, keys) {
    return rows.some(function (row) {
      return keys.some(function (key) { return Number(row[key]) > 0; });
    });
  }

  function line(label, values, color, axis, dashed) {
    return {
      label: label, data: values, borderColor: color, backgroundColor: color + "33",
      yAxisID: axis || "y", cubicInterpolationMode: "monotone", pointRadius: 3, pointHoverRadius: 5,
      borderWidth: 2, borderDash: dashed ? [6, 4] : [], fill: false,
    };
  }

  function axes(left, right) {
    var scales = {
      x: { grid: { display: false } },
      y: { beginAtZero: true, title: { display: !!left, text: left }, ticks: { precision: 0 } },
    };
    if (right) {
      scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
                    title: { display: true, text: right }, ticks: { precision: 0 } };
    }
    return scales;
  }

  function seriesChart(points, granularity, datasets, left, right) {
    return {
      type: "line",
      data: { labels: points.map(function (p) { return periodLabel(p.period, granularity); }), datasets: datasets },
      options: { scales: axes(left, right), interaction: { mode: "index", intersect: false } },
    };
  }

  function funnelChart(stages) {
    if (!stages.length || !stages.some(function (s) { return s.count > 0; })) { return null; }
    return {
      type: "bar",
      data: {
        labels: stages.map(function (s) {
          var rate = s.conversion_from_previous == null ? "" : " (" + percent.format(s.conversion_from_previous) + ")";
          return s.label + rate;
        }),
        datasets: [{ label: "Count", data: stages.map(function (s) { return s.count; }),
                     backgroundColor: [COLORS.brand, COLORS.teal, COLORS.amber, COLORS.green],
                     borderRadius: 6 }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } } },
    };
  }

  function supplyDemand(rows) {
    if (!anyPositive(rows, ["active_listings", "views"])) { return null; }
    return {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [
          { label: "Avg. active listings", data: rows.map(function (r) { return r.active_listings; }),
            backgroundColor: COLORS.teal, yAxisID: "y", borderRadius: 4 },
          { label: "Listing views", data: rows.map(function (r) { return r.views; }),
            backgroundColor: COLORS.amber, yAxisID: "y1", borderRadius: 4 },
        ],
      },
      options: {
        scales: axes("Listings", "Views"),
        plugins: { tooltip: { callbacks: { afterTitle: function (items) {
          var row = rows[items[0].dataIndex];
          return row.label_ar ? row.label_ar : "";
        } } } },
      },
    };
  }

  var BUILDERS = {
    "seller-timeseries": function (data) {
      var p = data.points;
      if (!anyPositive(p, ["impressions", "listing_views", "leads", "orders"])) { return null; }
      var pick = function (key) { return p.map(function (x) { return x[key]; }); };
      return seriesChart(p, data.period.granularity, [
        line("Listing views", pick("listing_views"), COLORS.teal),
        line("Leads", pick("leads"), COLORS.amber),
        line("Orders", pick("orders"), COLORS.green),
        line("Search impressions", pick("impressions"), COLORS.grey, "y1", true),
      ], "Views, leads, orders", "Impressions");
    },
    "seller-funnel": function (data) { return funnelChart(data.stages); },
    "market-activity": function (data) {
      var p = data.series;
      if (!anyPositive(p, ["searches", "listing_views", "leads", "orders"])) { return null; }
      var pick = function (key) { return p.map(function (x) { return x[key]; }); };
      return seriesChart(p, data.period.granularity, [
        line("Searches", pick("searches"), COLORS.brand),
        line("Listing views", pick("listing_views"), COLORS.teal),
        line("Leads", pick("leads"), COLORS.amber, "y1"),
        line("Orders", pick("orders"), COLORS.green, "y1"),
      ], "Searches, views", "Leads, orders");
    },
    "market-funnel": function (data) { return funnelChart(data.funnel); },
    "market-makes": function (data) { return supplyDemand(data.makes); },
    "market-governorates": function (data) { return supplyDemand(data.governorates.slice(0, 12)); },
    "market-prices": function (data) {
      var segments = data.segments.filter(function (s) { return s.points.length > 0; });
      if (!segments.length) { return null; }
      var periods = [];
      segments.forEach(function (s) { s.points.forEach(function (pt) {
        if (periods.indexOf(pt.period) < 0) { periods.push(pt.period); }
      }); });
      periods.sort();
      var datasets = segments.map(function (s, i) {
        var byPeriod = {};
        s.points.forEach(function (pt) { byPeriod[pt.period] = pt.median_price_egp; });
        var ds = line(s.label, periods.map(function (d) { return byPeriod[d] == null ? null : byPeriod[d]; }),
                      SERIES[i % SERIES.length]);
        ds.spanGaps = true;
        return ds;
      });
      var config = seriesChart(periods.map(function (d) { return { period: d }; }), data.period.granularity, datasets);
      config.options.scales.y = { title: { display: true, text: "Median asking price" },
                                  ticks: { callback: function (v) { return compactEgp.format(v); } } };
      config.options.plugins = { tooltip: { callbacks: { label: function (item) {
        return item.dataset.label + ": " + egp.format(item.parsed.y);
      } } } };
      return config;
    },
  };

  var requests = {};
  function load(url) {
    if (!requests[url]) {
      requests[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(url + " answered " + response.status); }
          return response.json();
        });
    }
    return requests[url];
  }

  function show(figure, state) {
    figure.dataset.state = state;
    figure.querySelector(".empty-state").hidden = state !== "empty";
    figure.querySelector(".chart-error").hidden = state !== "error";
  }

  function draw(figure) {
    var kind = figure.dataset.chart;
    load(figure.dataset.source).then(function (data) {
      var config = BUILDERS[kind](data);
      if (!config) { show(figure, "empty"); return; }
      config.options = config.options || {};
      config.options.maintainAspectRatio = false;
      config.options.responsive = true;
      charts[kind] = new window.Chart(figure.querySelector("canvas"), config);
      show(figure, "ready");
    }).catch(function (error) {
      show(figure, "error");
      if (window.console) { window.console.error(error); }
    });
  }

  function start() {
    if (!window.Chart) {
      document.querySelectorAll("[data-chart]").forEach(function (f) { show(f, "error"); });
      return;
    }
    var Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = "#5b6677";
    Chart.defaults.plugins.legend.labels.usePointStyle = true;
    Chart.defaults.plugins.legend.position = "bottom";
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      Chart.defaults.animation = false;
    }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
