"""A readers-writer lock: what makes a Firmware safe to use from several threads.

Predictions hold it shared (they run side by side); weight pushes, (re)compiles and project
rewrites hold it exclusively, so a prediction sees one complete set of weights and one
library. A waiting writer stops new readers from entering (writers are not starved). The
writer may re-enter and may read; a reader may read again; a reader asking to write is a
programming error (it would wait for itself) and raises.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0  # threads holding it shared
        self._writer: int | None = None  # thread id holding it exclusively
        self._writes = 0  # its re-entries
        self._waiting_writers = 0
        self._mine = threading.local()  # this thread's shared holds

    def _reads(self) -> int:
        return getattr(self._mine, "reads", 0)

    @contextmanager
    def shared(self):
        me = threading.get_ident()
        if self._writer == me or self._reads():
            self._mine.reads = self._reads() + 1  # nested: already admitted
            try:
                yield
            finally:
                self._mine.reads -= 1
            return
        with self._cond:
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
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
        me = threading.get_ident()
        if self._writer != me:
            if self._reads():
                raise RuntimeError("a thread holding the lock shared cannot take it exclusively")
            with self._cond:
                self._waiting_writers += 1
                try:
                    while self._writer is not None or self._readers:
                        self._cond.wait()
                finally:
                    self._waiting_writers -= 1
                    self._cond.notify_all()  # readers held back by a writer that gave up
                self._writer = me
        self._writes += 1
        try:
            yield
        finally:
            self._writes -= 1
            if not self._writes:
                with self._cond:
                    self._writer = None
                    self._cond.notify_all()
