/* Chat panel: one WebSocket per panel; tokens are appended as text, the finished reply is replaced by the
   server's sanitized HTML. Nothing the model writes is ever inserted as HTML before the server sanitized it. */
(function () {
  "use strict";
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function setup(panel) {
    const id = panel.dataset.chatSession;
    const log = panel.querySelector(".chat-log");
    const proposals = panel.querySelector(".chat-proposals");
    const form = panel.querySelector(".chat-form");
    const stop = panel.querySelector(".chat-stop");
    const status = panel.querySelector(".chat-status");
    const bubbles = {};
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/chat/" + id + "/");

    function bubble(message) {
      let node = bubbles[message.id];
      if (!node) {
        node = el("div", "chat-msg " + message.role);
        bubbles[message.id] = node;
        log.appendChild(node);
      }
      if (message.html !== undefined && message.role === "assistant") node.innerHTML = message.html;
      else node.textContent = message.content || "";
      if (message.status && message.status !== "complete") node.appendChild(el("div", "muted", "(" + message.status + ")"));
      if (message.role === "assistant" && message.model && message.status === "complete") node.appendChild(el("div", "muted chat-model", message.model));
      log.scrollTop = log.scrollHeight;
      return node;
    }
    function proposal(p) {
      let node = proposals.querySelector('[data-proposal="' + p.id + '"]');
      if (!node) {
        node = el("div", "chat-proposal card");
        node.dataset.proposal = p.id;
        proposals.appendChild(node);
      }
      const plan = p.plan || {};
      const lines = (plan.steps || []).flatMap(function (step) {
        return step.runs.map(function (run) { return step.name + (run.target ? " @ " + run.target : "") + ": " + run.rendered; });
      });
      node.replaceChildren(
        el("strong", "", "Proposed runbook: " + p.runbook_name),
        el("pre", "", JSON.stringify({params: p.params, targets: p.targets}, null, 2)),
        el("p", "", p.reason),
        el("p", "muted", "Dry-run plan (nothing has run):"),
        el("pre", "", lines.join("\n") || "(no steps)"),
        el("p", plan.ok === false ? "error" : "muted", (plan.problems || []).join("; ")),
        el("p", "muted", "Status: " + p.status + (p.execution_id ? " — execution #" + p.execution_id : "") + (p.error ? " — " + p.error : ""))
      );
      if (p.status === "proposed") {
        ["confirm", "decline"].forEach(function (kind) {
          const button = el("button", kind === "confirm" ? "" : "secondary", kind === "confirm" ? "Request execution" : "Decline");
          button.type = "button";
          button.addEventListener("click", function () { socket.send(JSON.stringify({type: kind, proposal: p.id})); });
          node.appendChild(button);
        });
      }
    }
    function busy(on) { stop.disabled = !on; form.querySelector('button[type="submit"]').disabled = on; }

    socket.addEventListener("message", function (event) {
      const data = JSON.parse(event.data);
      if (data.type === "history") { data.messages.forEach(bubble); data.proposals.forEach(proposal); }
      else if (data.type === "started") { bubbles[data.message] = bubble({id: data.message, role: "assistant", content: ""}); busy(true); }
      else if (data.type === "token") { const node = bubbles[data.message]; if (node) node.textContent += data.text; }
      else if (data.type === "done") { bubble(data.message); busy(false); }
      else if (data.type === "stopped") { status.textContent = "Stopped."; busy(false); }
      else if (data.type === "proposal") { proposal(data.proposal); }
      else if (data.type === "error") { status.textContent = data.detail; busy(false); }
    });
    socket.addEventListener("close", function () { status.textContent = "Disconnected; reload to continue."; busy(false); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = form.content.value.trim();
      if (!text) return;
      bubble({id: "local-" + Date.now(), role: "user", content: text});
      socket.send(JSON.stringify({type: "message", content: text}));
      form.content.value = "";
      status.textContent = "";
    });
    stop.addEventListener("click", function () { socket.send(JSON.stringify({type: "stop"})); });
  }
  document.querySelectorAll("[data-chat-session]").forEach(setup);
})();
