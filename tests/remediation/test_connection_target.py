"""remediation.services.inventory.connection_target: the one place a server row becomes an ssh.Target."""

from __future__ import annotations

import pytest

from remediation import ssh
from remediation.services.credentials import Secrets
from remediation.services.inventory import connection_target
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


def test_it_carries_the_address_user_pinned_key_and_secrets() -> None:
    server = ServerFactory(
        name="web-1", hostname="127.0.0.1", port=2222, username="deploy", host_key_type="ssh-ed25519", host_key="AAAA"
    )
    secrets = Secrets(kind="ssh_key", username="ignored", password="pw", private_key="KEY", passphrase="phrase")
    target = connection_target(server, secrets)
    assert (target.host, target.port, target.username, target.label) == ("127.0.0.1", 2222, "deploy", "web-1")
    assert target.pinned_key == ssh.HostKey("ssh-ed25519", "AAAA")
    assert (target.password, target.private_key, target.passphrase) == ("pw", "KEY", "phrase")


def test_it_leaves_the_key_unpinned_when_none_is_stored() -> None:
    target = connection_target(ServerFactory(host_key=""), Secrets(kind="ssh_password", username="u", password="pw"))
    assert target.pinned_key is None
    assert target.private_key is None
