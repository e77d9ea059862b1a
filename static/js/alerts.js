// Live alert list: re-fetch the rows fragment every 10 s (server-rendered and escaped; inserted as HTML).
(function () {
  "use strict";
  var rows = document.getElementById("alert-rows");
  var status = document.getElementById("live-status");
  if (!rows) { return; }
  function refresh() {
    // Ticked rows wait for the bulk acknowledge: replacing them would drop the ticks.
    if (rows.querySelector("input[type=checkbox]:checked")) { status.textContent = "live: paused while alerts are ticked"; return; }
    fetch(rows.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { rows.innerHTML = html; status.textContent = "live: updated " + new Date().toLocaleTimeString(); })
      .catch(function () { status.textContent = "live: refresh failed, retrying"; });
  }
  setInterval(refresh, 10000);
})();
