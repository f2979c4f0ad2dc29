"""Generation elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""

import json

from apphelpers import assert_no_exception, open_elements
from streamlit.testing.v1 import AppTest


def new_ids(at, key: str) -> list[int]:
    decoding = at.session_state[f"{key}_decoding"]
    return [] if decoding is None else decoding.new_ids


def render_twice(name: str) -> AppTest:
    at = open_elements("generation", name)
    assert_no_exception(at)
    return at


def test_next_token_bars_twice_with_independent_sliders():
    at = render_twice("next_token_bars")
    at.slider(key="first_temperature").set_value(0.0).run()
    assert_no_exception(at)
    summaries = [md.value for md in at.markdown if "can still be drawn" in md.value]
    assert summaries[0].startswith("1 of ") and not summaries[1].startswith("1 of ")


def test_generate_step_twice_keeps_each_continuation_under_its_own_key():
    at = render_twice("generate_step")
    at.button(key="first_next").click().run()
    at.button(key="first_next").click().run()
    assert_no_exception(at)
    assert len(new_ids(at, "first")) == 2 and new_ids(at, "second") == []
    at.button(key="second_next").click().run()
    assert len(new_ids(at, "first")) == 2 and len(new_ids(at, "second")) == 1
    at.button(key="first_reset").click().run()
    assert new_ids(at, "first") == [] and len(new_ids(at, "second")) == 1


def test_logit_lens_twice():
    at = render_twice("logit_lens")
    first, second = (json.loads(chart.proto.spec)["data"][0] for chart in at.get("plotly_chart"))
    assert first["z"] == second["z"]
