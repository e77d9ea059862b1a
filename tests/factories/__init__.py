"""One factory per model, creating only required relations."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

TEST_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


# Per-app factories (imported last: they build on UserFactory).
from tests.factories.ai import (  # noqa: E402
    AnalysisFactory,
    ChatMessageFactory,
    ChatSessionFactory,
    CommandRequestFactory,
    InvestigationFactory,
    ProviderFactory,
    SensitiveLabelFactory,
)
from tests.factories.alerts import AlertFactory  # noqa: E402
from tests.factories.inventory import CredentialFactory, ServerFactory  # noqa: E402
from tests.factories.rules import (  # noqa: E402
    ActionRequestFactory,
    DecisionFactory,
    MaintenanceWindowFactory,
    RuleFactory,
    RuleMatcherFactory,
    WebhookTokenFactory,
)
from tests.factories.runbooks import (  # noqa: E402
    CommandPolicyRuleFactory,
    ExecutionFactory,
    RunbookFactory,
    RunbookVersionFactory,
    StepFactory,
    StepRunFactory,
)
from tests.factories.terminal import TerminalGrantFactory, TerminalSessionFactory  # noqa: E402

__all__ = [
    "TEST_PASSWORD",
    "ActionRequestFactory",
    "AlertFactory",
    "AnalysisFactory",
    "ChatMessageFactory",
    "ChatSessionFactory",
    "CommandPolicyRuleFactory",
    "CommandRequestFactory",
    "CredentialFactory",
    "DecisionFactory",
    "ExecutionFactory",
    "InvestigationFactory",
    "MaintenanceWindowFactory",
    "ProviderFactory",
    "RuleFactory",
    "RuleMatcherFactory",
    "RunbookFactory",
    "RunbookVersionFactory",
    "SensitiveLabelFactory",
    "ServerFactory",
    "StepFactory",
    "StepRunFactory",
    "TerminalGrantFactory",
    "TerminalSessionFactory",
    "UserFactory",
    "WebhookTokenFactory",
]
