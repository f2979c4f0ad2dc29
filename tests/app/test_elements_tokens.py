"""Token elements alone on a screen, each drawn twice with two keys: no exception, no shared widget state."""


import pytest
from apphelpers import assert_no_exception, open_elements, widget_keys


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
