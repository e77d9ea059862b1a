"""The SSH seam against a real OpenSSH server: auth methods, key types, host-key pinning, timeouts."""

from __future__ import annotations

import time

import pytest

from remediation import ssh
from tests.sshd import SSHServer

FAST = ssh.Timeouts(connect=2.0, banner=2.0, auth=5.0, keepalive=0)
KEY_NAMES = ["rsa_openssh", "rsa_pem", "ecdsa_openssh", "ecdsa_pem", "ed25519_openssh", "ed25519_pem"]


def target(server: SSHServer, **secrets: str | None) -> ssh.Target:
    pinned = ssh.parse_known_hosts_line(server.known_hosts_line())
    return ssh.Target(server.host, server.port, server.username, pinned, label="test-server", **secrets)


def whoami(t: ssh.Target) -> ssh.CommandResult:
    with ssh.session(t, timeouts=FAST) as client:
        return ssh.run_command(client, "id -un", timeout=10)


def test_it_logs_in_with_a_password(sshd: SSHServer) -> None:
    result = whoami(target(sshd, password=sshd.password))
    assert (result.exit_code, result.stdout.strip()) == (0, sshd.username)
    assert ("password", sshd.username) in sshd.accepted_logins()


@pytest.mark.parametrize("name", KEY_NAMES)
def test_it_logs_in_with_each_key_type_and_format(sshd: SSHServer, authorized_keys, name: str) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys[name]
    assert key.private_text.startswith("-----BEGIN " + ("OPENSSH" if "openssh" in name else ""))
    before = len(sshd.accepted_logins())
    assert whoami(target(sshd, private_key=key.private_text)).stdout.strip() == sshd.username
    assert sshd.accepted_logins()[before:] == [("publickey", sshd.username)]


@pytest.mark.parametrize("name", ["ed25519_encrypted", "rsa_pem_encrypted"])
def test_it_logs_in_with_an_encrypted_key_and_its_passphrase(sshd: SSHServer, authorized_keys, name: str) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys[name]
    t = target(sshd, private_key=key.private_text, passphrase=key.passphrase)
    assert whoami(t).exit_code == 0


def test_it_refuses_an_encrypted_key_without_or_with_a_wrong_passphrase(sshd: SSHServer, authorized_keys) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys["ed25519_encrypted"]
    with pytest.raises(ssh.SshError, match="passphrase is required") as missing:
        ssh.connect(target(sshd, private_key=key.private_text), timeouts=FAST)
    with pytest.raises(ssh.SshError, match="could not be decrypted") as wrong:
        ssh.connect(target(sshd, private_key=key.private_text, passphrase="wrong-phrase"), timeouts=FAST)
    assert missing.value.stage == wrong.value.stage == "auth"


def test_it_reports_a_wrong_password_as_an_auth_failure(sshd: SSHServer) -> None:
    with pytest.raises(ssh.SshError) as failure:
        ssh.connect(target(sshd, password="not-the-password"), timeouts=FAST)
    assert failure.value.stage == "auth"
    assert f"Authentication as '{sshd.username}'" in failure.value.message
    assert "not-the-password" not in failure.value.message


def test_it_refuses_an_unpinned_host_key_showing_its_fingerprint(sshd: SSHServer) -> None:
    presented = ssh.parse_known_hosts_line(sshd.known_hosts_line()).fingerprint
    unpinned = ssh.Target(sshd.host, sshd.port, sshd.username, None, password=sshd.password)
    logins = len(sshd.accepted_logins())
    with pytest.raises(ssh.SshHostKeyMismatch) as refused:
        ssh.connect(unpinned, timeouts=FAST)
    assert refused.value.stage == "host_key"
    assert "not pinned" in refused.value.message and presented in refused.value.message
    assert refused.value.presented_fingerprint == presented
    assert len(sshd.accepted_logins()) == logins  # refused before any credential was sent


def test_it_refuses_a_changed_host_key_showing_both_fingerprints(own_sshd: SSHServer) -> None:
    pinned = target(own_sshd, password=own_sshd.password)
    assert whoami(pinned).exit_code == 0
    own_sshd.restart(new_host_key=True)
    new = ssh.parse_known_hosts_line(own_sshd.known_hosts_line()).fingerprint
    with pytest.raises(ssh.SshHostKeyMismatch) as refused:
        ssh.connect(pinned, timeouts=FAST)
    assert pinned.pinned_key is not None
    assert pinned.pinned_key.fingerprint in refused.value.message and new in refused.value.message
    assert "HOST KEY CHANGED" in refused.value.message
    assert len(own_sshd.accepted_logins()) == 1  # only the login before the key changed


