// Runbook admin: each step shows the fields of its kind and folds to its header; a new step is numbered after the
// others; the plan preview renders the saved version for a chosen server and parameters.
(function () {
  "use strict";
  var FIELDS_OF_KIND = {
    ssh: ["command", "rollback_command", "expected_exit_codes"],
    http: ["method", "url", "credential", "tls_verify", "once", "headers", "body", "expected_statuses"]
  };

  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }

  function showKind(step) {
    var select = step.querySelector("select[name$='-kind']");
    if (!select) { return; }
    Object.keys(FIELDS_OF_KIND).forEach(function (kind) {
      FIELDS_OF_KIND[kind].forEach(function (field) {
        step.querySelectorAll(".field-" + field).forEach(function (node) { node.hidden = select.value !== kind; });
      });
    });
  }

  function foldable(step, folded) {
    var header = step.querySelector("h3");
    if (!header || header.querySelector(".step-fold")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "step-fold";
    function set(value) {
      step.classList.toggle("step-folded", value);
      button.textContent = value ? "Show" : "Fold";
      button.setAttribute("aria-expanded", value ? "false" : "true");
    }
    button.addEventListener("click", function () { set(!step.classList.contains("step-folded")); });
    header.appendChild(button);
    set(folded);
  }

  function positions() {
    return Array.prototype.map.call(document.querySelectorAll("input[name^='steps-'][name$='-position']"), function (input) {
      return parseInt(input.value, 10) || 0;
    });
  }

  function setUp(step, folded) {
    var select = step.querySelector("select[name$='-kind']");
    if (select) { select.addEventListener("change", function () { showKind(step); }); }
    showKind(step);
    foldable(step, folded);
  }

  function preview() {
    var box = document.getElementById("plan-preview");
    if (!box) { return; }
    var result = document.getElementById("preview-result");
    function run() {
      var query = new URLSearchParams();
      box.querySelectorAll("select, input").forEach(function (input) { if (input.value) { query.append(input.name, input.value); } });
      result.textContent = "Planning…";
      fetch(box.dataset.url + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { result.innerHTML = html; })
        .catch(function () { result.textContent = "The preview could not be loaded."; });
    }
    document.getElementById("preview-run").addEventListener("click", run);
    box.querySelector("select").addEventListener("change", run);
  }

  ready(function () {
    var steps = document.querySelectorAll(".inline-related[id^='steps-']:not(.empty-form)");
    steps.forEach(function (step) {
      var hasErrors = step.querySelector(".errorlist") !== null;
      setUp(step, steps.length > 2 && !hasErrors && !step.classList.contains("last-related"));
    });
    document.addEventListener("formset:added", function (event) {
      var step = event.target;
      if (!step || !step.id || step.id.indexOf("steps-") !== 0) { return; }
      var position = step.querySelector("input[name$='-position']");
      if (position) { position.value = Math.max.apply(null, [0].concat(positions())) + 1; }
      setUp(step, false);
    });
    preview();
  });
})();
