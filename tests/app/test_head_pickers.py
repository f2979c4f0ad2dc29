"""Where the head pickers open, and the link that shares them.

The pickers open on a head that shows the page's point, found from the model (llama_edu.analysis,
llama_edu.interventions), not on layer 0, head 0; a lesson step that names a head opens its element on that head; and
a copied link (?prompt=, ?layer=, ?head=, beside the page's path) opens the same view, with what does not exist
corrected by a message, never an exception.
"""

import re

import plotly.io
import pytest
import torch
from apphelpers import assert_no_exception, open_link, open_page
from streamlit.testing.v1 import AppTest

import llama_edu as le
from app.common import DEFAULT_PROMPT, LINK_PROMPT_LIMIT
from llama_edu import analysis, interventions
from llama_edu.lessons import load_lessons

ATTENTION = "views/attention.py"


@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)


def titles(at: AppTest) -> list[str]:
    return [plotly.io.from_json(c.proto.spec).layout.title.text or "" for c in at.get("plotly_chart")]


# ---- where the pickers open -------------------------------------------------------------------------------------------
def test_the_heatmap_and_the_steps_open_on_the_strongest_previous_token_head(tiny):
    model, tok = tiny
    role = analysis.previous_token_head(model, tok)  # computed here the way the app does, in this process
    assert (role.layer, role.head) == (3, 0) and role.score > 0.4  # the tiny model's, over the probe sentences
    at = open_page(ATTENTION)
    assert_no_exception(at)
    for key in ("attn", "attn_steps"):
        assert (at.selectbox(key=f"{key}_layer").value, at.selectbox(key=f"{key}_head").value) == (3, 0)
    assert any(title.startswith("layer 3, head 0") for title in titles(at))


def test_the_ablation_opens_on_a_head_whose_removal_changes_the_prediction(tiny):
    """Not "0.000 bits": the head whose removal moves the default prompt's next token the most, against silencing
    every one of the 48 heads in turn."""
    model, tok = tiny
    ids = tok.encode(DEFAULT_PROMPT)
    before = model(torch.tensor([ids]))[0, -1]
    L, H = model.cfg.n_layers, model.cfg.n_heads
    kl = {(l, h): interventions.compare_next_token(before, interventions.ablate_heads(model, ids, [(l, h)])[0, -1]).kl
          for l in range(L) for h in range(H)}
    strongest = max(kl, key=kl.get)
    at = open_page(ATTENTION)
    shown = (at.selectbox(key="attn_ablation_layer").value, at.selectbox(key="attn_ablation_head").value)
    assert shown == strongest and kl[strongest] > 0.02
    caption = next(c.value for c in at.caption if "bits" in c.value)
    assert f"{kl[strongest]:.3f} bits" in caption and "0.000 bits" not in caption


def test_the_gqa_layer_picker_opens_where_groups_differ_most(tiny):
    model, tok = tiny
    _, cache = model.run_with_cache(torch.tensor([tok.encode(DEFAULT_PROMPT)]))
    patterns = [cache[f"layers.{i}.attention.hook_pattern"][0] for i in range(model.cfg.n_layers)]
    expected = interventions.clearest_group_layer(patterns, model.cfg.n_kv_heads)
    at = open_page("views/gqa.py")
    assert_no_exception(at)
    assert at.selectbox(key="gqa_layer").value == expected


# ---- lesson steps that name a head ------------------------------------------------------------------------------------
NAMED_HEAD = {"en": re.compile(r"layer (\d+), head (\d+)"), "de": re.compile(r"Schicht (?:\(Layer\) )?(\d+), Head (\d+)")}
FOCUSED = [(lesson.id, number) for lesson in load_lessons() for number, step in enumerate(lesson.steps, 1)
           if step.focus]


def test_lessons_declare_the_heads_they_name():
    assert ("attention", 4) in FOCUSED and ("attention", 6) in FOCUSED


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize(("lesson_id", "number"), FOCUSED, ids=[f"{i}-{n}" for i, n in FOCUSED])
def test_a_step_that_names_a_head_shows_that_head(lesson_id, number, lang):
    """The first head the step's text names is its focus, and the element opens on it: pickers and figure title."""
    step = next(lesson for lesson in load_lessons(lang=lang) if lesson.id == lesson_id).steps[number - 1]
    named = NAMED_HEAD[lang].search(step.text)
    assert named and (int(named[1]), int(named[2])) == (step.focus.layer, step.focus.head)
    at = open_link("views/lessons.py", lesson=lesson_id, step=str(number), lang=lang)
    assert_no_exception(at)
    key = f"lesson_{lesson_id}_{number}"
    assert at.selectbox(key=f"{key}_layer").value == step.focus.layer
    assert at.selectbox(key=f"{key}_head").value == step.focus.head
    what = (f"layer {step.focus.layer}, head {step.focus.head}" if lang == "en"
            else f"Schicht {step.focus.layer}, Head {step.focus.head}")
    assert any(what in title for title in titles(at)), titles(at)


