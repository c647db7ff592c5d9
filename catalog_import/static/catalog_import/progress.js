/* Import job page: poll the job's progress.json every second, move the
   <progress> bar and the row count, and reload the page once the job has
   finished so the plan and the problems appear. Without JavaScript the page
   reloads itself through <noscript><meta http-equiv="refresh"></noscript>. */
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box || box.getAttribute("data-finished") === "true" || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-progress-percent]");
  var rows = box.querySelector("[data-progress-rows]");
  var status = document.querySelector("[data-progress-status]");
  var INTERVAL = 1000;
  var MAX_DELAY = 30000;
  var failures = 0;

  function show(data) {
    var value = Math.max(0, Math.min(100, Number(data.progress) || 0));
    bar.value = value;
    bar.textContent = value + "%";
    if (percent) { percent.textContent = String(value); }
    if (rows) {
      rows.textContent = data.rows_total
        ? data.rows_done + " / " + data.rows_total
        : String(data.rows_done);
    }
    if (status && data.status_display) {
      status.textContent = data.status_display;
      status.className = status.className.replace(/\bstatus-\w+/, "status-" + data.status);
    }
  }

  function schedule(delay) {
    window.setTimeout(poll, delay);
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.finished) {
          box.setAttribute("data-finished", "true");
          // Let the full bar show for a moment, then load the results.
          window.setTimeout(function () { window.location.reload(); }, 300);
        } else {
          schedule(INTERVAL);
        }
      })
      .catch(function () {
        // Back off while the server or the network is unwell.
        failures += 1;
        schedule(Math.min(MAX_DELAY, INTERVAL * Math.pow(2, failures)));
      });
  }

  schedule(INTERVAL);
})();
