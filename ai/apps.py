"""AI providers through LiteLLM, alert analysis and chat."""

from __future__ import annotations

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI"
    retention_purgers = ["ai.retention.purge_chats"]

    def ready(self) -> None:
        from ai.metrics import AnalysisCollector, ProviderHealthCollector
        from alerts.services.actions import register_handler
        from remediation.metrics import register_collectors

        # The rules' `analyze` action reaches this app through the core's queued hand-off (ids only).
        register_handler("analyze", "ai.tasks.analyze_action_request")
        register_collectors(AnalysisCollector(), ProviderHealthCollector())
