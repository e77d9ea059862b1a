"""Terminal benchmark: keystroke round trip and output throughput through the real server vs a direct PTY channel.

    .venv/bin/python bench/terminal.py [--keystrokes 300] [--bytes 20000000]

Starts a private OpenSSH sshd on loopback (tests/sshd.py, key login), a SQLite database in a temp directory and a
real Daphne process serving config.asgi; signs in through /login/ and opens /ws/terminal/<id>/ with the session
cookie (aiohttp's WebSocket client, acknowledging output like the page does). Then, in the same run, a direct
paramiko PTY channel to the same sshd does the same work. Needs root (sshd) — the same as the test fixture.
Every wait is bounded (a read, each measured path, the whole run); stopped by a signal it stops Daphne and sshd,
and Daphne also dies with it when it is SIGKILLed (bench/lifecycle.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("CRYPTOGRAPHY_KEY", secrets.token_urlsafe(32))

import aiohttp  # noqa: E402
import paramiko  # noqa: E402

from bench.lifecycle import child, deadline, exit_on_signals  # noqa: E402
from tests import sshd as sshd_module  # noqa: E402
from tests.processes import daphne_args, free_port, product_env, wait_http  # noqa: E402

USER_PASSWORD = "bench-" + secrets.token_urlsafe(12)  # the portal user's
MARKER_CMD, MARKER = "echo END-$((40+2))\r", b"END-42"
ACK_EVERY = 64 * 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def flood_command(size: int) -> str:
    return f"head -c {size} /dev/urandom | base64; {MARKER_CMD}"


# --- through the product ------------------------------------------------------------------------------------------
class WebTerminal:
    """A WebSocket client that behaves like the page: JSON input, binary output, acknowledgements."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.received, self.acked = ws, 0, 0

    async def send(self, data: str) -> None:
        await self.ws.send_str(json.dumps({"type": "input", "data": data}))

    async def read(self) -> bytes:
        while True:
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)
                if self.received - self.acked >= ACK_EVERY:
                    self.acked = self.received
                    await self.ws.send_str(json.dumps({"type": "ack", "bytes": self.received}))
                return message.data
            if message.type == aiohttp.WSMsgType.TEXT:
                continue
            raise RuntimeError(f"WebSocket ended: {message.type} {message.data}")

    async def read_until(self, needle: bytes) -> int:
        seen, tail = 0, b""
        while needle not in tail:
            chunk = await self.read()
            seen += len(chunk)
            tail = (tail + chunk)[-4096:]
        return seen


async def web_run(base: str, server_id: int, keystrokes: int, size: int) -> dict[str, float]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        page = await (await http.get(f"{base}/login/")).text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = {"username": "operator", "password": USER_PASSWORD, "csrfmiddlewaretoken": token}
        await http.post(f"{base}/login/", data=form)
        url = f"{base.replace('http', 'ws')}/ws/terminal/{server_id}/?cols=200&rows=50"
        async with http.ws_connect(url, origin=base, max_msg_size=0) as ws:
            term = WebTerminal(ws)
            await term.send("PS1='$ '\r" + MARKER_CMD)
            await term.read_until(MARKER)
            return await measure(term.send, term.read, term.read_until, keystrokes, size)


async def measure(send, read, read_until, keystrokes: int, size: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    latencies = []
    for _ in range(keystrokes):
        started = time.perf_counter()
        await send("a")
        while b"a" not in await read():
            pass
        latencies.append((time.perf_counter() - started) * 1000)
    await send("\x15")  # Ctrl-U: discard the typed line
    await send(flood_command(size))
    await read_until(b"base64;")  # the echo of the command line itself
    started = time.perf_counter()
    got = await read_until(MARKER)
    seconds = time.perf_counter() - started
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "mb_per_s": got / seconds / 1e6,
        "mb": got / 1e6,
        "seconds": seconds,
    }


# --- in Chromium: is the page still responsive during the flood? ----------------------------------------------
SAMPLER = """() => { window.lags = []; let last = performance.now();
  window.sampler = setInterval(() => {
    const now = performance.now(); lags.push(now - last - 50); last = now; }, 50); }"""


