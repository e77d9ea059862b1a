"""Models of the ai app: providers, privacy settings, analyses, chat and investigations."""

from __future__ import annotations

from ai.models.analysis import Analysis
from ai.models.chat import ChatMessage, ChatProposal, ChatSession
from ai.models.investigations import (
    CommandAllowRule,
    CommandRequest,
    Investigation,
    InvestigationEntry,
    RedactionPattern,
)
from ai.models.providers import Provider, SensitiveLabel

__all__ = [
    "Analysis",
    "ChatMessage",
    "ChatProposal",
    "ChatSession",
    "CommandAllowRule",
    "CommandRequest",
    "Investigation",
    "InvestigationEntry",
    "Provider",
    "RedactionPattern",
    "SensitiveLabel",
]
