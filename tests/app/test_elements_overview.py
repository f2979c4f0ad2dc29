"""Overview elements drawn alone on the default prompt, each twice on one screen: two keys never share a widget."""

import json

from apphelpers import assert_no_exception, open_elements
from streamlit.testing.v1 import AppTest

import llama_edu as le


def render_twice(name: str) -> AppTest:
    at = open_elements("overview", name)
    assert_no_exception(at)
    return at


def test_block_diagram_twice():
    at = render_twice("block_diagram")
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]
    total = le.count_parameters(le.read_config(le.TINY_MODEL_DIR))
    assert titles == [titles[0]] * 2 and f"{total:,} parameters" in titles[0]


def test_parameter_breakdown_table_twice_counts_the_loaded_models_tensors():
    at = render_twice("parameter_breakdown_table")
    assert len(at.dataframe) == 2
    model = le.load_model(le.TINY_MODEL_DIR)
    counted = {"tok_embeddings": model.tok_embeddings.weight.numel(), "output": model.output.weight.numel(),
               "attention": sum(p.numel() for n, p in model.named_parameters() if ".attention." in n),
               "feed_forward": sum(p.numel() for n, p in model.named_parameters() if ".feed_forward." in n),
               "norms": sum(p.numel() for n, p in model.named_parameters() if "norm" in n)}
    assert sum(counted.values()) == sum(p.numel() for p in model.parameters())
    for df in at.dataframe:
        shown_counts = {row["component"]: int(str(row["parameters"]).replace(",", ""))
                        for _, row in df.value.iterrows()}
        assert shown_counts == counted


def test_parameter_shares_twice_with_independent_pickers():
    at = render_twice("parameter_shares")
    at.multiselect(key="first_models").set_value(["llama-65b"]).run()
    assert_no_exception(at)
    first, second = (json.loads(chart.proto.spec)["data"][0]["y"] for chart in at.get("plotly_chart"))
    assert first == ["this model", "llama-65b"] and len(second) > 2


def test_family_table_twice():
    at = render_twice("family_table")
    assert all("llama-2-70b" in list(df.value["model"]) for df in at.dataframe) and len(at.dataframe) == 2


def test_next_token_table_twice():
    at = render_twice("next_token_table")
    assert [len(df.value) for df in at.dataframe] == [5, 5]
