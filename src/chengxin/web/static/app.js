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
})();
