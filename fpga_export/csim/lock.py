"""A readers-writer lock: what makes a Firmware safe to use from several threads.

Predictions hold it shared (they run side by side); weight pushes, (re)compiles and project
rewrites hold it exclusively, so a prediction sees one complete set of weights and one
library. Threads are admitted in arrival order (readers queued one after another enter
together), so a stream of predictions cannot starve a weight push and a loop of weight
pushes cannot starve a prediction. The writer may re-enter and may read; a reader may read
again; a reader asking to write is a programming error (it would wait for itself) and raises.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0  # threads holding it shared
        self._writer: int | None = None  # thread id holding it exclusively
        self._writes = 0  # its re-entries
        self._queue: deque[tuple[str, object]] = deque()  # waiting threads, in arrival order
        self._mine = threading.local()  # this thread's shared holds

    def _reads(self) -> int:
        return getattr(self._mine, "reads", 0)

    def _admit(self, kind: str) -> None:
        """Wait until this thread is first in line and may enter (``kind`` "r" or "w")."""
        ticket = (kind, object())
        with self._cond:
            self._queue.append(ticket)
            try:
                while not (
                    self._queue[0] is ticket
                    and self._writer is None
                    and (kind == "r" or not self._readers)
                ):
                    self._cond.wait()
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line (readers enter one after another)
            if kind == "r":
                self._readers += 1
            else:
                self._writer = threading.get_ident()

    @contextmanager
    def shared(self):
        if self._writer == threading.get_ident() or self._reads():
            self._mine.reads = self._reads() + 1  # nested: already admitted
            try:
                yield
            finally:
                self._mine.reads -= 1
            return
        self._admit("r")
        self._mine.reads = 1
        try:
            yield
        finally:
            self._mine.reads = 0
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        if self._writer != threading.get_ident():
            if self._reads():
                raise RuntimeError("a thread holding the lock shared cannot take it exclusively")
            self._admit("w")
        self._writes += 1
        try:
            yield
        finally:
            self._writes -= 1
            if not self._writes:
                with self._cond:
                    self._writer = None
                    self._cond.notify_all()
