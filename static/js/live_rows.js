// Live lists (alerts, executions, approvals): every 10 s, re-fetch the fragment of the element marked `data-live-rows`
// (server-rendered and escaped; inserted as HTML). Paused while a row is ticked or a reason is being typed. A fragment
// answered with an `X-Live-Count` header also sets the page's `data-live-count` number (the approvals' "N waiting").
(function () {
  "use strict";
  var rows = document.querySelector("[data-live-rows]");
  var status = document.getElementById("live-status");
  var count = document.querySelector("[data-live-count]");
  if (!rows) { return; }
  // Replacing the rows would drop ticks, a half-typed reason or the focus: wait until the form is left alone.
  function busy() {
    if (rows.querySelector("input[type=checkbox]:checked")) { return true; }
    if (rows.contains(document.activeElement) && document.activeElement !== rows) { return true; }
    return Array.prototype.some.call(rows.querySelectorAll("input[type=text], input:not([type]), textarea"), function (el) {
      return el.value !== "";
    });
  }
  function refresh() {
    if (busy()) { status.textContent = "live: paused while you are filling in a form"; return; }
    fetch(rows.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text().then(function (html) { return { html: html, count: r.headers.get("X-Live-Count") }; });
      })
      .then(function (got) {
        rows.innerHTML = got.html;
        if (count && got.count !== null) { count.textContent = got.count; }
        status.textContent = "live: updated " + new Date().toLocaleTimeString();
      })
      .catch(function () { status.textContent = "live: refresh failed, retrying"; });
  }
  setInterval(refresh, 10000);
})();
