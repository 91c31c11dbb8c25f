/*
 * The organiser's sign-in page (templates/signin/sheet.html): every few seconds, the counts and
 * the state from the live address, and a new QR code and code when the minute changes.
 *
 * Markup: <section data-signin-live="<url>" data-window="<minute>"> with [data-signin-qr],
 *         [data-signin-code], [data-signin-count="<name>"], [data-signin-state] and
 *         [data-signin-reload hidden] (shown when more have signed in than the list shows).
 *
 * Without this script the page shows the code of the minute it was loaded: reload it.
 * Vanilla JS, no inline script or style (strict CSP). The QR code is the server's own SVG.
 */
(function () {
  "use strict";

  var EVERY_MS = 4000;

  function start(box) {
    var url = box.getAttribute("data-signin-live");
    var windowNow = box.getAttribute("data-window") || "";
    var totalShown = null;
    var totalCell = box.querySelector('[data-signin-count="total"]');
    if (totalCell) {
      totalShown = totalCell.textContent.trim();
    }

    function apply(data) {
      Object.keys(data).forEach(function (name) {
        var cell = box.querySelector('[data-signin-count="' + name + '"]');
        if (cell) {
          cell.textContent = String(data[name]);
        }
      });
      var state = box.querySelector("[data-signin-state]");
      if (state && data.state_label) {
        state.textContent = data.state_label;
      }
      if (data.qr && data.code) {
        var qr = box.querySelector("[data-signin-qr]");
        var code = box.querySelector("[data-signin-code]");
        var svg = new DOMParser().parseFromString(data.qr, "image/svg+xml").documentElement;
        if (qr && svg && svg.nodeName.toLowerCase() === "svg") {
          qr.replaceChildren(document.importNode(svg, true));
        }
        if (code) {
          code.textContent = data.code;
        }
      }
      if (data.window !== undefined) {
        windowNow = String(data.window);
      }
      var reload = document.querySelector("[data-signin-reload]");
      if (reload && totalShown !== null && String(data.total) !== totalShown) {
        reload.hidden = false;
      }
      // The sign-in opened (a page loaded before its window) or stopped taking sign-ins: the
      // page is made again for its new state (the QR code appears, or goes).
      var shown = box.getAttribute("data-signin-shown") || "open";
      if (data.state && data.state !== shown) {
        window.clearInterval(timer);
        window.location.reload();
      }
    }

    function refresh() {
      if (document.hidden) {
        return;
      }
      var address = url + "?w=" + encodeURIComponent(windowNow);
      fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) {
            apply(data);
          }
        })
        .catch(function () {
          // Offline for a moment: the next refresh tries again.
        });
    }

    var timer = window.setInterval(refresh, EVERY_MS);
  }

  document.querySelectorAll("[data-signin-live]").forEach(start);
})();
