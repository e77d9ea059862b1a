// Dashboard: draw the incident charts (vendored Chart.js) and refresh counts, figures and charts every 15 s.
(function () {
  "use strict";
  var live = document.getElementById("dashboard-live");
  var dataNode = document.getElementById("incident-numbers");
  var charts = {};
  var OUTCOME_COLOURS = {
    succeeded: "#12b76a", failed: "#f04438", error: "#b42318",
    cancelled: "#98a2b3", rejected: "#f79009", expired: "#667085"
  };

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function minutes(seconds) { return seconds === null ? null : Math.round(seconds / 6) / 10; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    var total = Math.round(seconds);
    var d = Math.floor(total / 86400), h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60), s = total % 60;
    if (d) { return d + " d " + h + " h"; }
    if (h) { return h + " h " + m + " min"; }
    if (m) { return m + " min " + s + " s"; }
    return s + " s";
  }

  function percent(value) { return value === null || value === undefined ? "—" : value + " %"; }

  function configs(n) {
    return {
      "chart-volume": {
        type: "bar",
        data: { labels: n.alert_volume.labels, datasets: [{ label: "Alerts", data: n.alert_volume.received, backgroundColor: css("--accent", "#2457d6") }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      },
      "chart-outcomes": {
        type: "bar",
        data: {
          labels: n.executions_by_outcome.labels,
          datasets: Object.keys(n.executions_by_outcome.series).map(function (status) {
            return { label: status, data: n.executions_by_outcome.series[status], backgroundColor: OUTCOME_COLOURS[status] || "#667085" };
          })
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
      },
      "chart-rules": {
        type: "bar",
        data: {
          labels: n.by_rule.map(function (r) { return r.rule; }),
          datasets: [
            { label: "MTTA (min)", data: n.by_rule.map(function (r) { return minutes(r.mtta_seconds); }), backgroundColor: "#f79009" },
            { label: "MTTR (min)", data: n.by_rule.map(function (r) { return minutes(r.mttr_seconds); }), backgroundColor: "#7a5af8" }
          ]
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } }
      },
      "chart-instances": {
        type: "bar",
        data: {
          labels: n.top_instances.map(function (r) { return r.instance; }),
          datasets: [{ label: "Alerts", data: n.top_instances.map(function (r) { return r.alerts; }), backgroundColor: css("--accent", "#2457d6") }]
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      }
    };
  }

  function draw(n) {
    if (!window.Chart || !n) { return; }
    Chart.defaults.color = css("--muted", "#667085");
    Chart.defaults.borderColor = css("--line", "#e3e6eb");
    var wanted = configs(n);
    Object.keys(wanted).forEach(function (id) {
      var canvas = document.getElementById(id);
      if (!canvas) { return; }
      var config = wanted[id];
      config.options.responsive = true;
      config.options.maintainAspectRatio = false;
      config.options.animation = false;
      if (charts[id]) {
        charts[id].data = config.data;
        charts[id].update();
      } else {
        charts[id] = new Chart(canvas, config);
      }
    });
  }

  function setText(selector, text) {
    var node = document.querySelector(selector);
    if (node) { node.textContent = text; }
  }

  function refresh() {
    fetch(live.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        data.counts.forEach(function (c) {
          document.querySelectorAll("[data-count]").forEach(function (node) {
            if (node.dataset.count === c.label) { node.textContent = c.value; }
          });
        });
        var n = data.sections && data.sections.incidents;
        if (!n) { return; }
        setText("[data-figure=mtta]", duration(n.mtta_seconds));
        setText("[data-figure=mttr]", duration(n.mttr_seconds));
        setText("[data-figure=approval]", duration(n.approval_wait.mean_seconds));
        setText("[data-figure=success]", percent(n.success.percent));
        draw(n);
      })
      .catch(function () { /* the next tick tries again */ });
  }

  draw(dataNode ? JSON.parse(dataNode.textContent) : null);
  if (live) { setInterval(refresh, 15000); }
})();
