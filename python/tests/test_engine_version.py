"""The supported vLLM range is checked before an engine is built."""

import pytest

from qwenvl_bridge import vllm_api as engine


@pytest.mark.parametrize("version", ["0.11.0", "0.24.1", "0.32.0", "0.32.1rc1", "0.32.0+cpu"])
def test_versions_in_range_pass(version):
    engine.check_version(version)


@pytest.mark.parametrize("version", ["0.10.2", "0.9.0+cpu", "0.33.0", "1.0.0", "0"])
def test_versions_out_of_range_are_refused_with_the_range(version):
    with pytest.raises(engine.VllmVersionUnsupported, match=r"supports vllm >= 0\.11\.0 and < 0\.33\.0"):
        engine.check_version(version)
