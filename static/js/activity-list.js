// Activity list: the From/To dates count only when no preset period is chosen, so they are
// hidden while one is. Without JS both stay visible and the server applies the same rule.
// On a wide screen the filters are shown open: there is room for them beside the rows' width.
(function () {
  "use strict";
  var filters = document.querySelector("[data-filters]");
  if (filters && window.matchMedia("(min-width: 64rem)").matches) {
    filters.open = true;
  }
  var period = document.getElementById("id_period");
  var dates = document.querySelector("[data-custom-dates]");
  if (!period || !dates) {
    return;
  }
  function sync() {
    var custom = period.value === "" || period.value === "custom";
    dates.hidden = !custom;
  }
  period.addEventListener("change", sync);
  sync();
})();
