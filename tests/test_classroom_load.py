"""tools/classroom_load.py, small: a real server, three students at once, each must see their own attention map.
The full classroom (30 at once, 300 sessions) is the script's default run; its numbers are in README."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a real Streamlit server and three students at once: ~15 s

TOOL = Path(__file__).resolve().parent.parent / "tools" / "classroom_load.py"


@pytest.fixture(scope="module")
def load():
    spec = importlib.util.spec_from_file_location("classroom_load", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["classroom_load"] = module
    spec.loader.exec_module(module)
    return module


def test_three_students_at_once_each_see_their_own_map(load, capsys):
    assert load.main(["--students", "3", "--rounds", "2", "--max-growth-mb", "512"]) == 0
    out = capsys.readouterr().out
    assert "6 sessions, 6 saw their own correct attention map" in out and "PASS" in out


def test_students_opening_pages_beside_demos_do_not_wait_for_a_whole_demo(load, capsys):
    """Through the balancer and two replicas: two students press the KV-cache demo while two open the Attention
    page; the tool fails if an opener waited as long as a demo takes."""
    assert load.main(["--students", "4", "--kv-pressers", "2", "--rounds", "1", "--max-growth-mb", "512"]) == 0
    out = capsys.readouterr().out
    assert "2 sessions, 2 saw their own correct attention map" in out and "2 KV-cache demo presses" in out


def test_the_check_catches_a_map_from_another_session(load):
    """Cross-talk detection must be able to fail: a visit that received its neighbour's heatmap is refused."""
    reference = load.Reference()
    a, b = load.prompts(2)
    assert a != b
    # Build two honest visits from the reference itself, then swap their heatmaps.
    visits = [load.Visit(p, heatmap=_heatmap(reference, p, load)) for p in (a, b)]
    assert [reference.check(v) for v in visits] == ["", ""]
    visits[0].heatmap, visits[1].heatmap = visits[1].heatmap, visits[0].heatmap
    assert all(reference.check(v) for v in visits)


def _heatmap(reference, prompt, load):
    import torch

    ids = load.prepare_prompt(reference.tok, prompt, 64).ids
    _, cache = reference.model.run_with_cache(torch.tensor([ids]))
    pattern = cache[f"layers.{reference.layer}.attention.hook_pattern"][0, reference.head].tolist()
    return {"x": load.token_labels(reference.tok.pieces(ids)), "z": pattern}


def test_bounds_are_enforced(load):
    with pytest.raises(SystemExit):
        load.main(["--students", "500"])
