/* 紙の使用量: the charts are drawn from the page's own table (#paper-table), so what the chart
   shows is what the table (the accessible, printable form) says. Chart.js 4 (vendored, UMD). */
(function () {
  "use strict";
  var table = document.getElementById("paper-table");
  if (!table || !window.Chart) { return; }

  function num(cell) {
    var v = cell.getAttribute("data-pages");
    return v === null || v === "" ? null : Number(v);
  }
  function rowPages(row) {
    return Array.prototype.map.call(row.querySelectorAll("td[data-pages]"), num);
  }
  var months = Array.prototype.map.call(table.querySelectorAll("thead th[data-month]"),
    function (th) { return th.textContent.trim(); });
  var total = rowPages(table.querySelector("tr[data-total]"));
  var baseline = rowPages(table.querySelector("tr[data-baseline]"));
  var label = table.getAttribute("data-label");
  var baselineLabel = table.getAttribute("data-baseline-label");
  var fmt = function (v) { return v === null ? "—" : v.toLocaleString("ja-JP") + " 枚"; };
  var tooltip = { callbacks: { label: function (c) { return c.dataset.label + ": " + fmt(c.raw); } } };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;  // print and screenshots show the finished chart
  new Chart(document.getElementById("chart-months"), {
    type: "bar",
    data: {
      labels: months,
      datasets: [
        { type: "bar", label: label, data: total, backgroundColor: "#2f6fbd" },
        { type: "line", label: baselineLabel, data: baseline, borderColor: "#d9822b",
          backgroundColor: "#d9822b", spanGaps: false, tension: 0 }
      ]
    },
    options: { responsive: true, maintainAspectRatio: false,
      plugins: { tooltip: tooltip, legend: { position: "bottom" } },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v.toLocaleString("ja-JP"); } } } } }
  });

  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-section]"));
  var value = function (row, name) { var v = row.getAttribute(name); return v === "" ? null : Number(v); };
  new Chart(document.getElementById("chart-sections"), {
    type: "bar",
    data: {
      labels: rows.map(function (r) { return r.getAttribute("data-section"); }),
      datasets: [
        { label: label, data: rows.map(function (r) { return value(r, "data-compared"); }),
          backgroundColor: "#2f6fbd" },
        { label: baselineLabel + "（同じ月）",
          data: rows.map(function (r) { return value(r, "data-compared-baseline"); }),
          backgroundColor: "#f0b27a" }
      ]
    },
    options: { indexAxis: "y", responsive: true, maintainAspectRatio: false,
      plugins: { tooltip: tooltip, legend: { position: "bottom" } },
      scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v.toLocaleString("ja-JP"); } } } } }
  });
})();
