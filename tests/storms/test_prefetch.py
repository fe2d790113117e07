"""store.prefetched: same items in order, errors reach the consumer, closing stops the thread."""

import threading
import time

import pytest

from storms.store import prefetched


def _threads():
    return {t for t in threading.enumerate() if t.name == "prefetch"}


def test_items_in_order():
    assert list(prefetched(iter(range(1000)), depth=3)) == list(range(1000))


def test_error_reaches_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("block 3 is corrupt")

    got = []
    with pytest.raises(ValueError, match="block 3"):
        for x in prefetched(source()):
            got.append(x)
    assert got == [1, 2]


def test_close_stops_thread_and_closes_source():
    closed = threading.Event()

    def source():
        try:
            yield from range(10**9)
        finally:
            closed.set()

    before = _threads()
    gen = prefetched(source(), depth=2)
    assert next(gen) == 0
    gen.close()
    assert closed.is_set()  # closed before close() returned: the session may now close
    deadline = time.monotonic() + 2
    while _threads() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not (_threads() - before)
