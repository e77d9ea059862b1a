"""Models of the alerts app, one module per area; import them from here.

Episodes (`Alert`), the rules that judge them (`Rule`, `RuleMatcher`), what the rules decided (`Decision`,
`ActionRequest`, `Suggestion`) and the tokens sources deliver with (`WebhookToken`). The rule, decision and token
models came from the kernel (alerts 0004): they keep their `remediation_*` tables.
"""

from __future__ import annotations

from alerts.models.decisions import ActionRequest, Decision, Suggestion
from alerts.models.episodes import Alert
from alerts.models.rules import Rule, RuleMatcher
from alerts.models.webhooks import WebhookToken, hash_token

__all__ = [
    "ActionRequest",
    "Alert",
    "Decision",
    "Rule",
    "RuleMatcher",
    "Suggestion",
    "WebhookToken",
    "hash_token",
]
