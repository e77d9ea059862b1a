"""Run inside a product process (`python -m tests.browser.live_setup`): create the rows a live-server test needs.

The spec arrives as JSON in LIVE_SETUP; the ids created are printed as JSON. Used when the test process and the
server process cannot share an in-memory database.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    django.setup()
    from django.contrib.auth.models import Group

    from remediation.choices import Role
    from remediation.models import Credential, CredentialKind, Server, TerminalGrant
    from remediation.ssh import parse_known_hosts_line
    from tests.factories import UserFactory

    spec = json.loads(os.environ["LIVE_SETUP"])
    user = UserFactory(username=spec["username"])
    if spec.get("password"):
        user.set_password(spec["password"])
        user.save()
    user.groups.add(Group.objects.get(name=Role.OPERATOR.value))
    credential = Credential.objects.create(name="live-key", kind=CredentialKind.SSH_KEY, private_key=spec["key"])
    host_key = parse_known_hosts_line(spec["host_key"])
    server = Server.objects.create(
        name=spec["server"],
        hostname=spec["host"],
        port=spec["port"],
        username=spec["ssh_user"],
        credential=credential,
        host_key_type=host_key.key_type,
        host_key=host_key.key_base64,
        host_key_fingerprint=host_key.fingerprint,
    )
    TerminalGrant.objects.create(user=user, server=server)
    json.dump({"server_id": server.pk, "user_id": user.pk}, sys.stdout)


if __name__ == "__main__":
    main()
