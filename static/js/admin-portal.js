/* Every admin page (templates/admin/base_site.html): names for the controls Django's admin and
 * its select2 pickers leave unnamed, so that a screen reader says what each one is for
 * (tests/browser/test_phone_pages.py runs axe-core on every admin page).
 *
 * - a select2 picker (autocomplete_fields) is named by its field's label, its search field too;
 * - a date and time field's two inputs by the field's label and their own word;
 * - a tabular inline's inputs are named by their column's header (the delete box by the last
 *   one), and the header of the column showing each row's object by the inline's heading;
 * - select2's mouse-only "clear all" cross is hidden from screen readers. */
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function labelOf(select) {
    return select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
  }

  function namePicker(select) {
    var label = labelOf(select);
    var container = select.nextElementSibling;
    if (!label || !container || !container.classList.contains("select2")) {
      return;
    }
    if (!label.id) {
      label.id = select.id + "_label";
    }
    container.querySelectorAll('.select2-selection[role="combobox"]').forEach(function (box) {
      var labelledBy = box.getAttribute("aria-labelledby") || "";
      if (labelledBy.split(" ").indexOf(label.id) === -1) {
        box.setAttribute("aria-labelledby", (label.id + " " + labelledBy).trim());
      }
    });
    container.querySelectorAll(".select2-search__field").forEach(function (field) {
      field.setAttribute("aria-label", text(label));
    });
    // The chosen value's box is read as part of the picker's name, not as a text box of its
    // own (an empty one, with nothing chosen, would be a control without a name).
    // The "clear all" cross, drawn by select2 inside the list of choices, is for the mouse
    // (no key reaches it): out of the list a screen reader reads.
    container.querySelectorAll(".select2-selection__clear").forEach(function (cross) {
      cross.setAttribute("aria-hidden", "true");
    });
    container.querySelectorAll('.select2-selection__rendered[role="textbox"]').forEach(
      function (shown) {
        shown.removeAttribute("role");
        shown.removeAttribute("aria-readonly");
      }
    );
  }

  // Django's date and time inputs follow their words ("日期：", "时间：") without a label: each
  // is named by its field's label and its word.
  function nameDateTimeInputs() {
    document.querySelectorAll("p.datetime input").forEach(function (input) {
      if (input.labels && input.labels.length > 0) {
        return;
      }
      var row = input.closest(".form-row") || input.closest("fieldset");
      var field = row ? text(row.querySelector("legend, label")) : "";
      var word = input.previousSibling;
      while (word && word.nodeType !== Node.TEXT_NODE) {
        word = word.previousSibling;
      }
      var words = [field, word ? word.textContent.trim() : ""].filter(Boolean);
      input.setAttribute("aria-label", words.join(" "));
    });
  }

  function nameInlineControls(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var original = table.querySelector("thead th.original");
      var heading = table.closest("fieldset");
      heading = heading ? heading.querySelector(".inline-heading") : null;
      if (original && !text(original) && heading) {
        var hidden = document.createElement("span");
        hidden.className = "portal-screen-reader";
        hidden.textContent = text(heading);
        original.appendChild(hidden);
      }
      var headers = table.querySelectorAll("thead th");
      var deleteHeader = headers[headers.length - 1];
      table.querySelectorAll("tbody td.delete input[type=checkbox]").forEach(function (box) {
        if (!box.labels || box.labels.length === 0) {
          box.setAttribute("aria-label", text(deleteHeader));
        }
      });
      table.querySelectorAll("tbody td[class*='field-']").forEach(function (cell) {
        var column = Array.prototype.find.call(cell.classList, function (name) {
          return name.indexOf("field-") === 0;
        });
        var header = table.querySelector("thead th.column-" + column.slice(6));
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(
          function (control) {
            if (!control.labels || control.labels.length === 0) {
              control.setAttribute("aria-label", text(header));
            }
          }
        );
      });
    });
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(namePicker);
    nameInlineControls(document);
    nameDateTimeInputs();
  }

  // select2 sets its pickers up when jQuery says the page is ready, which can be after the
  // page's load event; it redraws a multiple picker's search field with every choice, and an
  // inline's new row brings new controls. Whatever enters the page is named at once, before
  // anything else runs.
  nameAll();
  new MutationObserver(function (mutations) {
    var added = mutations.some(function (mutation) {
      return Array.prototype.some.call(mutation.addedNodes, function (node) {
        return node.nodeType === Node.ELEMENT_NODE;
      });
    });
    if (added) {
      nameAll();
    }
  }).observe(document.body, {childList: true, subtree: true});

  // A single picker opens a search field of its own, in a dropdown at the end of the page.
  document.addEventListener("DOMContentLoaded", function () {
    var $ = window.django && window.django.jQuery;
    if (!$) {
      return;
    }
    $(document).on("select2:open", function (event) {
      var label = text(labelOf(event.target));
      document.querySelectorAll(".select2-container--open .select2-search__field")
        .forEach(function (field) {
          field.setAttribute("aria-label", label);
        });
    });
  });
})();
