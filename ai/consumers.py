"""WebSocket /ws/chat/<session>/: the owner sends a message and receives the reply token by token.

Each message, confirmation and decline is let through only after a check of the live user (remediation.sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User

from ai.api.serializers import ChatMessageSerializer, ChatProposalSerializer
from ai.choices import MessageStatus
from ai.llm import ProviderError, ensure_loaded, stream_with_fallback
from ai.models import ChatMessage, ChatProposal, ChatSession
from ai.services import chat, proposals
from remediation.actors import Actor
from remediation.sockets import ACCESS_REVOKED, CLOSE_FORBIDDEN, LiveAccessConsumer

MAX_MESSAGE = 8000


@database_sync_to_async
def _owned_session(user: Any, session_id: int) -> ChatSession | None:
    session = ChatSession.objects.filter(pk=session_id).first()
    return session if session is not None and chat.can_chat(user, session) else None


@database_sync_to_async
def _snapshot(session: ChatSession) -> dict[str, Any]:
    return {
        "type": "history",
        "messages": ChatMessageSerializer(session.messages.order_by("id"), many=True).data,
        "proposals": ChatProposalSerializer(session.proposals.order_by("id"), many=True).data,
    }


class ChatConsumer(LiveAccessConsumer, AsyncJsonWebsocketConsumer):
    """One socket per open chat page; at most one reply streams at a time and `stop` cancels it."""

    client_actions = ("message", "confirm", "decline", "stop")
    session: ChatSession
    reply: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = await self.join_signed_in()
        if user is None:
            return
        session = await _owned_session(user, int(self.scope["url_route"]["kwargs"]["session_id"]))
        if session is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.session = session
        await self.accept()
        await self.send_json(await _snapshot(session))
        self.start_guard()

    def object_access_reason(self, user: User) -> str | None:
        session = ChatSession.objects.filter(pk=self.session.pk).first()
        return None if session is not None and chat.can_chat(user, session) else ACCESS_REVOKED

    async def disconnect(self, code: int) -> None:
        await self._stop()
        await self.leave_access_group()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind not in self.client_actions:
            await self.send_json({"type": "error", "detail": "Unknown message type."})
            return
        user, reason = await self.live_check()
        if user is None:
            await self.end_socket(reason or ACCESS_REVOKED)  # closing also stops a reply being written
        elif kind == "stop":
            await self._stop()
        elif kind == "message":
            await self._start(user, str(content.get("content", ""))[:MAX_MESSAGE])
        else:
            await self._decide(user, kind, content.get("proposal"))

    async def _start(self, user: User, text: str) -> None:
        if not text.strip():
            await self.send_json({"type": "error", "detail": "The message is empty."})
            return
        if self.reply is not None and not self.reply.done():
            await self.send_json({"type": "error", "detail": "A reply is still being written; stop it first."})
            return
        try:
            prepared = await database_sync_to_async(chat.start_reply)(self.session, text, actor=Actor.of(user))
        except chat.ChatUnavailable as exc:
            await self.send_json({"type": "error", "detail": str(exc)})
            return
        await self.send_json({"type": "started", "message": prepared.assistant.pk})
        # The first chat in a process imports LiteLLM: do it in a thread so the event loop keeps serving sockets.
        await asyncio.to_thread(ensure_loaded)
        self.reply = asyncio.create_task(self._stream(prepared))

    async def _stream(self, prepared: chat.PreparedReply) -> None:
        assistant, parts = prepared.assistant, list[str]()
        finish = database_sync_to_async(chat.finish_reply)
        try:
            events = stream_with_fallback(prepared.config, prepared.fallback, prepared.messages, tools=prepared.tools)
            async for event in events:
                if event.final is not None:
                    made = await finish(assistant, text="".join(parts), status="complete", completion=event.final)
                    await self._done(assistant, made)
                    return
                parts.append(event.text)
                await self.send_json({"type": "token", "message": assistant.pk, "text": event.text})
        except ProviderError as exc:
            await finish(assistant, text="".join(parts), status=MessageStatus.FAILED, error=str(exc))
            await self.send_json({"type": "error", "message": assistant.pk, "detail": f"{exc.kind}: the model failed"})
        except asyncio.CancelledError:
            # Save what arrived before the stop, even though this task is being cancelled.
            await asyncio.shield(finish(assistant, text="".join(parts), status=MessageStatus.CANCELLED))
            with contextlib.suppress(Exception):
                await self.send_json({"type": "stopped", "message": assistant.pk})
            raise

    async def _done(self, assistant: ChatMessage, made: list[ChatProposal]) -> None:
        await database_sync_to_async(assistant.refresh_from_db)()
        await self.send_json({"type": "done", "message": ChatMessageSerializer(assistant).data})
        for proposal in made:
            await self.send_json({"type": "proposal", "proposal": ChatProposalSerializer(proposal).data})

    async def _stop(self) -> None:
        task, self.reply = self.reply, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _decide(self, user: User, kind: str, proposal_id: Any) -> None:
        decide = proposals.confirm_proposal if kind == "confirm" else proposals.decline_proposal
        try:
            proposal = await database_sync_to_async(self._proposal)(proposal_id)
            proposal = await database_sync_to_async(decide)(proposal, actor=Actor.of(user))
        except (proposals.ProposalRefused, ChatProposal.DoesNotExist, ValueError, TypeError) as exc:
            await self.send_json({"type": "error", "detail": str(exc) or "No such proposal."})
            return
        await self.send_json({"type": "proposal", "proposal": ChatProposalSerializer(proposal).data})

    def _proposal(self, proposal_id: Any) -> ChatProposal:
        return ChatProposal.objects.get(pk=int(proposal_id), session=self.session)
