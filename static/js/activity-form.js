/* The activity form's small helpers. Without JavaScript the form works the same: the full
 * partner list shows, and members are ticked one by one. */
(function () {
  "use strict";

  /* Partner search: hide the roster entries that do not match; ticked ones always show. */
  function setUpSearch(box) {
    var input = box.querySelector("[data-choice-search-input]");
    var list = document.getElementById(input.getAttribute("data-choice-search-input"));
    var empty = box.querySelector("[data-choice-search-empty]");
    if (!list) {
      return;
    }
    var items = Array.prototype.slice.call(list.querySelectorAll(".choice"));
    box.hidden = false;
    function filter() {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = (item.getAttribute("data-choice-text") || "").toLowerCase();
        var ticked = item.querySelector("input:checked") !== null;
        var match = ticked || words.every(function (w) { return text.indexOf(w) !== -1; });
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      empty.hidden = shown > 0;
    }
    input.addEventListener("input", filter);
    /* Enter in the search box must not send the form. */
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  }

  /* "Select all" per branch, kept in step with the members' own boxes. */
  function setUpGroup(group) {
    var all = group.querySelector("[data-select-all]");
    if (!all) {
      return;
    }
    var boxes = Array.prototype.slice.call(group.querySelectorAll("input[name='attendees']"));
    function sync() {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.closest("[data-select-all-label]").hidden = false;
    all.addEventListener("change", function () {
      var on = all.checked; /* read once: each box's change event re-syncs "all" */
      boxes.forEach(function (b) {
        if (b.checked !== on) {
          b.checked = on;
          b.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
      sync();
    });
    boxes.forEach(function (b) { b.addEventListener("change", sync); });
    sync();
  }

  /* Ticking a member of another branch ticks that branch as a co-organiser. */
  function setUpCoOrganisers(form) {
    form.addEventListener("change", function (event) {
      var box = event.target;
      var branchId = box.getAttribute && box.getAttribute("data-branch");
      if (!box.checked || !branchId) {
        return;
      }
      var coBranch = form.querySelector("input[name='co_branches'][value='" + branchId + "']");
      if (coBranch && !coBranch.checked) {
        coBranch.checked = true;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-choice-search]").forEach(setUpSearch);
    document.querySelectorAll("[data-select-group]").forEach(setUpGroup);
    var form = document.querySelector(".activity-form");
    if (form) {
      setUpCoOrganisers(form);
    }
  });
})();
