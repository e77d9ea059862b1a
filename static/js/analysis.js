// Live AI analysis on the alert page: while an analysis is queued or running, re-read this page every 3 s and swap
// in its server-rendered (escaped) analyses; stop once every analysis has finished. Only #ai-analyses is replaced,
// so the chat panel beside it keeps its connection and what is being typed.
(function () {
  "use strict";
  var FINISHED = ["succeeded", "invalid", "failed"];
  var DELAY = 3000;

  function pending(root) {
    return Array.prototype.some.call(root.querySelectorAll("section.analysis[data-status]"), function (el) {
      return FINISHED.indexOf(el.dataset.status) === -1;
    });
  }

  function poll() {
    var current = document.getElementById("ai-analyses");
    if (!current || !pending(current)) { return; }
    fetch(location.pathname, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ai-analyses");
        if (fresh) { current.innerHTML = fresh.innerHTML; }
        setTimeout(poll, DELAY);
      })
      .catch(function () { setTimeout(poll, DELAY * 3); });
  }

  setTimeout(poll, DELAY);
})();
