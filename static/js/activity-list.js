// Activity list: the From/To dates count only when no preset period is chosen, so they are
// hidden while one is. Without JS both stay visible and the server applies the same rule.
// On a wide screen the filters are shown open: there is room for them beside the rows' width.
// Choosing another committee (users of several) drops the old committee's choices.
(function () {
  "use strict";
  var filters = document.querySelector("[data-filters]");
  if (filters && window.matchMedia("(min-width: 64rem)").matches) {
    filters.open = true;
  }
  // The branch, measure, goal and partner offered are the chosen committee's: once another
  // committee is chosen they are hidden and not sent (they would be invalid for it); "Apply
  // filters" then offers the new committee's. No submit on change (keyboard users browse).
  var committee = document.getElementById("id_committee");
  if (committee) {
    committee.addEventListener("change", function () {
      ["id_branch", "id_measure", "id_goal", "id_partner"].forEach(function (id) {
        var select = document.getElementById(id);
        if (select) {
          select.disabled = true;
          select.closest(".field").hidden = true;
        }
      });
    });
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
