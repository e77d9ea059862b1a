"""AI providers through LiteLLM, alert analysis and chat."""

from __future__ import annotations

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI"

    def ready(self) -> None:
        from ai.metrics import AnalysisCollector, ProviderHealthCollector
        from remediation import hooks
        from remediation.choices import RuleAction
        from remediation.metrics import register_collectors

        # The rules' `analyze` action reaches this app through the alerts app's queued hand-off (ids only).
        hooks.register_handler(RuleAction.ANALYZE, "ai.tasks.analyze_action_request")
        hooks.register_purger("ai.retention.purge_chats")
        hooks.register_purger("ai.retention.purge_investigations")
        # Each check is one tiny (billed) request per enabled provider, hence not every minute.
        hooks.register_job("ai.check_provider_health", "ai.tasks.check_provider_health", 15)
        hooks.register_job("ai.redispatch_queued", "ai.tasks.redispatch_queued_analyses", 1)
        hooks.register_job("ai.sweep_investigations", "ai.tasks.sweep_investigations", 1)
        # Commands investigations wait on are listed in the runbooks app's approvals queue.
        hooks.register_approvals("ai.investigation_views.pending_approvals")
        register_collectors(AnalysisCollector(), ProviderHealthCollector())
