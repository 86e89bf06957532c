"""Python helpers for the bridge tests (never shipped)."""
