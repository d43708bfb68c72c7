// rcov HTML report: sorting and filtering of the index, navigation of a file
// page. Plain DOM code, no dependencies; everything also reads without it.
"use strict";

(function () {
  function isTyping(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }

  // coverage.py's display rule: "0" and "100" only when exactly so.
  function displayPercent(covered, total, precision) {
    var pc = total > 0 ? (100 * covered) / total : 100;
    var near0 = 1 / Math.pow(10, precision);
    if (pc > 0 && pc < near0) pc = near0;
    else if (pc < 100 && pc > 100 - near0) pc = 100 - near0;
    return pc.toFixed(precision);
  }

  function setBar(bar, covered, total) {
    var pc = total > 0 ? (100 * covered) / total : 100;
    bar.firstElementChild.style.width = pc.toFixed(2) + "%";
    bar.classList.toggle("full", covered === total);
  }

  function helpDialog() {
    var dialog = document.getElementById("help");
    var button = document.getElementById("help-button");
    if (!dialog) return null;
    if (button) button.addEventListener("click", function () { dialog.showModal(); });
    return dialog;
  }

  function toggleHelp(dialog) {
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  // ---- Index page -------------------------------------------------------

  function initIndex() {
    var table = document.getElementById("files");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var filter = document.getElementById("filter");
    var hideCovered = document.getElementById("hide-covered");
    var shown = document.getElementById("shown");
    var empty = document.getElementById("no-match");
    var precision = parseInt(document.body.dataset.precision || "0", 10);
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

    function sortBy(header, direction) {
      var index = headers.indexOf(header);
      var numeric = header.dataset.type === "number";
      var sign = direction === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.v;
        var y = b.cells[index].dataset.v;
        var order = numeric ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
        if (order === 0) order = collator.compare(a.dataset.name, b.dataset.name);
        return sign * order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      headers.forEach(function (h) {
        if (h === header) h.setAttribute("aria-sort", direction);
        else h.removeAttribute("aria-sort");
      });
    }

    headers.forEach(function (header) {
      var button = header.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var current = header.getAttribute("aria-sort");
        // Names A to Z, counts largest first, coverage least first: what one looks for.
        var first = header.dataset.first || (header.dataset.type === "number" ? "descending" : "ascending");
        var next = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
        sortBy(header, next);
      });
    });

    var sums = ["stmts", "miss", "excl", "br", "brpart", "brmiss"];
    var foot = table.tFoot.rows[0];
    var unfiltered = foot.innerHTML;  // every file's totals, skipped ones included

    function applyFilter() {
      var needle = filter.value.trim().toLowerCase();
      var filtering = needle !== "" || (hideCovered && hideCovered.checked);
      var total = {};
      var visible = 0;
      sums.forEach(function (k) { total[k] = 0; });
      rows.forEach(function (row) {
        var d = row.dataset;
        var matches = !needle || d.name.toLowerCase().indexOf(needle) !== -1;
        if (hideCovered && hideCovered.checked && d.miss === "0" && d.brmiss === "0") matches = false;
        row.hidden = !matches;
        if (matches) {
          visible += 1;
          sums.forEach(function (k) { total[k] += parseInt(d[k] || "0", 10); });
        }
      });
      if (!filtering) {
        foot.innerHTML = unfiltered;
      } else {
        foot.querySelectorAll("[data-sum]").forEach(function (cell) {
          cell.textContent = String(total[cell.dataset.sum]);
        });
        var covered = total.stmts - total.miss + total.br - total.brmiss;
        var all = total.stmts + total.br;
        foot.querySelector(".pc").textContent = displayPercent(covered, all, precision) + "%";
        setBar(foot.querySelector(".bar"), covered, all);
        foot.cells[0].textContent = "Total of the files shown";
      }
      shown.textContent = visible === rows.length
        ? rows.length + (rows.length === 1 ? " file" : " files")
        : visible + " of " + rows.length + " files";
      empty.hidden = visible !== 0;
    }

    filter.addEventListener("input", applyFilter);
    if (hideCovered) hideCovered.addEventListener("change", applyFilter);
    var dialog = helpDialog();
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && event.target === filter) {
        filter.value = "";
        applyFilter();
        filter.blur();
        return;
      }
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/") {
        event.preventDefault();
        filter.focus();
        filter.select();
      } else if (event.key === "?") {
        toggleHelp(dialog);
      }
    });
    applyFilter();
  }

  // ---- File page --------------------------------------------------------

  function initFile() {
    var lines = Array.prototype.slice.call(document.querySelectorAll(".code .ln"));
    var status = document.getElementById("status");
    var dialog = helpDialog();

    // A missed region: consecutive missed or partial lines, with the lines
    // between them that are not statements (blank lines, comments,
    // continuation lines); it ends at a line that ran or is excluded.
    var regions = [];
    var current = null;
    var pending = [];
    lines.forEach(function (line) {
      var missed = line.classList.contains("mis") || line.classList.contains("par");
      var counted = missed || line.classList.contains("run") || line.classList.contains("exc");
      if (missed) {
        if (!current) {
          current = [];
          regions.push(current);
        } else {
          Array.prototype.push.apply(current, pending);
        }
        pending = [];
        current.push(line);
      } else if (counted) {
        current = null;
        pending = [];
      } else if (current) {
        pending.push(line);
      }
    });

    var at = -1;

    function show(index) {
      if (at >= 0) {
        regions[at].forEach(function (l) { l.classList.remove("focus", "first", "last"); });
      }
      at = index;
      var region = regions[at];
      region.forEach(function (l) { l.classList.add("focus"); });
      region[0].classList.add("first");
      region[region.length - 1].classList.add("last");
      region[0].scrollIntoView({ block: "center" });
      status.textContent = "Missed region " + (at + 1) + " of " + regions.length +
        " (line " + region[0].id.slice(1) + ")";
      try {
        history.replaceState(null, "", "#" + region[0].id);
      } catch (e) {
        // Some browsers refuse history changes on file:// pages; nothing lost.
      }
    }

    // Without a current region, start from what is on screen.
    function firstVisible() {
      var top = document.querySelector(".top").getBoundingClientRect().bottom;
      for (var i = 0; i < regions.length; i++) {
        if (regions[i][0].getBoundingClientRect().top >= top) return i;
      }
      return regions.length;
    }

    function move(step) {
      if (!regions.length) {
        status.textContent = "No missed lines in this file";
        return;
      }
      var next;
      if (at < 0) next = step > 0 ? firstVisible() : firstVisible() - 1;
      else next = at + step;
      if (next >= regions.length || next < 0) {
        status.textContent = step > 0 ? "No more missed regions below" : "No missed regions above";
        return;
      }
      show(next);
    }

    // The highlighting toggles.
    document.querySelectorAll(".toggle[data-show]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        document.body.classList.toggle("show-" + button.dataset.show, on);
      });
    });

    function follow(rel) {
      var link = document.querySelector('link[rel="' + rel + '"]');
      if (link) window.location.href = link.getAttribute("href");
    }

    document.addEventListener("keydown", function (event) {
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      switch (event.key) {
        case "j": case "n": move(1); break;
        case "k": case "p": move(-1); break;
        case "u": follow("index"); break;
        case "[": follow("prev"); break;
        case "]": follow("next"); break;
        case "?": toggleHelp(dialog); break;
        default: return;
      }
      event.preventDefault();
    });
    document.getElementById("next-region").addEventListener("click", function () { move(1); });
    document.getElementById("prev-region").addEventListener("click", function () { move(-1); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.classList.contains("index-page")) initIndex();
    else if (document.body.classList.contains("file-page")) initFile();
  });
})();
