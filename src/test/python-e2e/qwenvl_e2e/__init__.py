"""Helpers for the end-to-end tests against the real vLLM (no stand-ins on this path)."""
