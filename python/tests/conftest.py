"""Test-wide setup for the Python half's tests.

* Puts python/ on sys.path so tests import qwenvl_bridge as the embedded interpreter does.
* A safety net applied before huggingface_hub is imported (it reads these at import time):
  HF_ENDPOINT points at a port where nothing listens, so code that forgot to use the stand-in hub
  fails instead of reaching a real hub; timeouts are short so nothing hangs. Each download test
  then sets its own HF_HOME and HF_ENDPOINT (see the fixtures in test_download.py).
"""

import atexit
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_ETAG_TIMEOUT"] = "2"
os.environ["HF_HUB_DOWNLOAD_TIMEOUT"] = "5"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="qwenvl-hf-home-")
atexit.register(shutil.rmtree, os.environ["HF_HOME"], True)
os.environ.pop("HF_TOKEN", None)
