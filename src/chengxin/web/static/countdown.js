// Countdowns of the citizen's sign-in (progressive enhancement: without script the page says the
// wait in words). An element with data-countdown="<seconds>" is shown and counts down: its text
// is data-template with "{t}" the time left (m:ss, or h:mm:ss); the control whose id is
// data-holds (the "get a code" button, the "new code" link) stays disabled until the end, when
// the element says data-done.
(function () {
  "use strict";

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function hold(control, on) {
    if (!control) return;
    if (control.tagName === "A") {
      if (on) control.setAttribute("aria-disabled", "true");
      else control.removeAttribute("aria-disabled");
    } else {
      control.disabled = on;
    }
  }

  function start(element) {
    var left = parseInt(element.getAttribute("data-countdown"), 10);
    if (!(left > 0)) return;
    var end = Date.now() + left * 1000;
    var control = element.dataset.holds ? document.getElementById(element.dataset.holds) : null;
    if (control && control.tagName === "A") {
      control.addEventListener("click", function (event) {
        if (control.getAttribute("aria-disabled") === "true") event.preventDefault();
      });
    }
    element.hidden = false;
    hold(control, true);
    (function tick() {
      var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (seconds === 0) {
        element.textContent = element.dataset.done || "";
        element.hidden = !element.textContent;
        hold(control, false);
        return;
      }
      element.textContent = (element.dataset.template || "{t}").replace("{t}", clock(seconds));
      window.setTimeout(tick, 250);
    })();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(start);
  });
})();
