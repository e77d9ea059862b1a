// Live lists (alerts, executions): re-fetch the rows fragment of the table body marked `data-live-rows` every 10 s
// (server-rendered and escaped; inserted as HTML). Paused while a row is ticked, so a bulk action keeps its ticks.
(function () {
  "use strict";
  var rows = document.querySelector("[data-live-rows]");
  var status = document.getElementById("live-status");
  if (!rows) { return; }
  function refresh() {
    if (rows.querySelector("input[type=checkbox]:checked")) { status.textContent = "live: paused while rows are ticked"; return; }
    fetch(rows.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { rows.innerHTML = html; status.textContent = "live: updated " + new Date().toLocaleTimeString(); })
      .catch(function () { status.textContent = "live: refresh failed, retrying"; });
  }
  setInterval(refresh, 10000);
})();
