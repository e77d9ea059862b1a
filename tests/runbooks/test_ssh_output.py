"""SSH output is drained to EOF and stored exactly (up to RUNBOOK_OUTPUT_LIMIT, truncation recorded), held in
bounded memory, and masked even when a secret arrives split across two reads."""

from __future__ import annotations

import os
import random
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from remediation.actors import Actor
from remediation.models import Credential, CredentialKind, Server
from remediation.redaction import MASK
from remediation.services.inventory import pin_host_key
from runbooks.choices import ExecutionStatus
from runbooks.executors import StepIO
from runbooks.services.attempts import TRUNCATED, OutputBuffer
from runbooks.services.runner import run_execution
from tests.factories.runbooks import execution_of, step

LIMIT = 64 * 1024
UNDER = 10_900  # `seq -w 1 10900` writes 10,900 six-byte lines: 65,400 bytes, just under the limit
OVER = 150_000  # `seq -w 1 150000`: 1,050,000 bytes


def seq_w(last: int) -> str:
    width = len(str(last))
    return "".join(f"{i:0{width}d}\n" for i in range(1, last + 1))


@pytest.fixture
def targets(sshd, authorized_keys, admin_user):  # type: ignore[no-untyped-def]
    """Four pinned servers on the real sshd (each step runs on all four at once)."""
    key = authorized_keys["ed25519_openssh"]
    credential = Credential.objects.create(
        name=f"c-{uuid.uuid4().hex[:6]}", kind=CredentialKind.SSH_KEY, private_key=key.private_text
    )
    ids = []
    for _ in range(4):
        server = Server.objects.create(
            name=f"t-{uuid.uuid4().hex[:8]}",
            hostname=sshd.host,
            port=sshd.port,
            username=sshd.username,
            credential=credential,
        )
        pin_host_key(server, actor=Actor.of(admin_user), known_hosts_line=sshd.known_hosts_line())
        ids.append(server.pk)
    return ids


@pytest.mark.django_db(transaction=True)
def test_it_stores_every_byte_under_the_limit_and_exactly_the_limit_of_1_mb_20_runs_in_a_row(targets) -> None:  # type: ignore[no-untyped-def]
    under, over = seq_w(UNDER), seq_w(OVER)
    assert len(under) < LIMIT < len(over)
    steps = [step("under", command=f"seq -w 1 {UNDER}"), step("over", command=f"seq -w 1 {OVER}")]
    for run in range(20):
        execution = execution_of({"steps": steps}, target_ids=targets)
        run_execution(execution.pk)
        execution.refresh_from_db()
        assert execution.status == ExecutionStatus.SUCCEEDED, (run, execution.status_reason)
        rows = list(execution.step_runs.order_by("step_index", "target_id"))
        assert len(rows) == 8
        for row in rows[:4]:
            assert (len(row.stdout), row.output_truncated) == (len(under), False), run
            assert row.stdout == under, run
        for row in rows[4:]:
            assert row.output_truncated, run
            assert row.stdout == over[:LIMIT] + TRUNCATED.format(dropped=len(over) - LIMIT), run


