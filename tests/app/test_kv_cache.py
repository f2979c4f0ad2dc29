"""KV cache page: the calculator is kv_cache_bytes, the slide's number is reproduced, the live demo agrees."""

import json

import pytest
from apphelpers import assert_no_exception, open_page

import llama_edu as le
from app.text import table_rows
from llama_edu import kvcache
from llama_edu.viz import kvcache as viz

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


def test_live_demo_starts_from_a_long_context_and_generates_the_same_tokens_with_and_without_the_cache():
    at = open_page(PAGE)
    at.slider(key="kv_n_new").set_value(5)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    assert any("Same tokens with and without the cache: **True**" in s.value for s in at.success)
    timing = json.loads(at.get("plotly_chart")[1].proto.spec)["data"]
    start = le.read_config(le.TINY_MODEL_DIR).max_seq_len - 5  # the prompt repeated until 5 new tokens end the context
    assert timing[3]["y"] == [start, 1, 1, 1, 1]  # positions run with the cache
    assert timing[1]["y"] == [start + k for k in range(5)]  # and without
    growth = at.dataframe[2].value
    assert list(growth["step"]) == [0, 1, 2, 3, 4]
    at.run()  # a rerun shows the stored result without generating again
    assert len(at.get("plotly_chart")) == 2


def test_the_verdict_is_the_ratio_of_medians_and_the_work_is_counted():
    at = open_page(PAGE)
    at.slider(key="kv_n_new").set_value(3)
    at.button(key="kv_run").click().run()
    with_cache, without_cache = at.session_state["kv_demo"][1]
    assert all(len(tries) == kvcache.DEMO_TRIES for tries in with_cache.tries_ms + without_cache.tries_ms)
    verdict = next(md.value for md in at.markdown if md.value.startswith("**One generated token**"))
    assert f"**{kvcache.decode_speedup(with_cache, without_cache):.1f}× faster**" in verdict
    work = at.dataframe[1].value
    cfg = le.read_config(le.TINY_MODEL_DIR)
    assert list(work["positions per step"]) == ["1", "255"] or list(work["positions per step"]) == [1, 255]
    assert list(work["multiply-adds per step (millions)"]) == [
        f"{kvcache.forward_multiply_adds(cfg, n, 255) / 1e6:,.1f}" for n in (1, 255)]
    assert list(work["ms per token (median)"]) == [
        f"{run.per_token().median:,.1f}" for run in (with_cache, without_cache)]
    for lang in ("en", "de"):  # a sixth column was cut off at 1280 px: ~90 characters fit beside the sidebar
        shown = table_rows(viz.decode_work_rows(with_cache, without_cache, lang=lang), lang)
        assert sum(max(len(name), *(len(str(row[name])) for row in shown)) for name in shown[0]) <= 90


def test_the_students_own_prompt_can_be_timed_too():
    at = open_page(PAGE)
    at.slider(key="kv_n_new").set_value(2)
    at.toggle(key="kv_longer").set_value(False)
    at.button(key="kv_run").click().run()
    assert_no_exception(at)
    timing = json.loads(at.get("plotly_chart")[1].proto.spec)["data"]
    assert timing[3]["y"][0] == len(le.load_tokenizer(le.TINY_MODEL_DIR).encode("The cat sat on the mat"))


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
