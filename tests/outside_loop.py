"""Test helpers' ORM work belongs outside the event loop: Django refuses it there (SynchronousOnlyOperation).

`outside_loop(fn)` calls `fn` directly in plain sync code and, when called from a coroutine, in a worker thread
(whose database connection is closed afterwards), so the suite keeps DJANGO_ALLOW_ASYNC_UNSAFE unset and still
catches a product consumer that touches the ORM from the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def outside_loop(function: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()

    def in_thread() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()
