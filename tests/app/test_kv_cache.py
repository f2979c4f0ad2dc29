"""KV cache page: the calculator is kv_cache_bytes, the slide's number is reproduced, the live demo agrees."""

import json

import pytest
from apphelpers import assert_no_exception, open_page

import llama_edu as le

PAGE = "views/kv_cache.py"


def table(at, index: int = 0):
    return at.dataframe[index].value


def test_calculator_rows_are_kv_cache_bytes_and_mha_multiplies_by_the_group_size():
    at = open_page(PAGE)
    assert_no_exception(at)
    at.multiselect(key="kv_presets").set_value(["llama-2-70b"])
    at.number_input(key="kv_batch").set_value(2)
    at.number_input(key="kv_seq_len").set_value(8192)
    at.selectbox(key="kv_dtype").set_value("float32").run()
    row = table(at).iloc[0]
    assert row["bytes"] == f"{le.kv_cache_bytes(le.PRESETS['llama-2-70b'], 8192, 2, 4):,}"
    assert row["GiB"] == "10.0000"  # 2 * 80 * 8 * 128 * 8192 * 2 * 4 bytes
    at.toggle(key="kv_mha").set_value(True).run()
    assert table(at).iloc[0]["GiB"] == "80.0000"


def test_memory_chart_goes_up_to_each_models_context():
    at = open_page(PAGE)
    at.multiselect(key="kv_chart_presets").set_value(["llama-3-8b", "llama-2-7b"]).run()
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert [t["x"][-1] for t in traces] == [8192, 4096]
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]["type"] == "log"


def test_no_model_selected_is_a_message_not_an_error():
    at = open_page(PAGE)
    at.multiselect(key="kv_presets").set_value([]).run()
    assert_no_exception(at)
    assert any("Pick at least one model" in i.value for i in at.info)


def test_the_slides_40960_gib_and_the_correct_80_gib_are_shown():
    at = open_page(PAGE)
    latex = " ".join(x.value for x in at.latex)
    assert "= 40,960\\ \\text{GiB}" in latex
    assert "1.25\\ \\text{GiB per sequence}" in latex
    assert any("**80 GiB** for the batch of 64" in md.value for md in at.markdown)


def test_live_demo_generates_the_same_tokens_with_and_without_the_cache():
    at = open_page(PAGE)
    at.slider(key="kv_n_new").set_value(5)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    assert any("Same tokens with and without the cache: **True**" in s.value for s in at.success)
    timing = json.loads(at.get("plotly_chart")[1].proto.spec)["data"]
    prompt_len = len(le.load_tokenizer(le.TINY_MODEL_DIR).encode("The cat sat on the mat"))
    assert timing[3]["y"] == [prompt_len, 1, 1, 1, 1]  # positions run with the cache
    assert timing[1]["y"] == [prompt_len + k for k in range(5)]  # and without
    growth = at.dataframe[1].value
    assert list(growth["step"]) == [0, 1, 2, 3, 4]
    at.run()  # a rerun shows the stored result without generating again
    assert len(at.get("plotly_chart")) == 2


def test_longer_context_option_runs_the_repeated_prompt():
    at = open_page(PAGE)
    at.slider(key="kv_n_new").set_value(2)
    at.toggle(key="kv_longer").set_value(True)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    timing = json.loads(at.get("plotly_chart")[1].proto.spec)["data"]
    cfg = le.read_config(le.TINY_MODEL_DIR)
    assert timing[3]["y"][0] == min(cfg.max_seq_len - 2, 160)


@pytest.mark.parametrize("prompt", ["The", "The cat sat on the mat. " * 40])
def test_demo_runs_for_a_one_token_and_a_truncated_prompt(prompt):
    at = open_page(PAGE, prompt=prompt)
    at.slider(key="kv_n_new").set_value(3)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    assert any("**True**" in s.value for s in at.success)


def test_edge_prompts_never_show_a_traceback(edge_prompt):
    at = open_page(PAGE, prompt=edge_prompt)
    assert_no_exception(at)
