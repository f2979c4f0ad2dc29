"""Token elements alone on a screen, each drawn twice with two keys: no exception, no shared widget state."""

from pathlib import Path

import pytest
from apphelpers import assert_no_exception
from streamlit.testing.v1 import AppTest

APP_DIR = str(Path(__file__).resolve().parents[2] / "app")


def elements_twice(app_dir: str, topic: str, names: list[str]) -> None:
    """AppTest script: the shared sidebar, then the named elements with key "first", then again with "second"."""
    import importlib
    import sys

    if app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    import elements
    from common import current

    # Only this topic's module: render() would import every topic, and this test is about these elements.
    importlib.import_module(f"elements.{topic}")
    cur = current()
    if cur is not None:
        for key in ("first", "second"):
            for name in names:
                elements.ELEMENTS[name](cur, key)


def open_elements(topic: str, *names: str) -> AppTest:
    at = AppTest.from_function(elements_twice, args=(APP_DIR, topic, list(names)), default_timeout=60)
    at.run()
    return at


def widget_keys(at: AppTest) -> list[str]:
    """The user keys of every widget and chart in the main area (the sidebar's prompt and model picker are not ours)."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    return [node.key for node in walk(at.main) if getattr(node, "key", None)]


@pytest.mark.parametrize("name", ["token_chips", "byte_fallback", "embedding_heatmap"])
def test_element_draws_twice_on_one_screen(name):
    at = open_elements("tokens", name)
    assert_no_exception(at)
    assert all(k.startswith(("first_", "second_")) for k in widget_keys(at)), widget_keys(at)


def test_two_byte_fallback_boxes_keep_their_own_text():
    at = open_elements("tokens", "byte_fallback")
    at.text_input(key="second_example").set_value("é").run()
    assert_no_exception(at)
    assert [c.value for c in at.code] == ["🦙", "é"]


def test_embedding_heatmap_draws_three_charts_per_copy():
    at = open_elements("tokens", "embedding_heatmap")
    assert len(at.get("plotly_chart")) == 6
