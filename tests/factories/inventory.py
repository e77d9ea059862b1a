"""Factories of the inventory: credentials (secrets sealed on save) and servers."""

from __future__ import annotations

import factory

from remediation.models import Credential, CredentialKind, Server


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    name = factory.Sequence(lambda n: f"credential-{n}")
    kind = CredentialKind.SSH_PASSWORD
    password = factory.Sequence(lambda n: f"factory-password-{n}")


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server

    name = factory.Sequence(lambda n: f"server-{n}")
    hostname = "127.0.0.1"
    port = 22
    username = "deploy"
