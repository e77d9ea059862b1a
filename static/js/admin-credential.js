// Credential admin form: show only the inputs of the chosen kind (the map comes from the kind select's data).
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var kind = document.getElementById("id_kind");
    if (!kind || !kind.dataset.kindFields) { return; }
    var shown = JSON.parse(kind.dataset.kindFields);
    var all = {};
    Object.keys(shown).forEach(function (k) { shown[k].forEach(function (f) { all[f] = true; }); });
    function apply() {
      var wanted = shown[kind.value] || [];
      Object.keys(all).forEach(function (field) {
        document.querySelectorAll(".field-" + field).forEach(function (row) {
          row.hidden = wanted.indexOf(field) === -1;
        });
      });
    }
    kind.addEventListener("change", apply);
    apply();
  });
})();
