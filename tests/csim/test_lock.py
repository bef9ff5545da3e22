"""csim.lock: readers side by side, writers alone and not starved, re-entry."""

import threading
import time

import pytest

from fpga_export.csim.lock import ReadWriteLock


def test_readers_share_writers_wait_and_are_not_starved():
    lock, events = ReadWriteLock(), []
    first_in, release = threading.Event(), threading.Event()

    def reader(name, hold):
        with lock.shared():
            events.append(f"{name} in")
            first_in.set()
            hold.wait(5)
            events.append(f"{name} out")

    def writer():
        with lock.exclusive():
            events.append("writer")

    r1 = threading.Thread(target=reader, args=("r1", release))
    r1.start()
    first_in.wait(5)
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.1)  # the writer waits for r1 ...
    go = threading.Event()
    go.set()
    late = threading.Thread(target=reader, args=("r2", go))
    late.start()  # ... and a reader arriving now waits for the writer
    time.sleep(0.1)
    assert events == ["r1 in"]
    release.set()
    for t in (r1, w, late):
        t.join(5)
    assert events == ["r1 in", "r1 out", "writer", "r2 in", "r2 out"]


def test_reentry():
    lock = ReadWriteLock()
    with lock.exclusive():
        with lock.exclusive(), lock.shared():  # a writer may write again and read
            pass
    with lock.shared(), lock.shared():
        with pytest.raises(RuntimeError, match="cannot take it exclusively"):
            with lock.exclusive():
                pass
    done = []
    t = threading.Thread(target=lambda: lock.exclusive().__enter__() or done.append(1))
    t.start()
    t.join(5)
    assert done == [1]  # everything was released


def test_a_loop_of_writers_does_not_starve_a_reader():
    lock, stop, reads = ReadWriteLock(), threading.Event(), []

    def write_forever():
        while not stop.is_set():
            with lock.exclusive():
                time.sleep(0.001)  # a weight push (the GIL is free meanwhile)

    def read_twenty():
        for _ in range(20):
            with lock.shared():
                reads.append(1)

    writer, reader = threading.Thread(target=write_forever), threading.Thread(target=read_twenty)
    writer.start()
    reader.start()
    reader.join(5)
    starved = reader.is_alive()
    stop.set()
    writer.join(5)
    reader.join(5)
    assert not starved and len(reads) == 20
