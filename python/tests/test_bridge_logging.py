"""The bridge's log handler: only the interpreter's thread calls the Java sink."""

import logging
import threading

from qwenvl_bridge import bridge


class _Sink:
    def __init__(self):
        self.records = []
        self.threads = set()

    def log(self, name, level, message):
        self.threads.add(threading.get_ident())
        self.records.append((name, level, message))


def test_records_of_other_threads_wait_until_the_next_call_and_reach_the_sink_on_the_owner_thread():
    sink = _Sink()
    handler = bridge._JavaLogHandler(sink)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("qwenvl-test-buffer")
    log.addHandler(handler)
    log.propagate = False
    try:
        worker = threading.Thread(target=lambda: log.warning("from the engine loop"))
        worker.start()
        worker.join()
        assert sink.records == [], "a background thread never calls the sink"
        log.warning("from the interpreter thread")
        assert [r[2] for r in sink.records] == ["from the engine loop", "from the interpreter thread"]
        assert sink.threads == {threading.get_ident()}
    finally:
        log.removeHandler(handler)


def test_the_buffer_is_bounded_and_says_how_many_records_it_dropped(monkeypatch):
    sink = _Sink()
    handler = bridge._JavaLogHandler(sink)
    monkeypatch.setattr(bridge._JavaLogHandler, "BUFFERED", 3)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m%d", (0,), None)

    def emit_many():
        for i in range(5):
            record.args = (i,)
            handler.emit(record)

    worker = threading.Thread(target=emit_many)
    worker.start()
    worker.join()
    handler.flush_pending()
    messages = [r[2] for r in sink.records]
    assert messages[0] == "2 log records of background threads were dropped"
    assert messages[1:] == ["m2", "m3", "m4"]
