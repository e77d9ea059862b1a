// Live execution view: render the server's snapshot, then apply WebSocket events (which start with a fresh
// snapshot on every (re)connect, so a reload or a dropped connection never loses or repeats output).
(function () {
  "use strict";
  const script = document.currentScript;
  const executionId = script.dataset.execution;
  const stepsEl = document.getElementById("steps");
  const statusEl = document.getElementById("status");
  const reasonEl = document.getElementById("reason");
  const liveEl = document.getElementById("live");
  const rows = new Map();
  const FINISHED = ["succeeded", "failed", "error", "cancelled", "rejected", "expired"];

  function rowEl(run) {
    let el = rows.get(run.id);
    if (!el) {
      el = document.createElement("section");
      el.className = "steprun";
      el.innerHTML = '<h3></h3><pre class="cmd"></pre><pre class="out"></pre><pre class="err"></pre><p class="error"></p>';
      stepsEl.appendChild(el);
      rows.set(run.id, el);
    }
    return el;
  }

  function applyRun(run) {
    const el = rowEl(run);
    if (run.step_name === undefined) return;
    const where = run.target_name ? " @ " + run.target_name : "";
    const extra = [run.phase === "rollback" ? "rollback" : "", "attempt " + run.attempt,
      run.exit_code !== null && run.exit_code !== undefined ? "exit " + run.exit_code : "",
      run.http_status ? "HTTP " + run.http_status : ""].filter(Boolean).join(" · ");
    el.querySelector("h3").textContent = run.step_name + where + " — " + run.status + " (" + extra + ")";
    el.querySelector(".cmd").textContent = run.rendered || "";
    el.querySelector(".error").textContent = run.error || "";
    if (run.stdout !== undefined) el.querySelector(".out").textContent = run.stdout;
    if (run.stderr !== undefined) el.querySelector(".err").textContent = run.stderr;
  }

  function applyStatus(state) {
    statusEl.textContent = state.status;
    statusEl.className = "badge " + state.status;
    reasonEl.textContent = state.status_reason || "";
    [["started", state.started_at_text], ["finished", state.finished_at_text], ["duration", state.duration_text]]
      .forEach(function (pair) {
        const el = document.getElementById(pair[0]);
        if (el && pair[1] !== undefined) el.textContent = pair[1] || "—";
      });
    // A finished run cannot be cancelled: the button goes as soon as the run ends, not on the next reload.
    const cancelForm = document.getElementById("cancel-form");
    if (cancelForm && FINISHED.indexOf(state.status) !== -1) cancelForm.remove();
  }

  function apply(event) {
    if (event.type === "snapshot") {
      stepsEl.textContent = "";
      rows.clear();
      applyStatus(event.execution);
      event.step_runs.forEach(applyRun);
    } else if (event.type === "status") {
      applyStatus(event.execution);
    } else if (event.type === "step_run") {
      applyRun(event.step_run);
    } else if (event.type === "output") {
      const el = rowEl({ id: event.step_run });
      el.querySelector(event.stream === "stderr" ? ".err" : ".out").textContent += event.text;
    }
  }

  apply(JSON.parse(document.getElementById("snapshot").textContent));

  let delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/executions/" + executionId + "/");
    socket.onopen = function () { liveEl.textContent = "· live"; delay = 1000; };
    socket.onmessage = function (message) { apply(JSON.parse(message.data)); };
    socket.onclose = function (event) {
      liveEl.textContent = "";
      if (event.code >= 4400) { liveEl.textContent = "· not allowed to follow live"; return; }
      if (FINISHED.indexOf(statusEl.textContent) === -1) { setTimeout(connect, delay); delay = Math.min(delay * 2, 15000); }
    };
  }
  connect();
})();
