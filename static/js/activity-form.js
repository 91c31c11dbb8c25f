/* The activity form's helpers. Without JavaScript the form works the same: every roster
 * partner shows, the organising branch's members are ticked one by one, and the form is
 * saved by its buttons. */
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 4000; /* ms after the last change */

  function text(form, key) {
    return form.getAttribute("data-text-" + key) || "";
  }

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
        var label = (item.getAttribute("data-choice-text") || "").toLowerCase();
        var ticked = item.querySelector("input:checked") !== null;
        var match = ticked || words.every(function (w) { return label.indexOf(w) !== -1; });
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      empty.hidden = shown > 0;
    }
    input.addEventListener("input", filter);
    noEnter(input);
  }

  /* Enter in a search box must not send the form. */
  function noEnter(input) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  }

  /* "Select all" per organising branch, kept in step with the members' own boxes. */
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

  /* Choosing a partnership ticks its partner units. */
  function setUpPartnership(form) {
    var select = form.querySelector("select[name='partnership']");
    if (!select) {
      return;
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var ids = (option && option.getAttribute("data-partners") || "").split(" ");
      ids.filter(Boolean).forEach(function (id) {
        var box = form.querySelector("input[name='partners'][value='" + id + "']");
        if (box && !box.checked) {
          box.checked = true;
          var item = box.closest(".choice");
          if (item) {
            item.hidden = false;
          }
          var fold = box.closest("details");
          if (fold) {
            fold.open = true;
          }
        }
      });
    });
  }

  /* Members of other branches, found by name on the server (the page lists only the
   * organising branches'). A ticked result stays on the page when the search changes. */
  function setUpMemberSearch(form) {
    var box = form.querySelector("[data-member-search]");
    var url = form.getAttribute("data-member-search-url");
    if (!box || !url) {
      return;
    }
    var input = box.querySelector("[data-member-search-input]");
    var results = box.querySelector("[data-member-search-results]");
    var found = form.querySelector("[data-member-found]");
    var timer = null;
    var asked = 0;
    box.hidden = false;
    noEnter(input);
    function onPage(value) {
      return form.querySelector("input[name='attendees'][value='" + value + "']") !== null;
    }
    function search() {
      var query = input.value.trim();
      var number = ++asked;
      if (!query) {
        results.innerHTML = "";
        return;
      }
      fetch(url + "&q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (number !== asked) {
            return; /* an older answer arriving late */
          }
          var holder = document.createElement("ul");
          holder.innerHTML = html;
          results.innerHTML = "";
          Array.prototype.slice.call(holder.children).forEach(function (item) {
            var input = item.querySelector("input[name='attendees']");
            if (!input || !onPage(input.value)) {
              results.appendChild(item);
            }
          });
        });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    results.addEventListener("change", function (event) {
      var item = event.target.closest(".choice");
      if (event.target.checked && item) {
        found.appendChild(item);
      }
    });
  }

  /* Show which files were picked under the one file button. A PDF is taken as the
   * sign-in sheet unless the secretary chose otherwise. */
  function setUpFiles(form) {
    var input = form.querySelector(".file-pick input[type='file']");
    if (!input) {
      return;
    }
    var chosen = form.querySelector("[data-files-chosen]");
    var kind = form.querySelector(".file-pick select");
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      chosen.textContent = files.map(function (f) { return f.name; }).join("、");
      var allPdf = files.length > 0 && files.every(function (f) {
        return f.type === "application/pdf";
      });
      if (kind && allPdf && kind.value === "photo") {
        kind.value = "sign_in";
      }
    });
  }

  /* The draft saved as the secretary goes: a few seconds after the last change, and at once
   * when the page is hidden (the phone locked, another app opened, the tab closed). The
   * first save makes the draft; the page then becomes that draft's edit page. */
  function setUpAutosave(form) {
    var url = form.getAttribute("data-autosave-url");
    var status = form.querySelector("[data-autosave-status]");
    if (!url || !window.fetch || !window.FormData) {
      return;
    }
    var timer = null;
    var saving = null;
    var stopped = false;
    var last = snapshot();

    /* What the secretary entered (not the version and tokens the page keeps). */
    function snapshot() {
      var data = new FormData(form);
      ["csrfmiddlewaretoken", "version", "form_token"].forEach(function (name) {
        data.delete(name);
      });
      var parts = [];
      data.forEach(function (value, key) {
        if (typeof value === "string") {
          parts.push(key + "=" + value);
        }
      });
      return parts.join("&");
    }

    function say(message) {
      status.textContent = message;
    }

    function save(keepalive) {
      clearTimeout(timer);
      if (stopped || saving) {
        return saving || Promise.resolve();
      }
      var now = snapshot();
      if (now === last) {
        return Promise.resolve();
      }
      var data = new FormData(form);
      Array.prototype.slice.call(form.querySelectorAll("input[type='file']")).forEach(
        function (input) { data.delete(input.name); }
      );
      saving = fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: { "X-Requested-With": "fetch" }
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            answer.status = response.status;
            return answer;
          });
        })
        .then(function (answer) {
          if (answer.saved) {
            last = now;
            adopt(answer);
            say(text(form, "saved").replace("{time}", answer.at));
          } else if (answer.status === 409 || answer.message) {
            stopped = true;
            say(answer.message || "");
          } else if (answer.missing && answer.missing.length) {
            say(text(form, "missing").replace("{fields}", answer.missing.join("、")));
          }
        })
        .catch(function () {
          say(text(form, "offline"));
        })
        .then(function () {
          saving = null;
        });
      return saving;
    }

    /* After the first save the form edits the draft it made. */
    function adopt(answer) {
      url = answer.autosave_url;
      form.setAttribute("data-autosave-url", url);
      form.action = answer.form_action;
      var version = form.querySelector("input[name='version']");
      if (!version) {
        version = document.createElement("input");
        version.type = "hidden";
        version.name = "version";
        form.appendChild(version);
      }
      version.value = answer.version;
      if (window.location.pathname !== answer.form_action) {
        window.history.replaceState(null, "", answer.form_action);
      }
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(function () { save(false); }, AUTOSAVE_DELAY);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        save(true);
      }
    });
    /* The buttons save too: wait for a save under way, so that they send the current
     * version of the draft. */
    var sending = false;
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      stopped = true;
      if (sending || !saving) {
        return;
      }
      event.preventDefault();
      var submitter = event.submitter;
      saving.then(function () {
        sending = true;
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          form.submit();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-choice-search]").forEach(setUpSearch);
    document.querySelectorAll("[data-select-group]").forEach(setUpGroup);
    var form = document.querySelector(".activity-form");
    if (form) {
      setUpCoOrganisers(form);
      setUpPartnership(form);
      setUpMemberSearch(form);
      setUpFiles(form);
      setUpAutosave(form);
    }
  });
})();
