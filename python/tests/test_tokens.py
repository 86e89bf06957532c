"""Prompt token counts before the model loads (qwenvl_bridge.tokens)."""

import pytest

from qwenvl_bridge import tokens


def _word_level_tokenizer(folder):
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers

    vocab = {"[UNK]": 0, "count": 1, "the": 2, "cars": 3, "<|im_end|>": 4}
    tok = tokenizers.Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.add_special_tokens(["<|im_end|>"])
    tok.save(str(folder / "tokenizer.json"))


def test_counts_each_text_with_the_folders_tokenizer(tmp_path):
    _word_level_tokenizer(tmp_path)
    assert tokens.count(tmp_path, ["count the cars", "", "cars<|im_end|>", "the " * 1000]) == [3, 0, 2, 1000]


def test_a_folder_without_a_tokenizer_gives_none(tmp_path):
    assert tokens.count(tmp_path, ["anything"]) is None


def test_without_the_tokenizers_package_gives_none(tmp_path, monkeypatch):
    (tmp_path / "tokenizer.json").write_text("{}")
    tokens._tokenizer.cache_clear()
    import builtins

    real_import = builtins.__import__

    def no_tokenizers(name, *args, **kwargs):
        if name == "tokenizers":
            raise ImportError("No module named 'tokenizers'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tokenizers)
    assert tokens.count(tmp_path, ["anything"]) is None
    tokens._tokenizer.cache_clear()
