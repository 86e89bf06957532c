"""Put first on sys.path, this makes ``import vllm`` fail as in an environment without vLLM,
whatever the environment really has, so the "vllm is missing" tests always run."""

raise ImportError("No module named 'vllm' (simulated by src/test/python-novllm)")
