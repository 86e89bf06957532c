"""The Python half of qwenvl-jep, shipped inside the jar and imported by the embedded interpreter.

Modules import only the standard library, numpy and PyAV (``av``); heavier modules (vLLM) are
imported only by the modules that need them.
"""
