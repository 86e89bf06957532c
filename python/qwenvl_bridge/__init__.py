"""Python half of the QwenVL Java library: runs inside the JVM through JEP."""
