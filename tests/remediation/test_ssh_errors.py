"""The SSH seam translates paramiko's and the socket's errors into its own, against a real OpenSSH server."""

from __future__ import annotations

import pytest

from remediation import ssh
from tests.sshd import SSHServer

FAST = ssh.Timeouts(connect=2.0, banner=2.0, auth=5.0, keepalive=0)
# A valid ed25519 public key that no test server presents.
OTHER_KEY = ssh.HostKey("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")


def _target(server: SSHServer, *, pinned: ssh.HostKey | None = None, password: str | None = None) -> ssh.Target:
    key = pinned or ssh.parse_known_hosts_line(server.known_hosts_line())
    return ssh.Target(server.host, server.port, server.username, key, password=password or server.password)


def test_it_reports_a_wrong_host_key_as_a_mismatch_before_sending_a_credential(sshd: SSHServer) -> None:
    logins = len(sshd.accepted_logins())
    with pytest.raises(ssh.SshHostKeyMismatch) as refused:
        ssh.connect(_target(sshd, pinned=OTHER_KEY), timeouts=FAST)
    assert refused.value.stage == "host_key" and refused.value.pinned_fingerprint == OTHER_KEY.fingerprint
    assert len(sshd.accepted_logins()) == logins


def test_it_reports_a_wrong_password_as_auth_failed(sshd: SSHServer) -> None:
    with pytest.raises(ssh.SshAuthFailed) as failure:
        ssh.connect(_target(sshd, password="not-the-password"), timeouts=FAST)
    assert not isinstance(failure.value, ssh.SshTimeout) and "not-the-password" not in failure.value.message


def test_it_reports_a_closed_port_as_unreachable(unreachable_port: int) -> None:
    target = ssh.Target("127.0.0.1", unreachable_port, "nobody", OTHER_KEY, password="x")
    with pytest.raises(ssh.SshUnreachable) as failure:
        ssh.connect(target, timeouts=FAST)
    assert not isinstance(failure.value, ssh.SshTimeout)
    with pytest.raises(ssh.SshUnreachable):
        ssh.check_reachable("127.0.0.1", unreachable_port, timeout=2)


def test_it_reports_a_silent_server_as_a_handshake_timeout(blackhole_port: int) -> None:
    target = ssh.Target("127.0.0.1", blackhole_port, "nobody", OTHER_KEY, password="x")
    with pytest.raises(ssh.SshHandshakeFailed) as failure:
        ssh.connect(target, timeouts=FAST)
    assert isinstance(failure.value, ssh.SshTimeout)
    with pytest.raises(ssh.SshHandshakeTimeout):
        ssh.fetch_host_key("127.0.0.1", blackhole_port, timeouts=FAST)


def test_it_reports_a_command_past_its_timeout_and_a_lost_connection_as_channel_errors(sshd: SSHServer) -> None:
    with ssh.session(_target(sshd), timeouts=FAST) as connection:
        with pytest.raises(ssh.SshCommandTimeout) as late:
            ssh.run_command(connection, "sleep 30", timeout=1)
        assert isinstance(late.value, ssh.SshTimeout) and late.value.stage == "command"
        connection.close()
        with pytest.raises(ssh.SshChannelError, match="closed before a channel"):
            connection.exec("true", timeout=2)


def test_it_drains_a_command_to_eof_with_its_exit_status_and_separate_stderr(sshd: SSHServer) -> None:
    script = "head -c 300000 /dev/zero | tr '\\0' x; echo err >&2; exit 3"
    with ssh.session(_target(sshd), timeouts=FAST) as connection:
        result = ssh.run_command(connection, script, timeout=20)
        channel = connection.exec(script, timeout=5, pty_width=80)
        received: list[bytes] = []
        done = ssh.drain(channel, received.append)
    assert (result.exit_code, len(result.stdout), result.stderr) == (3, ssh.OUTPUT_LIMIT, "err\n")
    assert done == ssh.Drained(exit_status=3) and b"".join(received).count(b"x") == 300000


def test_it_names_the_stage_in_the_detail_people_are_shown() -> None:
    assert ssh.SshAuthFailed("Authentication as 'deploy' failed.").detail == "auth: Authentication as 'deploy' failed."
    assert ssh.SshCommandTimeout("Too slow.").detail == "command: Too slow."


def test_it_turns_a_failure_on_an_open_connection_into_a_channel_error() -> None:
    from remediation.ssh.channels import channel_error

    error = channel_error("The connection was lost", EOFError())
    assert isinstance(error, ssh.SshChannelError) and error.detail == "command: The connection was lost: EOFError."
    assert channel_error("The shell could not start", OSError("reset")).message == "The shell could not start: reset."
