"""Webhook ingest benchmark: N Daphne processes (DEBUG off, PostgreSQL, Redis) and 16 senders on loopback.

    createdb -h 127.0.0.1 -U postgres remediation_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/remediation_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/ingest.py [--seconds 20] [--senders 16] [--web 2] [--sizes 1,10] [--rate-limit default]

Every request carries new episodes (unique startsAt), so each alert is an INSERT plus its decision row: the
expensive path. Prints alerts/s, requests/s and latency percentiles per payload size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SETUP = """
from alerts.models import Rule, RuleMatcher, WebhookToken
from alerts.services.webhook_tokens import create_webhook_token
from remediation.actors import Actor
WebhookToken.objects.filter(name="bench").delete()
Rule.objects.filter(name__startswith="bench-").delete()
for i, (name, op, value, action) in enumerate([
    ("team", "=", "payments", "analyze"), ("severity", "=~", "page|critical", "analyze"),
    ("env", "!=", "prod", "ignore"), ("alertname", "=~", "Bench.*", "record"), ("job", "=", "node", "record"),
]):
    rule = Rule.objects.create(name=f"bench-{i}", priority=i, action=action)
    RuleMatcher.objects.create(rule=rule, name=name, op=op, value=value)
print(create_webhook_token("bench", actor=Actor.of("system"), scope={"all_rules": True, "all_servers": True})[1])
"""


def product_env(rate_limit: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        url = env.get(name, "")
        if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"{name} must point at a loopback PostgreSQL / Redis (got {url!r})")
    env.update(
        ENV_FILE=os.devnull,
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(48),
        CRYPTOGRAPHY_KEY=env.get("CRYPTOGRAPHY_KEY") or secrets.token_urlsafe(32),
        LOG_LEVEL="WARNING",
    )
    if rate_limit != "default":  # "default": measure with the product's own WEBHOOK_RATE_LIMIT
        env["WEBHOOK_RATE_LIMIT"] = rate_limit
    # Persistent connections leak under ASGI (each request runs in its own thread), so production runs with 0.
    env.setdefault("DB_CONN_MAX_AGE", "0")
    return env


def cpu_seconds(match: str) -> float:
    """User + system CPU seconds of the live processes whose command line contains `match` (Linux /proc)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if match not in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                continue
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def alert(request: int, index: int, severity: str) -> dict[str, object]:
    return {
        "status": "firing",
        "labels": {
            "alertname": "BenchDiskFull",
            "instance": f"web-{index:03d}.example.internal:9100",
            "job": "node",
            "env": "prod",
            "severity": severity,
        },
        "annotations": {"summary": f"disk almost full on web-{index:03d}", "description": "/var is 93% full"},
        "startsAt": f"2026-11-26T{request // 3_600_000 % 24:02d}:{request // 60_000 % 60:02d}:"
        f"{request // 1000 % 60:02d}.{request % 1000:03d}Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=disk",
    }


def body(request: int, size: int, run: int) -> bytes:
    alerts = [alert(request, index, "warning") for index in range(size)]
    for item in alerts:
        item["labels"]["run"] = str(run)  # type: ignore[index]
    return json.dumps({"version": "4", "status": "firing", "receiver": "bench", "alerts": alerts}).encode()


async def sender(
    port: int, token: str, size: int, run: int, counter: list[int], stop: float, lat: list[float], errors: list[bytes]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST /hooks/alertmanager/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
    while time.perf_counter() < stop:
        counter[0] += 1
        payload = body(counter[0], size, run)
        started = time.perf_counter()
        writer.write(
            f"{head}Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
        )
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        lat.append(time.perf_counter() - started)
        if b" 202 " not in status_line:
            errors.append(status_line.strip())
    writer.close()


async def scenario(
    port: int, token: str, size: int, senders: int, seconds: float, run: int, database: str
) -> dict[str, object]:
    counter = [run * 10_000_000]
    warm: list[float] = []
    errors: list[bytes] = []
    stop = time.perf_counter() + 2
    await asyncio.gather(*(sender(port, token, size, run, counter, stop, warm, []) for _ in range(senders)))
    latencies: list[float] = []
    cpu_before = cpu_seconds("daphne -v 0 --fd"), cpu_seconds(f"postgres {database} "), time.process_time()
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(
        *(sender(port, token, size, run + 1, counter, stop, latencies, errors) for _ in range(senders))
    )
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds("daphne -v 0 --fd"), cpu_seconds(f"postgres {database} "), time.process_time()
    latencies.sort()
    return {
        "alerts_per_payload": size,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "alerts_per_s": round(len(latencies) * size / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "errors": len(errors),
        "refused_429": sum(b" 429 " in e for e in errors),
        "error_kinds": sorted({e.decode() for e in errors}),
        # Where the CPU went, per request: the web processes, this database's PostgreSQL backends, the senders.
        "cpu_ms_per_request": {
            name: round((after - before) * 1000 / max(1, len(latencies)), 2)
            for name, before, after in zip(("web", "postgres", "senders"), cpu_before, cpu_after, strict=True)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--web", type=int, default=2, help="Daphne processes sharing one listening socket")
    parser.add_argument("--sizes", default="1,10")
    parser.add_argument(
        "--rate-limit", default="100000000/m", help="WEBHOOK_RATE_LIMIT for the run; 'default' keeps the product's"
    )
    args = parser.parse_args()
    env = product_env(args.rate_limit)
    database = urlparse(env["DATABASE_URL"]).path.lstrip("/")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    token = (
        subprocess.run(
            [python, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    command = [python, "-m", "daphne", "-v", "0", "--fd", str(fd), "config.asgi:application"]
    web = [subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[fd]) for _ in range(args.web)]
    try:
        time.sleep(4)  # Django start-up in each process
        results = []
        for run, size in enumerate(int(s) for s in args.sizes.split(",")):
            results.append(
                asyncio.run(
                    scenario(port, token, size, args.senders, args.seconds, run * 2 + int(time.time()), database)
                )
            )
            print(json.dumps(results[-1]), flush=True)
        machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
        print(json.dumps({"machine": machine, "web_processes": args.web, "senders": args.senders}))
    finally:
        for process in web:
            process.terminate()
        for process in web:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
