/* Trend charts of the KPI dashboard, drawn from the numbers of each chart's own table (the table
   is the accessible and printable form; nothing else is fetched). Chart.js 4 (vendored, UMD). */
(function () {
  "use strict";
  var COLOURS = { achieved: "#2e7d43", not_achieved: "#d97706", no_data: "#9aa3ad" };
  var TARGET = "#0b57d0";

  function number(cell) {
    var raw = cell ? cell.getAttribute("data-value") : "";
    if (raw === null || raw === "" || raw === "None") return null;
    var value = parseFloat(raw);
    return isFinite(value) ? value : null;
  }

  function draw(figure) {
    var table = figure.querySelector("table.dx-trend-table");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || !window.Chart) return;
    var unit = table.getAttribute("data-unit") || "";
    var labels = [], targets = [], actuals = [], colours = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var cells = row.querySelectorAll("td");
      labels.push(row.getAttribute("data-fy") + "年度");
      targets.push(number(cells[0]));
      actuals.push(number(cells[1]));
      colours.push(COLOURS[row.getAttribute("data-status")] || COLOURS.no_data);
    });
    var chart = new window.Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "実績", data: actuals, backgroundColor: colours, order: 2 },
          { type: "line", label: "目標値", data: targets, borderColor: TARGET, backgroundColor: TARGET,
            borderDash: [6, 4], pointRadius: 4, pointStyle: "circle", spanGaps: false, order: 1 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14, usePointStyle: true } },
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.label + ": " + (c.parsed.y === null ? "—" : c.parsed.y.toLocaleString("ja-JP") + unit);
          } } }
        },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v.toLocaleString("ja-JP"); } } } }
      }
    });
    figure.setAttribute("data-chart", "drawn");
    figure._chart = chart;
  }

  document.querySelectorAll("figure.dx-trend").forEach(draw);
  var invalid = document.querySelector(".dx-form [aria-invalid='true']");
  if (invalid) invalid.focus();
})();
