// Activity list: the From/To dates count only when no preset period is chosen, so they are
// hidden while one is. Without JS both stay visible and the server applies the same rule.
(function () {
  "use strict";
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
