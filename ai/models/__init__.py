"""Models of the ai app: providers, privacy settings, analyses and chat."""

from __future__ import annotations

from ai.models.analysis import Analysis
from ai.models.chat import ChatMessage, ChatProposal, ChatSession
from ai.models.providers import Provider, SensitiveLabel

__all__ = ["Analysis", "ChatMessage", "ChatProposal", "ChatSession", "Provider", "SensitiveLabel"]
