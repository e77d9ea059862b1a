// Browser side of /ws/terminal/<server>/: xterm.js <-> WebSocket.
// Output arrives only as binary frames; control messages only as JSON text frames. Keystrokes, resizes and
// acknowledgements go out as JSON. The page acknowledges output once xterm.js has rendered it, which is what
// lets the server bound what is in flight (flow control): a flood never piles up in the browser.
(function () {
  "use strict";
  const root = document.getElementById("terminal");
  const status = document.getElementById("terminal-status");
  if (!root || !window.Terminal) return;
  const ACK_EVERY = 64 * 1024;

  const term = new window.Terminal({
    cursorBlink: true,
    scrollback: 5000,
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    fontSize: 14,
    theme: { background: "#0f1720" },
  });
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(root);
  fit.fit();

  function setState(state, text) {
    root.dataset.state = state;
    status.dataset.state = state;
    status.textContent = text;
  }

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}${root.dataset.wsPath}?cols=${term.cols}&rows=${term.rows}`;
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  let rendered = 0;
  let acknowledged = 0;
  let ended = false;

  function send(message) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function control(message) {
    if (message.type === "status" && message.state === "connected") {
      setState("connected", `Connected to ${message.server}. Session ${message.session}.`);
      term.focus();
    } else if (message.type === "status" && message.state === "error") {
      status.textContent = message.message;
    } else if (message.type === "closed") {
      ended = true;
      setState("closed", `Session closed: ${message.message} (${message.reason}).`);
      term.options.disableStdin = true;
    }
  }

  ws.onmessage = (event) => {
    if (typeof event.data === "string") {
      control(JSON.parse(event.data));
      return;
    }
    const bytes = new Uint8Array(event.data);
    term.write(bytes, () => {
      rendered += bytes.length;
      if (rendered - acknowledged >= ACK_EVERY) {
        acknowledged = rendered;
        send({ type: "ack", bytes: rendered });
      }
    });
  };
  ws.onclose = (event) => {
    if (ended) return;
    const why = event.code === 4401 ? "not signed in" : event.code === 4403 ? "not allowed" : `code ${event.code}`;
    setState("closed", `Connection closed (${why}).`);
    term.options.disableStdin = true;
  };
  term.onData((data) => send({ type: "input", data: data }));
  term.onResize((size) => send({ type: "resize", cols: size.cols, rows: size.rows }));
  window.addEventListener("resize", () => fit.fit());
})();
