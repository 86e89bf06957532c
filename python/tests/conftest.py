"""Puts python/ on sys.path so tests import qwenvl_bridge as the embedded interpreter does."""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
