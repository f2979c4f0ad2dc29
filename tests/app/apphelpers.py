"""Helpers for testing app pages with streamlit.testing.v1.AppTest (no browser, no server)."""

import base64
import json
import re
from pathlib import Path

import helpers
import numpy as np
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app" / "main.py"

# The inputs every page must survive with a clear message or a handled truncation, never a traceback.
EDGE_PROMPTS = {
    "empty": "",
    "only spaces": "   \n  ",
    "emoji, right-to-left and control characters": "Hi 😀🦙 שלום مرحبا \x07\x1b[31m end\u200b",
    "ten thousand characters": ("The cat sat on the mat. " * 420)[:10_000],
    "longer than the model's context": " ".join(f"word{i}" for i in range(2_000)),
}


def open_page(page: str, prompt: str | None = None, timeout: float = 60, **state) -> AppTest:
    """Run the app on `page` (e.g. "views/attention.py") with this prompt and any extra session state."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if prompt is not None:
        at.session_state["prompt"] = prompt
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    at.run()
    return at


def open_link(page: str, **query) -> AppTest:
    """A fresh session opened from a link: the page's path and these query parameters."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update(query)
    at.switch_page(page)
    at.run()
    return at


def shown(markdown: str) -> str:
    """What the browser shows for a markdown text: the backslash escapes put in front of a student's text, a token
    piece or a file name (llama_edu.literal.for_markdown) are not visible."""
    return _MARKDOWN_ESCAPE.sub(r"\1", markdown)


_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def spec_array(value) -> np.ndarray:
    """An array from Streamlit's figure JSON: plotly 6+ writes numpy arrays as {"dtype", "bdata", "shape"}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.array(value)


# ---- one element at a time --------------------------------------------------------------------------------------
def open_elements(topic: str, *names: str, timeout: float = 60) -> AppTest:
    """A screen with only these elements of one topic, each drawn twice (keys "first" and "second")."""
    return helpers.open_elements([topic], list(names), keys=("first", "second"), timeout=timeout)


def widget_keys(at: AppTest) -> list[str]:
    """The user keys of every widget and chart in the main area (the sidebar's prompt and model picker excluded)."""
    def walk(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    return [node.key for node in walk(at.main) if getattr(node, "key", None)]


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the screen, as its JSON."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
