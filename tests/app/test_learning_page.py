"""Watch it learn (app/views/learning.py): the slider moves through the tiny model's saved steps and every number the
page shows (figures and sentences) is the library's (llama_edu.history), in English and German, whatever model
the sidebar holds."""

import json

import numpy as np
import pytest
from apphelpers import assert_no_exception, open_elements, open_page, shown, spec_array

import llama_edu as le
from llama_edu import history
from llama_edu.i18n import number

PAGE = "views/learning.py"
SLIDER = "learning_step"
N_CHARTS = 5  # loss, next token, head map, head line, the student's prompt


@pytest.fixture(scope="module")
def measured() -> history.History:
    """The library's numbers, measured here (not read from the app's cache)."""
    return history.measure_history()


def charts(at) -> dict[str, dict]:
    """The page's figures by their key's end ("loss", "next", "map", "line", "own"), as JSON."""
    return {chart.key.rsplit("_", 1)[-1]: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def notes(at) -> str:
    return " ".join(shown(md.value) for md in at.markdown)


def bars(fig: dict) -> list[tuple[str, float]]:
    trace = fig["data"][0]
    return list(zip(trace["y"], spec_array(trace["x"]).tolist()))


def test_the_slider_moves_through_the_saved_steps_and_the_numbers_follow(measured):
    at = open_page(PAGE, timeout=300)
    assert_no_exception(at)
    assert at.title[0].value == "Watch it learn: the tiny model during its training"
    slider = at.select_slider(key=SLIDER)
    assert list(slider.options) == [str(s) for s in measured.steps] and slider.value == measured.steps[0]
    shown_steps = {}
    for step in measured.steps:
        at.select_slider(key=SLIDER).set_value(step).run()
        assert_no_exception(at)
        figs, text, m = charts(at), notes(at), measured.at(step)
        assert len(figs) == N_CHARTS
        # The next token: the library's five likeliest, then ▁mat where it is not among them.
        expected = [(f"{rank}. {piece}", p) for rank, (piece, p) in enumerate(m.prediction.top(), start=1)]
        if m.prediction.rank() > history.TOP_K:
            expected.append((f"{m.prediction.rank()}. ▁mat", m.prediction.probability()))
        assert [name for name, _ in bars(figs["next"])] == [name for name, _ in expected]
        assert [p for _, p in bars(figs["next"])] == pytest.approx([p for _, p in expected], abs=1e-6)
        assert f"its first guess is `{m.prediction.ranked[0][0]}` with {m.prediction.ranked[0][1]:.3f}" in text
        # The loss: training_log.json's, marked at the step.
        mark = figs["loss"]["data"][2]
        assert spec_array(mark["y"]).tolist()[0] == m.loss.train
        assert f"training batch is {m.loss.train:.2f} nats per token" in text
        # The heads: the library's scores, the strongest framed, and the same head named in the sentence.
        z = spec_array(figs["map"]["data"][0]["z"])
        np.testing.assert_allclose(z, m.previous_token.numpy(), atol=1e-6)
        assert f"The strongest previous-token head now is L{m.head.layer}H{m.head.head}: on average " \
               f"{m.head.score:.2f}" in text
        assert spec_array(figs["line"]["data"][0]["y"]).tolist() == pytest.approx(measured.head_line(4, 0))
        shown_steps[step] = (bars(figs["next"])[0], z.max())
    assert len({top for top, _ in shown_steps.values()}) >= 3  # the prediction changes along the run
    assert shown_steps[50][1] < shown_steps[2000][1]  # and the previous-token head forms


def test_at_the_last_step_the_page_shows_reports_numbers():
    at = open_page(PAGE, timeout=300, learning_step=2000)
    assert_no_exception(at)
    text = notes(at)
    assert "its first guess is `▁roof` with 0.209" in text and "`▁mat` is among the 5 likeliest, at rank 4 (0.055)" \
        in text
    assert [(name, round(p, 3)) for name, p in bars(charts(at)["next"])] == [
        ("1. ▁roof", 0.209), ("2. ▁floor", 0.128), ("3. ▁chair", 0.062), ("4. ▁mat", 0.055), ("5. ▁table", 0.043)]
    assert "The strongest previous-token head now is L4H0" in text
    assert "validation loss the run logged at this step is 1.20" in text  # training_log.json: 1.1954


def test_in_german_words_and_numbers_are_german(measured):
    at = open_page(PAGE, timeout=300, lang="de", learning_step=600)
    assert_no_exception(at)
    assert at.title[0].value == "Beim Lernen zusehen: das Mini-Modell während seines Trainings"
    text = notes(at)
    m = measured.at(600)
    piece, p = m.prediction.ranked[0]
    assert f"Nach „The cat sat on the“ rät es zuerst `{piece}` mit {number(p, '.3f', lang='de')}" in text
    assert f"auf Rang {m.prediction.rank()} ({number(m.prediction.probability(), '.3f', lang='de')})" in text
    assert "2.457.600 Tokens gelesen" in text  # 600 steps of 16 x 256 tokens
    figs = charts(at)
    assert figs["loss"]["layout"]["separators"] == ",." and "Schritt 600" in figs["map"]["layout"]["title"]["text"]
    assert "The strongest previous-token head" not in text


def test_the_students_prompt_is_predicted_by_the_checkpoint_at_the_step(measured):
    prompt = "Once upon a time, there was a little"
    at = open_page(PAGE, prompt=prompt, timeout=300, learning_step=200)
    assert_no_exception(at)
    model, tok = history.load_checkpoint(measured.at(200).checkpoint)
    expected = history.next_token_prediction(model, tok, prompt).top()
    own = charts(at)["own"]
    assert [p for _, p in bars(own)] == pytest.approx([p for _, p in expected], abs=1e-6)
    assert prompt in own["layout"]["title"]["text"] and "step 200" in own["layout"]["title"]["text"]


def test_another_model_in_the_sidebar_is_named_and_the_history_stays_the_tiny_models(measured, monkeypatch):
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(le.TINY_MODEL_DIR / history.HISTORY_FOLDER))
    at = open_page(PAGE, timeout=300, model_label="step-00600", learning_step=50)
    assert_no_exception(at)
    assert any("You picked **step-00600** in the sidebar" in shown(box.value) for box in at.info)
    top = measured.at(50).prediction.top()
    assert [p for _, p in bars(charts(at)["next"])][:5] == pytest.approx([p for _, p in top], abs=1e-6)


def test_an_empty_prompt_leaves_the_history_on_the_page():
    at = open_page(PAGE, prompt="   ", timeout=300)
    assert_no_exception(at)
    assert at.warning and len(charts(at)) == N_CHARTS - 1  # no prediction for a prompt that is not there


def test_the_elements_draw_twice_on_one_screen_each_copy_with_its_own_slider():
    names = ["history_step", "history_loss", "history_next_token", "history_heads", "history_own_prompt"]
    at = open_elements("history", *names, timeout=300)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2 * N_CHARTS
    at.select_slider(key="second_step").set_value(2000).run()
    assert_no_exception(at)
    first, second = (at.select_slider(key=f"{key}_step").value for key in ("first", "second"))
    assert (first, second) == (50, 2000)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert sum("step 50 " in title or title.endswith("step 50") for title in titles) == N_CHARTS - 1
    assert sum("step 2000" in title for title in titles) == N_CHARTS - 1  # all but the line over every step
