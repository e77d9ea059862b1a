// Replays an asciicast v2 recording in xterm.js: play in real time (long pauses cut to 2 s), faster, or all at once.
(function () {
  "use strict";
  const root = document.getElementById("player");
  if (!root || !window.Terminal) return;
  const status = document.getElementById("player-status");
  const speed = document.getElementById("player-speed");
  const MAX_PAUSE = 2.0;
  let header = null;
  let events = [];
  let term = null;
  let timer = null;

  function reset() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (term) term.dispose();
    term = new window.Terminal({ cols: header.width, rows: header.height, disableStdin: true, scrollback: 5000 });
    term.open(root);
  }

  function apply(event) {
    const [, code, data] = event;
    if (code === "o") term.write(data);
    else if (code === "r") {
      const [cols, rows] = data.split("x").map(Number);
      if (cols > 0 && rows > 0) term.resize(cols, rows);
    }
  }

  function done() {
    root.dataset.state = "done";
    status.textContent = `Replayed ${events.length} events.`;
  }

  function play() {
    reset();
    root.dataset.state = "playing";
    let index = 0;
    let clock = 0;
    const step = () => {
      if (index >= events.length) return done();
      apply(events[index]);
      index += 1;
      if (index >= events.length) return done();
      const gap = Math.min(events[index][0] - clock, MAX_PAUSE);
      clock = events[index][0];
      timer = setTimeout(step, Math.max(0, (gap * 1000) / Number(speed.value)));
    };
    step();
  }

  function showAll() {
    reset();
    events.forEach(apply);
    done();
  }

  fetch(root.dataset.src, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    })
    .then((text) => {
      const lines = text.split("\n").filter((line) => line.trim());
      header = JSON.parse(lines[0]);
      events = lines.slice(1).map((line) => JSON.parse(line));
      root.dataset.state = "ready";
      status.textContent = `${events.length} events, ${header.width}×${header.height}.`;
      document.getElementById("player-play").addEventListener("click", play);
      document.getElementById("player-all").addEventListener("click", showAll);
    })
    .catch((error) => {
      root.dataset.state = "error";
      status.textContent = `Could not load the recording: ${error.message}`;
    });
})();
