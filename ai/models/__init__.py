"""Models of the ai app: providers, privacy settings, analyses and chat."""

from __future__ import annotations

from ai.models.chat import ChatMessage, ChatProposal, ChatSession
from ai.models.providers import Provider, SensitiveLabel

__all__ = ["ChatMessage", "ChatProposal", "ChatSession", "Provider", "SensitiveLabel"]
