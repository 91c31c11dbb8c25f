/* Dashboards: draws the charts with the portal's own copy of Apache ECharts and makes the period
 * picker show only the fields of the chosen kind. Every chart's figures are also in the table
 * beside it, so the page is complete without JavaScript: charts start hidden and appear here.
 *
 * A chart is <div data-chart="ID" hidden> next to <script type="application/json" id="ID">
 * (Django's json_script) holding {kind: bar|hbar|stack|line, categories, labels?, series:
 * [{name, data}], unit?}.
 */
(function () {
  "use strict";

  var PALETTE = ["#b3161c", "#e3a72f", "#7a8793", "#2f6f9f", "#4f8a3c", "#8e5ea2", "#c4682c"];

  function optionFor(spec) {
    var unit = spec.unit || "";
    var horizontal = spec.kind === "hbar";
    var valueAxis = {
      type: "value",
      minInterval: 1,
      axisLabel: { formatter: unit ? "{value}" + unit : "{value}" },
    };
    if (unit === "%") {
      valueAxis.max = 100;
    }
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, hideOverlap: true },
    };
    if (horizontal) {
      categoryAxis.inverse = true;
      categoryAxis.axisLabel.width = 96;
      categoryAxis.axisLabel.overflow = "truncate";
    }
    var series = spec.series.map(function (s) {
      var item = {
        name: s.name,
        type: spec.kind === "line" ? "line" : "bar",
        data: s.data,
        connectNulls: false,
      };
      if (spec.kind === "stack") {
        item.stack = "all";
      }
      if (spec.kind === "line") {
        item.symbolSize = 7;
        item.label = { show: true, formatter: unit ? "{c}" + unit : "{c}", fontSize: 11 };
      }
      if (horizontal) {
        item.label = { show: true, position: "right", formatter: unit ? "{c}" + unit : "{c}" };
      }
      return item;
    });
    var labels = spec.labels || null;
    return {
      color: PALETTE,
      animation: false,
      textStyle: {
        fontFamily:
          'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
      },
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        axisPointer: { type: "shadow" },
        valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : v + unit;
        },
      },
      legend: series.length > 1 ? { type: "scroll", top: 0 } : { show: false },
      grid: {
        left: 8,
        right: horizontal ? 48 : 16,
        bottom: 8,
        top: series.length > 1 ? 36 : 16,
        containLabel: true,
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series,
      // Measure codes on the axis, full titles in the tooltip.
      _labels: labels,
    };
  }

  function drawCharts() {
    if (typeof window.echarts === "undefined") {
      return [];
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      el.hidden = false;
      if (spec.kind === "hbar") {
        el.style.height = Math.max(160, 40 + spec.categories.length * 32) + "px";
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
      var option = optionFor(spec);
      if (option._labels) {
        var labels = option._labels;
        option.tooltip.formatter = function (params) {
          var title = labels[params[0].dataIndex] || params[0].name;
          return [params[0].name + " " + title]
            .concat(
              params.map(function (p) {
                return p.marker + p.seriesName + "：" + (p.value === null ? "—" : p.value);
              })
            )
            .join("\n");
        };
      }
      delete option._labels;
      chart.setOption(option);
      charts.push(chart);
    });
    return charts;
  }

  function setUpPeriodPicker() {
    document.querySelectorAll("[data-period-picker]").forEach(function (form) {
      var kind = form.querySelector('select[name="period"]');
      var help = form.querySelector("[data-period-help]");
      function update() {
        var custom = kind.value === "custom";
        form.querySelectorAll("[data-period-for]").forEach(function (field) {
          var forCustom = field.getAttribute("data-period-for") === "custom";
          field.hidden = forCustom !== custom;
        });
        if (help) {
          help.hidden = true;
        }
      }
      kind.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPeriodPicker();
    var charts = drawCharts();
    var resize = function () {
      charts.forEach(function (c) {
        c.resize();
      });
    };
    window.addEventListener("resize", resize);
    // Printed pages are narrower than most screens: draw the charts at the paper's width.
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (c) {
        c.resize({ width: 680 });
      });
    });
    window.addEventListener("afterprint", resize);
  });
})();
