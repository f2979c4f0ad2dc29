"""Every page on checkpoints of a real Llama's width: LLaMA-2-7B's and Llama-3-8B's exact shapes (width 4096, 32
heads, SwiGLU 11008 / 14336, 8 KV heads for Llama 3, vocabularies of 32,000 and 128,256) with 2 of their 32
layers, random bfloat16 weights written here. The Llama-3-shaped one carries a tokenizer of Llama 3's exact size
(tests/helpers.py), so every id a page can show has a piece; the Llama-2-shaped one carries the shipped model's
4,096-piece tokenizer under a 32,000-row output layer, as a checkpoint with a padded vocabulary would, so pages
must name ids that have no piece.

A page captures only the hooks it draws: what it leaves in the model's result cache is measured and bounded.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from apphelpers import assert_no_exception, open_page

import llama_edu as le
from helpers import llama3_sized_tokenizer
from llama_edu.checkpoints import write_random_checkpoint

PAGES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "app" / "views").glob("*.py"))
SHAPES = {"llama-2-7b-2-layers": "llama-2-7b", "llama-3-8b-2-layers": "llama-3-8b"}

# What one page's captures of a 7-token prompt may hold (hooks, not the logits every page shares), for a model 4096
# wide with 2 layers: the largest is the feed-forward page's one layer (4 x 7 x 14336 bfloat16 numbers, 0.8 MB);
# every hook of both layers is 5.5 MB, and of a 32-layer 7B at 64 tokens ~450 MB.
PAGE_HOOK_BYTES = 2 * 2 ** 20


@pytest.fixture(scope="module")
def models_folder():
    """The two checkpoints (4.1 GB), in memory-backed /dev/shm where it has room (writing them to disk is most of
    this module's time), else in the temporary folder."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and shutil.disk_usage(shm).free > 12 * 2 ** 30 else None
    root = Path(tempfile.mkdtemp(prefix="llama_edu_real_sizes_", dir=base))
    try:
        tokenizer = llama3_sized_tokenizer(root / "llama3-tokenizer")
        for name, preset in SHAPES.items():
            cfg = le.ModelConfig.from_preset(preset).replace(n_layers=2)
            files = tokenizer if preset == "llama-3-8b" else [le.TINY_MODEL_DIR / "tokenizer.model"]
            write_random_checkpoint(cfg, root / "models" / name, tokenizer_files=files)
        yield root / "models"
    finally:
        shutil.rmtree(root, ignore_errors=True)
        from app.common import load

        load.clear()  # the server's copies of the two models (4 GB) are not kept for the tests that follow


def captured_hooks(name: str) -> dict:
    """{capture key: bytes of its hook tensors} for the captures the server keeps for this model (app.common's result
    cache, in this process)."""
    from app.common import LOADED

    served = [s for (path, _, _), s in LOADED.items() if Path(path).name == name]
    captures = {key: value for s in served for key, (value, _) in s.results._items.items() if key[0] == "capture"}
    return {key: sum(t.numel() * t.element_size() for t in hooks.values()) for key, (_, hooks) in captures.items()}


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_page_runs_on_a_real_width_checkpoint(models_folder, monkeypatch, name):
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(models_folder))
    for page in PAGES:
        before = captured_hooks(name)
        at = open_page(f"views/{page}.py", model_label=name, timeout=300)
        assert_no_exception(at)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.session_state["model_label"] == name
        new = {key[2:]: size for key, size in captured_hooks(name).items() if key not in before}
        assert sum(new.values()) <= PAGE_HOOK_BYTES, (page, new)
    # The two pages that run the model on a click: a step of generation (top-k over the whole vocabulary) and the
    # KV-cache demo.
    at = open_page("views/generation.py", model_label=name, timeout=300)
    at.button(key="gen_next").click().run()
    assert_no_exception(at)
    assert not at.error and "1 token(s) generated" in " ".join(c.value for c in at.caption)
    at = open_page("views/kv_cache.py", model_label=name, timeout=300)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    assert not at.error