def browser_run(base: str, server_id: int, size: int) -> dict[str, float]:
    """Flood the real page; sample how late a 50 ms timer fires on the page's main thread meanwhile."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.realparts import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # bypass_csp: the waits below are evaluated as strings, which the portal's CSP (no unsafe-eval) refuses
        page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "operator")
        page.fill("input[name=password]", USER_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/terminal/servers/{server_id}/")
        page.wait_for_selector("#terminal[data-state=connected]")
        page.click("#terminal")
        page.evaluate(SAMPLER)
        started = time.perf_counter()
        page.keyboard.type(flood_command(size).replace("\r", "\n"))
        page.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('END-42')", timeout=300_000)
        seconds = time.perf_counter() - started
        lags = page.evaluate("() => { clearInterval(sampler); return lags; }")
        browser.close()
    return {
        "seconds": seconds,
        "lag_p50": statistics.median(lags),
        "lag_p99": percentile(lags, 99),
        "lag_max": max(lags),
    }


# --- direct paramiko PTY --------------------------------------------------------------------------------------------
def direct_run(server: sshd_module.SSHServer, key_text: str, keystrokes: int, size: int) -> dict[str, float]:
    client = paramiko.SSHClient()
    host_type, host_b64 = server.host_key_line().split()[:2]
    client.get_host_keys().add(
        f"[{server.host}]:{server.port}",
        host_type,
        paramiko.PKey.from_type_string(host_type, __import__("base64").b64decode(host_b64)),
    )
    pkey = paramiko.Ed25519Key.from_private_key(__import__("io").StringIO(key_text))
    client.connect(
        server.host,
        server.port,
        server.username,
        pkey=pkey,
        allow_agent=False,
        look_for_keys=False,
        timeout=30,
        banner_timeout=30,
        auth_timeout=30,
    )
    channel = client.invoke_shell(term="xterm-256color", width=200, height=50)
    # recv() blocks the event loop, so asyncio.wait_for cannot interrupt it: every read has its own bound instead.
    channel.settimeout(READ_TIMEOUT)

    async def send(data: str) -> None:
        channel.sendall(data.encode())

    async def read() -> bytes:
        return channel.recv(65536)

    async def read_until(needle: bytes) -> int:
        seen, tail = 0, b""
        while needle not in tail:
            chunk = channel.recv(65536)
            seen += len(chunk)
            tail = (tail + chunk)[-4096:]
        return seen

    try:
        channel.sendall(("PS1='$ '\r" + MARKER_CMD).encode())
        asyncio.run(asyncio.wait_for(read_until(MARKER), RUN_TIMEOUT))
        return asyncio.run(asyncio.wait_for(measure(send, read, read_until, keystrokes, size), RUN_TIMEOUT))
    finally:
        client.close()


# --- setup ------------------------------------------------------------------------------------------------------------
def setup(work: Path) -> tuple[sshd_module.SSHServer, sshd_module.ClientKey, dict[str, str], int]:
    password = sshd_module.shared_password()  # the one a concurrent test run may be using too
    sshd_module.ensure_test_user(password)
    server = sshd_module.start_sshd(work / "sshd", password)
    key = sshd_module.make_client_key(work, "ed25519")
    server.authorize(key)
    env = product_env(
        DATABASE_URL="",
        REDIS_URL="",
        SQLITE_PATH=str(work / "bench.sqlite3"),
        LOG_LEVEL="WARNING",
        TERMINAL_RECORDINGS_DIR=str(work / "recordings"),
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    spec = {
        "username": "operator",
        "server": "bench",
        "host": server.host,
        "port": server.port,
        "ssh_user": server.username,
        "key": key.private_text,
        "host_key": server.host_key_line(),
        "password": USER_PASSWORD,
    }
    out = subprocess.run(
        [sys.executable, "-m", "tests.browser.live_setup"],
        cwd=ROOT,
        env={**env, "LIVE_SETUP": json.dumps(spec)},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"setup failed:\n{out.stderr}")
    return server, key, env, json.loads(out.stdout)["server_id"]


RUN_TIMEOUT = 300  # seconds for one path's measurement (normally about 5)
READ_TIMEOUT = 60  # seconds one read of the direct channel may wait
TOTAL_TIMEOUT = 1200  # seconds for the whole run, set-up and the Chromium run included


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000_000)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium responsiveness run")
    args = parser.parse_args()
    exit_on_signals()  # killed or interrupted: the finally blocks below stop Daphne and sshd
    deadline(TOTAL_TIMEOUT)
    work = Path(tempfile.mkdtemp(prefix="bench-terminal-"))
    work.chmod(0o755)
    server, key, env, server_id = setup(work)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with child(daphne_args(port), cwd=ROOT, env=env, log=work / "daphne.log") as process:
            wait_http(f"{base}/healthz", process)
            # A stuck run fails instead of hanging (and `running` stops Daphne on the way out).
            web = asyncio.run(asyncio.wait_for(web_run(base, server_id, args.keystrokes, args.bytes), RUN_TIMEOUT))
            page = None if args.no_browser else browser_run(base, server_id, args.bytes)
        direct = direct_run(server, key.private_text, args.keystrokes, args.bytes)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(web, direct, page, args)


def report(
    web: dict[str, float], direct: dict[str, float], page: dict[str, float] | None, args: argparse.Namespace
) -> None:
    print(f"{args.keystrokes} keystrokes, head -c {args.bytes} /dev/urandom | base64 (PTY output, MB = 10^6 bytes)")
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'MB/s':>9}{'MB':>8}{'s':>7}")
    for name, row in (("web (Daphne + WS)", web), ("direct paramiko PTY", direct)):
        cells = (
            f"{row['p50_ms']:>9.3f}{row['p99_ms']:>9.3f}{row['mb_per_s']:>9.2f}{row['mb']:>8.1f}{row['seconds']:>7.2f}"
        )
        print(f"{name:<22}{cells}")
    print(f"throughput ratio web/direct: {web['mb_per_s'] / direct['mb_per_s']:.2f}")
    if page is not None:
        print(
            f"Chromium page, same flood: {page['seconds']:.1f} s until the end marker was on screen; "
            f"a 50 ms timer on the page fired late by p50 {page['lag_p50']:.0f} ms, "
            f"p99 {page['lag_p99']:.0f} ms, max {page['lag_max']:.0f} ms"
        )
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


if __name__ == "__main__":
    main()
