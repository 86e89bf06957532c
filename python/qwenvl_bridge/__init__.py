"""The Python half of qwenvl-jep, shipped inside the jar and imported by the embedded interpreter (JEP).

Modules import only the standard library, numpy and PyAV (``av``); heavier modules (vLLM,
huggingface_hub) are imported only by the functions that need them.
"""
