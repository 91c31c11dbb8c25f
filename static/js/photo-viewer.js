/*
 * Photo viewer for the activity page: a thumbnail opens its full image in an overlay with its
 * caption, previous/next buttons, arrow keys, Escape and swipes on phones.
 *
 * Markup (templates/activities/includes/detail_attachments.html):
 *   <ul data-photo-viewer data-label-dialog data-label-close data-label-previous data-label-next>
 *     <a data-photo-viewer-item data-caption="…" href="full image">…thumbnail…</a>
 *
 * Progressive enhancement: without this script (or without <dialog>) each thumbnail is a plain
 * link to its image. Vanilla JS, no inline script or style (the page may run under a strict CSP).
 */
(function () {
  "use strict";

  var SWIPE_MIN_PX = 40;

  function element(tag, className, attributes) {
    var node = document.createElement(tag);
    node.className = className;
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function button(className, label, symbol) {
    var node = element("button", "photo-viewer__button " + className, {
      type: "button",
      "aria-label": label,
      title: label,
    });
    node.textContent = symbol;
    return node;
  }

  function PhotoViewer(container) {
    this.items = Array.prototype.slice.call(
      container.querySelectorAll("a[data-photo-viewer-item]")
    );
    this.index = 0;
    this.opener = null;
    this.build(container.dataset);
    this.bind();
  }

  PhotoViewer.prototype.build = function (labels) {
    var dialog = element("dialog", "photo-viewer", { "aria-label": labels.labelDialog || "" });
    this.closeButton = button("photo-viewer__close", labels.labelClose || "Close", "×");
    this.previousButton = button(
      "photo-viewer__nav photo-viewer__nav--previous",
      labels.labelPrevious || "Previous",
      "‹"
    );
    this.nextButton = button(
      "photo-viewer__nav photo-viewer__nav--next",
      labels.labelNext || "Next",
      "›"
    );
    this.frame = element("div", "photo-viewer__frame");
    this.image = element("img", "photo-viewer__image", { alt: "" });
    this.frame.appendChild(this.image);
    var bar = element("div", "photo-viewer__bar");
    this.caption = element("p", "photo-viewer__caption", { "aria-live": "polite" });
    this.counter = element("span", "photo-viewer__counter");
    bar.appendChild(this.caption);
    bar.appendChild(this.counter);
    // The close button comes first: showModal() focuses it, and Tab reaches it first.
    dialog.appendChild(this.closeButton);
    dialog.appendChild(this.frame);
    dialog.appendChild(bar);
    dialog.appendChild(this.previousButton);
    dialog.appendChild(this.nextButton);
    document.body.appendChild(dialog);
    this.dialog = dialog;
    var several = this.items.length > 1;
    this.previousButton.hidden = !several;
    this.nextButton.hidden = !several;
    this.counter.hidden = !several;
  };

  PhotoViewer.prototype.bind = function () {
    var viewer = this;
    this.items.forEach(function (item, index) {
      item.addEventListener("click", function (event) {
        // A new tab or window asked for with a modifier key or the middle button: let it be.
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
          return;
        }
        event.preventDefault();
        viewer.open(index, item);
      });
    });
    this.closeButton.addEventListener("click", function () {
      viewer.dialog.close();
    });
    this.previousButton.addEventListener("click", function () {
      viewer.show(viewer.index - 1);
    });
    this.nextButton.addEventListener("click", function () {
      viewer.show(viewer.index + 1);
    });
    this.image.addEventListener("load", function () {
      viewer.dialog.classList.remove("is-loading");
    });
    this.image.addEventListener("error", function () {
      viewer.dialog.classList.remove("is-loading");
    });
    // A click on the dark area around the photo closes, as on every phone gallery.
    this.dialog.addEventListener("click", function (event) {
      if (event.target === viewer.dialog || event.target === viewer.frame) {
        viewer.dialog.close();
      }
    });
    // On the document, not the dialog: a nav button disabled at either end drops the focus.
    document.addEventListener("keydown", function (event) {
      if (!viewer.dialog.open) {
        return;
      }
      if (event.key === "ArrowLeft") {
        event.preventDefault();
        viewer.show(viewer.index - 1);
      } else if (event.key === "ArrowRight") {
        event.preventDefault();
        viewer.show(viewer.index + 1);
      }
      // Escape: the dialog closes itself (its "cancel" event), which ends in "close" below.
    });
    this.dialog.addEventListener("close", function () {
      document.documentElement.classList.remove("photo-viewer-open");
      viewer.image.removeAttribute("src");
      if (viewer.opener) {
        viewer.opener.focus();
      }
    });
    this.bindSwipe();
  };

  PhotoViewer.prototype.bindSwipe = function () {
    var viewer = this;
    var start = null;
    this.frame.addEventListener(
      "touchstart",
      function (event) {
        // Two fingers are a pinch-zoom, not a swipe.
        start = event.touches.length === 1
          ? { x: event.touches[0].clientX, y: event.touches[0].clientY }
          : null;
      },
      { passive: true }
    );
    this.frame.addEventListener(
      "touchend",
      function (event) {
        if (!start || event.changedTouches.length !== 1) {
          return;
        }
        var dx = event.changedTouches[0].clientX - start.x;
        var dy = event.changedTouches[0].clientY - start.y;
        start = null;
        if (Math.abs(dx) >= SWIPE_MIN_PX && Math.abs(dx) > Math.abs(dy) * 1.5) {
          viewer.show(viewer.index + (dx < 0 ? 1 : -1));
        } else if (dy >= SWIPE_MIN_PX * 2 && Math.abs(dy) > Math.abs(dx) * 1.5) {
          viewer.dialog.close(); // a swipe down puts the photo away
        }
      },
      { passive: true }
    );
  };

  PhotoViewer.prototype.open = function (index, opener) {
    this.opener = opener;
    document.documentElement.classList.add("photo-viewer-open");
    this.show(index);
    if (!this.dialog.open) {
      this.dialog.showModal();
    }
  };

  PhotoViewer.prototype.show = function (index) {
    if (index < 0 || index >= this.items.length) {
      return;
    }
    var item = this.items[index];
    var caption = item.dataset.caption || "";
    var thumbnail = item.querySelector("img");
    this.index = index;
    this.opener = this.dialog.open ? item : this.opener;
    this.dialog.classList.add("is-loading");
    this.image.src = item.href;
    this.image.alt = caption || (thumbnail ? thumbnail.alt : "");
    this.caption.textContent = caption;
    this.counter.textContent = index + 1 + " / " + this.items.length;
    this.previousButton.disabled = index === 0;
    this.nextButton.disabled = index === this.items.length - 1;
    // Reaching either end disables the button just pressed: keep the focus in the viewer.
    if (this.previousButton.disabled && document.activeElement === this.previousButton) {
      this.nextButton.focus();
    } else if (this.nextButton.disabled && document.activeElement === this.nextButton) {
      this.previousButton.focus();
    }
    if (this.image.complete && this.image.naturalWidth) {
      this.dialog.classList.remove("is-loading");
    }
  };

  function start() {
    if (typeof HTMLDialogElement !== "function") {
      return; // an old browser: the thumbnails stay plain links
    }
    document.querySelectorAll("[data-photo-viewer]").forEach(function (container) {
      new PhotoViewer(container);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
