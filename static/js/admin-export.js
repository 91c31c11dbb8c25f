/* django-import-export's export page: "Select all" ticks or clears every field's box. Upstream
 * wires it with an inline onchange= handler, which the Content-Security-Policy refuses
 * (templates/admin/import_export/export.html). */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        document
          .querySelectorAll('.selectable-field-export-row input[type="checkbox"]')
          .forEach(function (box) {
            box.checked = toggle.checked;
          });
      });
    });
  });
})();
