"""Overview page: renders on the default prompt and survives every edge prompt."""

import json

from apphelpers import assert_no_exception, open_page

import llama_edu as le

PAGE = "views/overview.py"


def test_overview_shows_diagram_and_family_from_the_config():
    at = open_page(PAGE)
    assert_no_exception(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    diagram = json.loads(charts[0].proto.spec)
    total = le.count_parameters(le.read_config(le.TINY_MODEL_DIR))
    assert f"{total:,} parameters" in diagram["layout"]["title"]["text"]
    assert any("llama-2-70b" in str(df.value) for df in at.dataframe)


def test_overview_survives_edge_prompts(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
    if not edge_prompt.strip():
        assert "empty" in at.warning[0].value
