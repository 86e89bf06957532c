import threading

import numpy as np
import pytest

from qwenvl_bridge import handles


def test_put_get_release_roundtrip():
    before = handles.count()
    array = np.zeros((2, 3), dtype=np.uint8)
    h = handles.put(array)
    assert isinstance(h, int) and h > 0
    assert handles.get(h) is array
    assert handles.count() == before + 1
    assert handles.release([h]) == 1
    assert handles.count() == before


def test_ids_are_unique_and_never_reused():
    a = handles.put("a")
    handles.release(a)
    b = handles.put("b")
    assert b != a
    handles.release(b)


def test_get_after_release_names_the_id():
    h = handles.put(1)
    handles.release(h)
    with pytest.raises(KeyError, match=f"handle {h}"):
        handles.get(h)


def test_release_is_idempotent_and_counts_only_held_ids():
    h1, h2 = handles.put(None), handles.put(0)
    assert handles.release([h1, h2, h1, 10**12]) == 2  # None and 0 are values too
    assert handles.release(h1) == 0


def test_thread_safe_under_concurrent_use():
    before = handles.count()
    ids: list[int] = []
    lock = threading.Lock()

    def work():
        mine = [handles.put(i) for i in range(500)]
        assert [handles.get(h) for h in mine] == list(range(500))
        with lock:
            ids.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 4000
    assert handles.count() == before + 4000
    assert handles.release(ids) == 4000
    assert handles.count() == before