def test_it_refuses_a_changed_host_key_of_another_type(sshd_factory) -> None:  # type: ignore[no-untyped-def]
    server = sshd_factory("ecdsa")
    pinned = target(server, password=server.password)
    server.host_key_type = "rsa"
    server.restart(new_host_key=True)
    with pytest.raises(ssh.SshHostKeyMismatch, match="HOST KEY CHANGED"):
        ssh.connect(pinned, timeouts=FAST)


def test_it_reports_an_unreachable_port(unreachable_port: int) -> None:
    t = ssh.Target("127.0.0.1", unreachable_port, "nobody", None, password="x")
    with pytest.raises(ssh.SshError) as failure:
        ssh.connect(t, timeouts=FAST)
    assert failure.value.stage == "reachability"
    assert f"127.0.0.1:{unreachable_port} is unreachable" in failure.value.message


def test_it_gives_up_on_a_silent_server_within_the_banner_timeout(blackhole_port: int) -> None:
    t = ssh.Target("127.0.0.1", blackhole_port, "nobody", None, password="x")
    started = time.monotonic()
    with pytest.raises(ssh.SshError) as failure:
        ssh.connect(t, timeouts=FAST)
    elapsed = time.monotonic() - started
    assert elapsed >= FAST.banner - 0.5  # it waited for the banner (how soon it gave up is a speed, not a test)
    assert failure.value.stage == "handshake"
    assert "no SSH banner within 2s" in failure.value.message


def test_it_fetches_no_host_key_from_a_silent_server_within_the_banner_timeout(blackhole_port: int) -> None:
    with pytest.raises(ssh.SshError, match="no SSH banner within 2s") as failure:
        ssh.fetch_host_key("127.0.0.1", blackhole_port, timeouts=FAST)
    assert failure.value.stage == "handshake"


def test_it_fetches_the_presented_host_key(sshd: SSHServer) -> None:
    key = ssh.fetch_host_key(sshd.host, sshd.port, timeouts=FAST)
    assert f"{key.key_type} {key.key_base64}" == sshd.host_key_line()


def test_it_counts_connections_per_server(sshd_factory) -> None:  # type: ignore[no-untyped-def]
    first, second = sshd_factory(), sshd_factory()
    assert first.port != second.port
    whoami(target(first, password=first.password))
    whoami(target(first, password=first.password))
    whoami(target(second, password=second.password))
    assert (first.connection_count(), second.connection_count()) == (2, 1)


def test_it_parses_known_hosts_lines_and_rejects_garbage(sshd: SSHServer) -> None:
    line = sshd.known_hosts_line()
    assert ssh.parse_known_hosts_line(line) == ssh.parse_known_hosts_line(sshd.host_key_line())
    for bad in ["", "garbage", "host ssh-ed25519 not-base64!!", "@cert-authority * " + sshd.host_key_line()]:
        with pytest.raises(ValueError):  # noqa: PT011
            ssh.parse_known_hosts_line(bad)


def test_it_describes_private_keys_and_rejects_bad_ones(authorized_keys) -> None:  # type: ignore[no-untyped-def]
    key = authorized_keys["ecdsa_pem"]
    assert ssh.describe_private_key(key.private_text) == ("ecdsa-sha2-nistp256", key.fingerprint)
    with pytest.raises(ssh.PrivateKeyError, match="Not a supported private key"):
        ssh.describe_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----")


def test_it_can_run_a_key_only_server(sshd_factory, ssh_client_keys) -> None:  # type: ignore[no-untyped-def]
    server = sshd_factory(password_authentication=False)
    key = ssh_client_keys["ed25519_openssh"]
    server.authorize(key)
    with pytest.raises(ssh.SshError) as refused:
        ssh.connect(target(server, password=server.password), timeouts=FAST)
    assert refused.value.stage == "auth"
    assert whoami(target(server, private_key=key.private_text)).exit_code == 0
