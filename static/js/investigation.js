// Live investigation: render the server's snapshot, then apply the socket's events (a snapshot replaces everything;
// entries and commands are keyed by id, so a repeated event changes nothing). Everything the model or a command
// wrote is inserted as text, never as HTML. Decisions are ordinary POSTed forms (copied from a <template>).
(function () {
  "use strict";
  const script = document.currentScript;
  const investigationId = script.dataset.investigation;
  const canDecide = script.dataset.canDecide === "1";
  const decideUrl = script.dataset.decideUrl;
  const runbooks = JSON.parse(document.getElementById("inv-runbooks").textContent);
  const FINISHED = ["completed", "stopped", "failed"];
  const entries = new Map();
  const commands = new Map();
  const transcriptEl = document.getElementById("inv-transcript");
  const commandsEl = document.getElementById("inv-commands");
  const pendingEl = document.getElementById("inv-pending");
  const liveEl = document.getElementById("inv-live");

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function applyStatus(inv) {
    const status = document.getElementById("inv-status");
    status.textContent = inv.status.replace("_", " ");
    status.className = "badge " + inv.status;
    document.getElementById("inv-reason").textContent = (inv.end_reason || "").replace("_", " ") + (inv.error ? ": " + inv.error : "");
    const u = inv.usage, b = inv.budgets;
    document.getElementById("inv-usage").textContent =
      "Steps " + u.steps + " / " + b.max_steps + " · tokens " + (u.prompt_tokens + u.completion_tokens) + " / " + b.max_tokens +
      " · cost $" + u.cost_usd + " / $" + b.max_cost_usd + " · time limit " + b.max_seconds + " s · " + (inv.provider_name || "") + " " + (inv.model || "");
    const stop = document.getElementById("inv-stop");
    if (stop && FINISHED.indexOf(inv.status) >= 0) stop.hidden = true;
    applyFinding(inv.finding || {});
  }

  function applyFinding(finding) {
    const box = document.getElementById("inv-finding");
    if (!finding.summary) return;
    box.hidden = false;
    box.querySelector(".finding-summary").textContent = finding.summary;
    box.querySelector(".finding-cause").textContent = finding.likely_cause || "";
    const list = box.querySelector(".finding-evidence");
    list.replaceChildren();
    (finding.evidence || []).forEach(function (item) {
      const li = el("li");
      li.appendChild(el("code", "", item.command));
      if (item.server) li.appendChild(el("span", "muted", " on " + item.server));
      li.appendChild(el("span", "", ": " + (item.observation || "")));
      list.appendChild(li);
    });
    const rec = finding.recommendation || {};
    const recEl = box.querySelector(".finding-recommendation");
    recEl.replaceChildren();
    if (rec.runbook) {
      const url = runbooks[rec.runbook];
      const name = el(url ? "a" : "code", "runbook-link", rec.runbook);
      if (url) {
        const params = Object.keys(rec.params || {}).map(function (k) { return k + "=" + rec.params[k]; }).join("\n");
        name.href = url + (params ? "?params=" + encodeURIComponent(params) : "");
      }
      recEl.appendChild(el("span", "", "Runbook "));
      recEl.appendChild(name);
      recEl.appendChild(el("span", "", " "));
    }
    if (rec.next_step) recEl.appendChild(el("span", "", rec.next_step));
  }

  function applyEntry(entry) {
    let node = entries.get(entry.id);
    if (!node) {
      node = el("li", "entry");
      entries.set(entry.id, node);
      const after = Array.from(transcriptEl.children).find(function (li) { return Number(li.dataset.seq) > entry.seq; });
      transcriptEl.insertBefore(node, after || null);
    }
    node.dataset.seq = entry.seq;
    node.className = "entry " + entry.kind;
    const label = entry.kind === "tool_call" ? "calls " + entry.tool : entry.kind.replace("_", " ");
    const body = entry.kind === "tool_call" ? JSON.stringify(entry.arguments) : entry.content;
    node.replaceChildren(el("strong", "", label + (body ? ": " : "")));
    if (body) node.appendChild(el("pre", "", body));
  }

  function decision(command) {
    const form = document.getElementById("decision-form").content.firstElementChild.cloneNode(true);
    form.action = decideUrl.replace("/0/", "/" + command.id + "/");
    return form;
  }

  function applyCommand(command) {
    commands.set(command.id, command);
    let node = commandsEl.querySelector('[data-command="' + command.id + '"]');
    if (!node) {
      node = el("section", "card command");
      node.dataset.command = command.id;
      commandsEl.appendChild(node);
    }
    const parts = [
      el("p", "", ""),
      el("pre", "cmd", command.command),
      el("p", "why", "Why: " + (command.why || "")),
    ];
    parts[0].append(el("span", "badge " + command.status, command.status.replace("_", " ")), el("span", "muted", " on " + command.server_name +
      (command.policy_reason ? " · " + command.policy_reason : "") + (command.decided_by ? " · decided by " + command.decided_by : "") +
      (command.decision_reason ? " (" + command.decision_reason + ")" : "") + (command.exit_code !== null ? " · exit " + command.exit_code : "")));
    if (command.output) parts.push(el("pre", "out", command.output + (command.output_truncated ? "\n… (truncated)" : "")));
    if (command.error) parts.push(el("p", "error", command.error));
    node.replaceChildren.apply(node, parts);
    renderPending();
  }

  function renderPending() {
    const waiting = Array.from(commands.values()).filter(function (c) { return c.status === "pending"; });
    pendingEl.replaceChildren();
    if (!waiting.length) {
      pendingEl.appendChild(el("p", "muted", "None."));
      return;
    }
    waiting.forEach(function (command) {
      const card = el("section", "card approval pending-command");
      card.dataset.pending = command.id;
      card.append(el("p", "", "The model asks to run on " + command.server_name + ":"), el("pre", "cmd", command.command),
        el("p", "why", "Its reason: " + (command.why || "(none given)")), el("p", "muted", command.policy_reason || ""));
      if (canDecide) card.appendChild(decision(command));
      else card.appendChild(el("p", "muted", "An approver other than the requester decides."));
      pendingEl.appendChild(card);
    });
  }

  function applySnapshot(snap) {
    entries.clear();
    commands.clear();
    transcriptEl.replaceChildren();
    commandsEl.replaceChildren();
    snap.entries.forEach(applyEntry);
    snap.commands.forEach(applyCommand);
    renderPending();
    applyStatus(snap.investigation);
  }

  function handle(event) {
    if (event.type === "snapshot") applySnapshot(event);
    else if (event.type === "investigation.entry") applyEntry(event.entry);
    else if (event.type === "investigation.command") applyCommand(event.command);
    else if (event.type === "investigation.status") applyStatus(event.investigation);
    else if (event.type === "closed") liveEl.textContent = "(" + event.message + ")";
  }

  applySnapshot(JSON.parse(document.getElementById("inv-snapshot").textContent));
  let retry = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/investigations/" + investigationId + "/");
    socket.onopen = function () { liveEl.textContent = "(live)"; retry = 1000; };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function (close) {
      if (close.code >= 4000) {
        if (liveEl.textContent === "(live)") liveEl.textContent = "(closed)";
        return;
      }
      liveEl.textContent = "(reconnecting…)";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
