// Chengxin pages: progressive enhancement only — every page works without this script.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // Forms and buttons with data-confirm ask before they submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || form.querySelector("[data-confirm]");
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // Uploads with a progress bar: <form data-progress="ID"> names a <progress id="ID">.
  // htmx sends the form (hx-post) and reports upload progress; without htmx, the form posts plainly.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-progress]") : null;
    if (!form) { return; }
    var bar = document.getElementById(form.getAttribute("data-progress"));
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
      bar.textContent = bar.value + "%";
    }
  });

  // Menus that scroll sideways on a phone: bring the current page's item into view.
  function showCurrent() {
    var strips = document.querySelectorAll("header.site nav ul, aside.side ul");
    for (var i = 0; i < strips.length; i++) {
      var strip = strips[i];
      var current = strip.querySelector("[aria-current=page]");
      if (current && strip.scrollWidth > strip.clientWidth) {
        var item = current.parentElement || current;
        var at = item.getBoundingClientRect(), frame = strip.getBoundingClientRect();
        strip.scrollLeft += at.left - frame.left - (strip.clientWidth - at.width) / 2;
      }
    }
  }

  // Copy and print buttons (data-copy="ID" copies that element's text; data-print prints the
  // page). They sit in a [data-enhanced][hidden] block, shown only when this script runs.
  function say(button, message) {
    var box = button.parentElement && button.parentElement.querySelector("[data-copy-status]");
    if (box) { box.textContent = message; }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyFrom(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent.trim();
    var box = button.parentElement && button.parentElement.querySelector("[data-copy-status]");
    var failed = (box && box.getAttribute("data-failed")) || "";
    var done = function () { say(button, button.getAttribute("data-copied") || ""); };
    var fallback = function () {
      selectText(source);  // the text stays selected: the person can copy it by hand
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      if (copied) { done(); } else { say(button, failed); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy], [data-print]") : null;
    if (!button) { return; }
    if (button.hasAttribute("data-copy")) {
      copyFrom(button);
    } else {
      window.print();
    }
  });

  function enhance() {
    var blocks = document.querySelectorAll("[data-enhanced][hidden]");
    for (var i = 0; i < blocks.length; i++) { blocks[i].hidden = false; }
    showCurrent();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
