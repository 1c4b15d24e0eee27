# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive many sign-ins at once: each polled when it is due, at most ``workers`` requests in flight.

One thread (the caller's) keeps the schedule, a heap of (due time, sign-in), and hears
of every step in turn through ``on_step``, so what it does there (hand-outs, the vault
file) needs no lock. The requests run in a small thread pool: a sign-in waits for its
person, not for a thread.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import time
from typing import Callable, Iterable, Optional

DEFAULT_WORKERS = 16


def run(sign_ins: Iterable, workers: int = DEFAULT_WORKERS, on_step: Optional[Callable] = None) -> None:
    """Step every sign-in until each is finished; ``on_step(sign_in)`` after each step, in this thread."""
    queue = [(0.0, order, sign_in) for order, sign_in in enumerate(sign_ins)]
    heapq.heapify(queue)
    running = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sign-in") as pool:
        while queue or running:
            now = time.monotonic()
            while queue and queue[0][0] <= now and len(running) < workers:
                _due, order, sign_in = heapq.heappop(queue)
                running[pool.submit(sign_in.step)] = (order, sign_in)
            next_due = queue[0][0] - now if queue and len(running) < workers else None
            if not running:
                time.sleep(max(0.0, next_due))
                continue
            done, _pending = concurrent.futures.wait(running, timeout=None if next_due is None else max(0.0, next_due),
                                                     return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                order, sign_in = running.pop(future)
                future.result()
                if on_step:
                    on_step(sign_in)
                if not sign_in.finished:
                    heapq.heappush(queue, (sign_in.due, order, sign_in))
