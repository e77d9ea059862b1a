"""The moving parts of bench/soak.py: a PostgreSQL proxy that can be cut, the product's process groups, senders that
behave like Alertmanager, and the fault injector."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.lifecycle import child, stop
from tests.processes import daphne_args, free_port, wait_http
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent


# --- PostgreSQL behind a proxy that can be cut ----------------------------------------------------------------------
class Proxy:
    """Forwards loopback TCP to PostgreSQL; `cut(s)` drops every connection and refuses new ones for s seconds."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.listener.getsockname()[1]
        self.cut_until = 0.0
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            if time.monotonic() < self.cut_until:
                client.close()  # as if PostgreSQL were unreachable
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # shutdown() before close(): it wakes the other direction's thread blocked in recv() (a bare close() does
            # not, and the upstream connection, with its open transaction and row locks, would outlive the client).
            for sock in (source, sink):
                with self.lock:
                    self.sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self, seconds: float) -> None:
        self.cut_until = time.monotonic() + seconds
        with self.lock:
            doomed = list(self.sockets)
        for sock in doomed:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# --- the product's processes ----------------------------------------------------------------------------------------
class Cluster:
    """The web and worker process groups, each started with its own environment."""

    def __init__(self, work: Path, env: dict[str, str], web: int, workers: int, q_workers: int) -> None:
        self.work, self.env, self.q_workers = work, env, q_workers
        self.groups: list[int] = []  # every process group started, so orphans of a killed process are stopped too
        self.contexts: list[Any] = []
        self.ports = [free_port() for _ in range(web)]
        self.webs = [self._start(daphne_args(port), f"web-{n}") for n, port in enumerate(self.ports)]
        self.workers = [self._start(self._qcluster(), f"worker-{n}") for n in range(workers)]
        for port, process in zip(self.ports, self.webs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", process)

    def _qcluster(self) -> list[str]:
        return [sys.executable, "manage.py", "qcluster"]

    def _start(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        # Each process gets a copy of the environment: nothing is shared but PostgreSQL and Redis.
        env = {**self.env, "Q_WORKERS": str(self.q_workers), "PROCESS_NAME": name}
        context = child(args, cwd=ROOT, env=env, log=self.work / f"{name}.log")
        process = context.__enter__()
        self.contexts.append(context)  # held: a collected context would stop its process
        self.groups.append(process.pid)
        return process

    def restart_worker(self, index: int) -> None:
        self.workers[index] = self._start(self._qcluster(), f"worker-{index}")

    def stop(self) -> None:
        for process in [*self.webs, *self.workers]:
            stop(process)
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)


def descendants(pid: int, depth: int = 99) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [(pid, 0)]
    while todo:
        parent, level = todo.pop()
        for kid in parents.get(parent, []) if level < depth else []:
            found.append(kid)
            todo.append((kid, level + 1))
    return found


# --- Alertmanager-like senders ------------------------------------------------------------------------------------
class Senders:
    """Threads posting deliveries round-robin to the web processes, retrying like Alertmanager."""

    def __init__(self, ports: list[int], token: str, retry_seconds: float) -> None:
        self.ports, self.token, self.retry_seconds = ports, token, retry_seconds
        self.statuses: Counter[str] = Counter()
        self.acknowledged: set[str] = set()
        self.given_up: set[str] = set()
        self.lock = threading.Lock()
        self.work: queue.Queue[tuple[int, list[dict[str, object]]] | None] = queue.Queue()

    def post(self, port: int, body: bytes) -> tuple[str, float]:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            connection.request("POST", "/hooks/alertmanager/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            retry = float(response.getheader("Retry-After") or 1)
            connection.close()
            return str(response.status), retry
        except OSError as exc:
            return f"connection error ({type(exc).__name__})", 1.0

    def deliver(self, index: int, alerts: list[dict[str, object]]) -> None:
        body = json.dumps({"version": "4", "status": "firing", "receiver": "soak", "alerts": alerts}).encode()
        give_up = time.monotonic() + self.retry_seconds
        attempt = 0
        while True:
            status, retry = self.post(self.ports[(index + attempt) % len(self.ports)], body)
            with self.lock:
                self.statuses[status] += 1
            if status.startswith("2"):
                with self.lock:
                    self.acknowledged |= {str(a["fingerprint"]) for a in alerts}
                return
            attempt += 1
            if time.monotonic() + retry > give_up:
                with self.lock:
                    self.given_up |= {str(a["fingerprint"]) for a in alerts}
                return
            time.sleep(min(retry, 5) * random.uniform(0.5, 1.0))

    def run(self, threads: int) -> list[threading.Thread]:
        def loop() -> None:
            while (item := self.work.get()) is not None:
                self.deliver(*item)

        started = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
        for thread in started:
            thread.start()
        return started


def make_alerts(count: int, servers: int, round_label: str, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    alerts = []
    for n in range(count):
        lines = rng.choice([1, 50, 2000, 10_900, 12_000, rng.randint(1, 20_000)])  # under, at and over the limit
        labels = {
            "alertname": "SoakDown",
            "instance": f"soak-{n % servers:02d}:9100",
            "lines": str(lines),
            "round": round_label,
            "n": str(n),
        }
        alerts.append(
            {
                "status": "firing",
                "labels": labels,
                "annotations": {},
                "startsAt": "2026-12-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": f"{round_label}-{n:06d}",
            }
        )
    return alerts


def batches(alerts: list[dict[str, object]], rng: random.Random) -> list[list[dict[str, object]]]:
    out, i = [], 0
    while i < len(alerts):
        size = rng.randint(1, 10)
        out.append(alerts[i : i + size])
        i += size
    return out


# --- faults ---------------------------------------------------------------------------------------------------------
class Faults:
    """SIGKILLs workers at random moments, restarts Redis, cuts PostgreSQL: logged with their times."""

    def __init__(self, cluster: Cluster, redis: RedisServer, proxy: Proxy, rng: random.Random, started: float) -> None:
        self.cluster, self.redis, self.proxy, self.rng, self.started = cluster, redis, proxy, rng, started
        self.log: list[str] = []
        self.counts: Counter[str] = Counter()

    def note(self, kind: str, what: str) -> None:
        self.counts[kind] += 1
        self.log.append(f"{time.monotonic() - self.started:6.1f}s {what}")
        print(self.log[-1], flush=True)

    def kill_worker(self) -> None:
        index = self.rng.randrange(len(self.cluster.workers))
        group = self.cluster.workers[index]
        sentinels = descendants(group.pid, depth=1)
        kids = [pid for sentinel in sentinels for pid in descendants(sentinel, depth=1)]  # workers, pusher, monitor
        if kids and self.rng.random() < 0.6:  # one process of the cluster: a worker (or its pusher / monitor)
            victim = self.rng.choice(kids)
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                return
            self.note("worker_process_killed", f"SIGKILL worker-{index} process {victim}")
            return
        try:
            os.killpg(group.pid, signal.SIGKILL)  # the whole machine's worker dies
        except ProcessLookupError:
            pass
        group.wait()
        self.note("worker_group_killed", f"SIGKILL worker-{index} process group; restarting it in 3 s")
        time.sleep(3)
        self.cluster.restart_worker(index)

    def restart_redis(self, down: float = 4) -> None:
        self.redis.stop()
        self.note("redis_restarts", f"Redis killed (queued messages are lost); back in {down:g} s")
        time.sleep(down)
        self.redis.start()

    def cut_postgres(self, seconds: float) -> None:
        self.note("postgres_cuts", f"PostgreSQL cut for {seconds:g} s")
        self.proxy.cut(seconds)
        time.sleep(seconds)

    def run(self, until: float, redis_at: list[float], cut_at: float, cut_seconds: float) -> None:
        plan = sorted([(t, "redis") for t in redis_at] + [(cut_at, "cut")])
        next_kill = time.monotonic() + self.rng.uniform(5, 15)
        while time.monotonic() < until:
            now = time.monotonic() - self.started
            if plan and now >= plan[0][0]:
                _, kind = plan.pop(0)
                self.restart_redis() if kind == "redis" else self.cut_postgres(cut_seconds)
            elif time.monotonic() >= next_kill:
                self.kill_worker()
                next_kill = time.monotonic() + self.rng.uniform(6, 18)
            time.sleep(0.2)