# ---- the link ---------------------------------------------------------------------------------------------------------
def test_a_link_restores_prompt_layer_and_head_and_the_page_writes_them_back():
    prompt = "The dog ran to the park"
    at = open_link(ATTENTION, prompt=prompt, layer="5", head="2")
    assert_no_exception(at)
    assert at.text_area(key="_widget_prompt").value == prompt
    assert (at.selectbox(key="attn_layer").value, at.selectbox(key="attn_head").value) == (5, 2)
    assert "layer 5, head 2" in " ".join(titles(at))
    assert not any("link" in i.value for i in at.info)  # nothing to correct, no message
    # The other pickers of the page keep their own opening heads: the link names the page's main picker.
    assert at.selectbox(key="attn_ablation_layer").value != 5 or at.selectbox(key="attn_ablation_head").value != 2
    at.selectbox(key="attn_head").set_value(6).run()
    assert (at.query_params["prompt"], at.query_params["layer"], at.query_params["head"]) == (prompt, "5", "6")


def test_a_lesson_link_restores_its_step_and_head():
    at = open_link("views/lessons.py", lesson="attention", step="4", layer="4", head="4")
    key = "lesson_attention_4"
    assert (at.selectbox(key=f"{key}_layer").value, at.selectbox(key=f"{key}_head").value) == (4, 4)
    at.button(key="lesson_next").click().run()  # the next step has no head picker: the link no longer names one
    assert_no_exception(at)
    assert "layer" not in at.query_params and "head" not in at.query_params


@pytest.mark.parametrize(("layer", "head", "shown"), [
    ("99", "3", (5, 3)), ("2", "8", (2, 7)), ("x", "1", (3, 1)), ("9" * 5000, "²", (3, 0)), ("-1", "1.5", (3, 0)),
    ("", "٣", (3, 0)),
], ids=["layer too large", "head too large", "not a number", "huge and superscript", "negative and decimal",
        "empty and arabic digit"])
def test_bad_layers_and_heads_in_a_link_are_corrected_with_a_message(layer, head, shown):
    at = open_link(ATTENTION, layer=layer, head=head)
    assert_no_exception(at)
    assert (at.selectbox(key="attn_layer").value, at.selectbox(key="attn_head").value) == shown
    messages = " ".join(i.value for i in at.info)
    assert "This link asks for" in messages and len(messages) < 2_000  # a huge value is quoted shortened
    assert (at.query_params["layer"], at.query_params["head"]) == (str(shown[0]), str(shown[1]))


def test_a_german_link_is_corrected_in_german():
    at = open_link(ATTENTION, layer="42", lang="de")
    assert "Dieser Link verlangt Schicht „42“" in " ".join(i.value for i in at.info)


def test_a_long_prompt_is_left_out_of_the_link_and_the_sidebar_says_so():
    long = "The cat sat on the mat. " * 100  # 2,400 characters
    assert len(long) > LINK_PROMPT_LIMIT
    at = open_page(ATTENTION, prompt=long)
    assert_no_exception(at)
    assert "prompt" not in at.query_params
    assert any("leaves it out" in c.value for c in at.sidebar.caption)
    at.text_area(key="_widget_prompt").input("A short one").run()
    assert at.query_params["prompt"] == "A short one"
    assert not any("leaves it out" in c.value for c in at.sidebar.caption)


def test_the_default_prompt_is_left_out_of_the_link_and_a_huge_linked_prompt_is_cut():
    at = open_page(ATTENTION)
    assert "prompt" not in at.query_params
    at = open_link(ATTENTION, prompt="x" * 25_000)
    assert_no_exception(at)
    assert len(at.text_area(key="_widget_prompt").value) == 20_000
    assert any("25,000 characters" in i.value for i in at.sidebar.info)
