/*
 * Common review comments on the activity page: each button adds its phrase to the comment box
 * (a new line when the box already has text) and puts the cursor after it.
 *
 * Markup (templates/activities/includes/detail_actions.html):
 *   <div data-comment-phrases="<textarea id>" hidden> … <button data-phrase="…"> …
 *
 * Progressive enhancement: the buttons stay hidden without this script, and the reviewer types.
 * Vanilla JS, no inline script or style (the page may run under a strict CSP).
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-comment-phrases]").forEach(function (panel) {
    var box = document.getElementById(panel.getAttribute("data-comment-phrases"));
    if (!box) {
      return;
    }
    panel.hidden = false;
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("[data-phrase]");
      if (!button) {
        return;
      }
      var phrase = button.getAttribute("data-phrase");
      var text = box.value.replace(/\s+$/, "");
      if (text.indexOf(phrase) === -1) {
        box.value = text ? text + "\n" + phrase : phrase;
      }
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    });
  });
})();