@pytest.mark.django_db(transaction=True)
def test_it_masks_a_private_key_printed_across_read_boundaries(targets, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    key_text = authorized_keys["ed25519_openssh"].private_text.strip() + "\n"
    body = [line for line in key_text.splitlines() if "-----" not in line]
    folder = Path(tempfile.mkdtemp(prefix="rm-keyprint-"))
    folder.chmod(0o755)
    key_file = folder / "key.txt"
    key_file.write_text(key_text)
    key_file.chmod(0o644)
    try:
        for pad in (32 * 1024 - 40, 32 * 1024 - 7, 32 * 1024 + 100):  # the key straddles a 32 KiB read
            command = f"head -c {pad} /dev/zero | tr '\\0' a; echo; cat {key_file}; echo done"
            execution = execution_of({"steps": [step("show", command=command)]}, target_ids=targets[:2])
            run_execution(execution.pk)
            execution.refresh_from_db()
            assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason
            for row in execution.step_runs.all():
                assert row.stdout.startswith("a" * 1000) and row.stdout.endswith("done\n") and MASK in row.stdout
                assert not any(line in row.stdout for line in body), pad
    finally:
        key_file.unlink()
        os.rmdir(folder)


KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZgAAAJgAAAAAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


KNOWN = {"pattern": (), "known-secret": (KEY,), "other-known-secret": ("unrelated-secret-" * 8,)}


@pytest.mark.parametrize("known", KNOWN.values(), ids=KNOWN.keys())
def test_it_masks_a_key_split_at_every_position(known) -> None:  # type: ignore[no-untyped-def]
    text = "before\n" + KEY + "after password=hunter22\n"
    splits = [[text[:cut], text[cut:]] for cut in range(1, len(text))]
    splits += [[text[i : i + size] for i in range(0, len(text), size)] for size in (1, 7, 16, 33)]
    for pieces in splits:
        buffer = OutputBuffer(LIMIT, known)
        for piece in pieces:
            buffer.add("stdout", piece)
        buffer.close()
        stored = buffer.text["stdout"]
        assert "b3BlbnNzaC1rZXkt" not in stored and "QyNTUxOQAAACBh" not in stored, pieces
        assert "hunter22" not in stored and stored.startswith("before\n"), pieces
        assert stored.endswith("after password=" + MASK + "\n"), pieces


def test_it_masks_a_known_one_line_secret_split_across_reads() -> None:
    secret = "s3cr3t-Value-that-is-long"
    text = f"token is {secret} ok\n" * 3
    for cut in range(1, len(text)):
        buffer = OutputBuffer(LIMIT, (secret,))
        for piece in (text[:cut], text[cut:]):
            buffer.add("stdout", piece)
        buffer.close()
        assert secret[:6] not in buffer.text["stdout"] and buffer.text["stdout"].count(MASK) == 3, cut


def test_it_holds_at_most_the_limit_plus_a_margin_in_memory() -> None:
    sent: list[str] = []
    io = StepIO(lambda stream, text: sent.append(text), threading.Event(), 10, keep=1000)
    for _ in range(20_000):
        io.emit("stdout", "x" * 1024)  # 20 MB written
    assert len(io.output) == 1000 and sum(map(len, sent)) == 1000
    assert io.dropped["stdout"] == 20_000 * 1024 - 1000


def test_it_counts_what_the_worker_dropped_in_the_truncation_marker() -> None:
    buffer = OutputBuffer(10, ())
    buffer.add("stdout", "0123456789abcdef")
    buffer.close({"stdout": 1000, "stderr": 0})
    assert buffer.text["stdout"] == "0123456789" + TRUNCATED.format(dropped=1006) and buffer.truncated


@pytest.mark.django_db(transaction=True)
def test_it_stores_nul_bytes_as_a_visible_escape(targets) -> None:  # type: ignore[no-untyped-def]
    execution = execution_of({"steps": [step("nul", command="printf 'a\\000b\\n'")]}, target_ids=targets[:1])
    run_execution(execution.pk)
    execution.refresh_from_db()
    assert execution.status == ExecutionStatus.SUCCEEDED, execution.status_reason  # PostgreSQL refuses a raw NUL
    assert execution.step_runs.get().stdout == "a\\x00b\n"


@pytest.mark.parametrize("known", KNOWN.values(), ids=KNOWN.keys())
def test_it_masks_a_key_after_a_long_line_whatever_the_reads(known) -> None:  # type: ignore[no-untyped-def]
    """What the real sshd run found: a 32 KiB line, then a key, read in arbitrary pieces."""
    for seed in range(300):
        rng = random.Random(seed)
        pad = rng.choice([32 * 1024 - 7, rng.randint(16_000, 70_000)])
        text = "a" * pad + rng.choice(["\n", ""]) + KEY + "done\n"  # the key on its own line, or mid-line
        buffer = OutputBuffer(256 * 1024, known)
        start = 0
        while start < len(text):
            size = rng.choice([1, 100, 4096, 32768, rng.randint(1, 40_000)])
            buffer.add("stdout", text[start : start + size])
            start += size
        buffer.close()
        stored = buffer.text["stdout"]
        assert "b3BlbnNzaC1rZXkt" not in stored and "QyNTUxOQAAACBh" not in stored, (seed, pad)
        assert stored.startswith("a" * 1000) and stored.endswith("done\n"), seed
