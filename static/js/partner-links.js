/*
 * The one-time link cards (templates/partners/includes/link_card.html): a "Copy" button beside
 * each link, and "Print the cards".
 *
 * Markup: <input id="…" readonly> <button data-copy="<input id>" data-copied="<text>" hidden>
 *         <p class="copy-field__status" aria-live="polite"> ; <button data-print hidden>
 *
 * Progressive enhancement: without this script the buttons stay hidden and the link is
 * selected and copied by hand. Vanilla JS, no inline script or style (strict CSP).
 */
(function () {
  "use strict";

  function copied(button) {
    var status = button.closest(".field").querySelector(".copy-field__status");
    if (status) {
      status.textContent = button.getAttribute("data-copied");
    }
  }

  function copyByHand(input, button) {
    input.focus();
    input.select();
    try {
      if (document.execCommand("copy")) {
        copied(button);
      }
    } catch (error) {
      // The link stays selected: the user copies it themselves.
    }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () {
            copied(button);
          },
          function () {
            copyByHand(input, button);
          }
        );
      } else {
        copyByHand(input, button);
      }
    });
    input.addEventListener("focus", function () {
      input.select();
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
