"""Serves the stand-in hub (python/tests/hub_server.py) for Java tests, as a child process.

    python serve_hub.py PYTHON_TESTS_DIR MODEL_ID REVISION

Serves MODEL_ID at REVISION with a few small files on 127.0.0.1 (an ephemeral port), prints the
endpoint URL as its first stdout line, and stops when its stdin closes (the Java test ends, or
dies). Never contacts a real hub.
"""

import json
import sys


def main():
    tests_dir, model_id, revision = sys.argv[1:4]
    sys.path.insert(0, tests_dir)
    from hub_server import FakeHub, RunningHub

    files = {
        "config.json": json.dumps({"model_type": "qwen2_5_vl"}).encode(),
        "model-00001-of-00001.safetensors": bytes(range(256)) * 64,
        "tokenizer/vocab.txt": b"hello\nworld\n" * 10,
    }
    hub = FakeHub(repo_id=model_id, revision=revision, commit=(revision + "0" * 40)[:40], files=files)
    with RunningHub(hub) as running:
        print(running.endpoint, flush=True)
        sys.stdin.read()  # until the parent closes our stdin or exits


if __name__ == "__main__":
    main()
