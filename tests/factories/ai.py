"""Factories of the ai app."""

from __future__ import annotations

import factory

from ai.choices import CommandStatus
from ai.models import Analysis, ChatMessage, ChatSession, CommandRequest, Investigation, Provider, SensitiveLabel
from tests.factories import UserFactory
from tests.factories.alerts import AlertFactory
from tests.factories.inventory import ServerFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"provider-{n}")
    model = "openai/gpt-4o-mini"
    api_base = "http://127.0.0.1:9/v1"
    api_key = "sk-test-provider-key-0123456789abcdef"
    timeout_seconds = 5
    enabled = True


class SensitiveLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SensitiveLabel

    name = factory.Sequence(lambda n: f"label_{n}")


class ChatSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatSession

    user = factory.SubFactory(UserFactory)
    title = "Chat"


class ChatMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatMessage

    session = factory.SubFactory(ChatSessionFactory)
    role = "user"
    content = "hello"


class AnalysisFactory(factory.django.DjangoModelFactory):
    """A finished, valid analysis of an alert episode."""

    class Meta:
        model = Analysis

    alert = factory.SubFactory(AlertFactory)
    status = "succeeded"
    trigger = "rule"
    provider_name = "local"
    model = "openai/test-model"
    summary = "nginx is down"
    probable_cause = "the worker crashed"
    impact = "checkout is unavailable"
    confidence = 0.8


class InvestigationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investigation

    goal = "Why is the disk full?"
    server = factory.SubFactory(ServerFactory)
    requested_by = factory.SubFactory(UserFactory)


class CommandRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommandRequest

    investigation = factory.SubFactory(InvestigationFactory)
    server = factory.LazyAttribute(lambda c: c.investigation.server)
    server_name = factory.LazyAttribute(lambda c: c.server.name if c.server else "")
    command = "touch /tmp/investigation-test"
    status = CommandStatus.PENDING
