"""Watch it learn (llama_edu/history.py, llama_edu/viz/history.py): the numbers of the tiny model's training history,
checked against REPORT.md (written by llama_edu.evaluate at the end of the run) and training_log.json."""

import math
import re

import numpy as np
import plotly.colors as pc
import pytest
import torch

import llama_edu as le
from llama_edu import history
from llama_edu.analysis import HeadRole
from llama_edu.viz import history as viz
from llama_edu.viz import palette

REPORT = (le.TINY_MODEL_DIR / "REPORT.md").read_text(encoding="utf-8")
LOG = history.training_log()


def report_top_tokens() -> list[tuple[str, str]]:
    """REPORT's table after "The cat sat on the": (piece, probability as printed)."""
    section = REPORT.split('## Next token after "The cat sat on the"')[1].split("##")[0]
    return re.findall(r"^\| `([^`]+)` \| ([\d.]+) \|$", section, re.MULTILINE)


def report_previous_token_head() -> tuple[int, int, str]:
    """REPORT's strongest previous-token head: (layer, head, score as printed), e.g. (4, 0, "0.39")."""
    layer, head, score = re.search(r"^- L(\d+)H(\d+): previous token \(([\d.]+)\)$", REPORT, re.MULTILINE).groups()
    return int(layer), int(head), score


@pytest.fixture(scope="module")
def predictions() -> dict[int, history.Prediction]:
    """Every checkpoint's next-token prediction after "The cat sat on the" (five loads and five short runs)."""
    return {c.step: history.next_token_prediction(*history.load_checkpoint(c)) for c in history.checkpoints()}


@pytest.fixture(scope="module")
def measured() -> history.History:
    """The whole history as the page measures it (about 5 s on 2 quiet cores)."""
    return history.measure_history()


# ---- the checkpoints and the log ---------------------------------------------------------------------------------
def test_the_history_is_the_logged_snapshots_then_the_shipped_model():
    found = history.checkpoints()
    assert [c.step for c in found] == [*LOG["snapshots"], LOG["config"]["steps"]]
    assert [c.final for c in found] == [False] * len(LOG["snapshots"]) + [True]
    assert found[-1].path == le.TINY_MODEL_DIR
    assert all(c.path.name == f"step-{c.step:05d}" for c in found[:-1])
    assert all(c.tokens == c.step * LOG["config"]["batch_size"] * LOG["config"]["seq_len"] for c in found)


def test_the_losses_are_training_logs():
    train = {s["step"]: s["loss"] for s in LOG["steps"]}
    validation = {e["step"]: e["val_loss"] for e in LOG["evals"]}
    for c in history.checkpoints():
        loss = history.losses_at(LOG, c.step)
        assert loss.train == train[c.step] and loss.validation == validation.get(c.step)
        assert loss.first == LOG["steps"][0]["loss"]
    assert history.losses_at(LOG, 50).validation is None  # the run's first validation loss is at step 100
    assert history.losses_at(LOG, 50).uniform == pytest.approx(math.log(4096))


# ---- the next token after "The cat sat on the" ---------------------------------------------------------------------
def test_at_the_final_step_the_top_five_are_reports_table(predictions):
    final = predictions[LOG["config"]["steps"]]
    assert [(piece, f"{p:.3f}") for piece, p in final.top()] == report_top_tokens()
    assert final.rank() == 4  # REPORT's targets: "mat" at rank 4


def test_the_prediction_is_the_whole_vocabulary_ranked(predictions):
    final = predictions[LOG["config"]["steps"]]
    probabilities = [p for _, p in final.ranked]
    assert len(final.ranked) == 4096 and sum(probabilities) == pytest.approx(1.0, abs=1e-4)
    assert probabilities == sorted(probabilities, reverse=True)
    assert final.probability() == final.ranked[final.rank() - 1][1]


def test_the_prediction_changes_along_the_steps(predictions):
    """Measured: step 50 guesses ▁cat (0.015, barely above the rest), step 2000 ▁roof (0.209); ▁mat ranks
    267 -> 33 -> 4 -> 15 -> 4: it enters the top five at step 600, drops out at 1200 and is back at the end."""
    tops = {step: p.ranked[0][0] for step, p in predictions.items()}
    assert tops[50] != tops[2000] and len(set(tops.values())) >= 3
    assert predictions[50].ranked[0][1] < predictions[2000].ranked[0][1] / 5  # sure of nothing yet
    ranks = [p.rank() for p in predictions.values()]
    assert ranks == [267, 33, 4, 15, 4]


# ---- the notes: which sentence, from which numbers -----------------------------------------------------------------
def _fake(step: int, ranked: list[tuple[str, float]], scores: torch.Tensor, final: bool = False):
    """(a checkpoint with made-up measurements, a log to go with it): the notes depend only on these."""
    log = {"steps": [{"step": 1, "loss": 8.0}, {"step": step, "loss": 8.0 - step / 1000}],
           "evals": [], "model": {"vocab_size": len(ranked)}, "config": {"eval_every": 100}}
    loss = history.StepLoss(step, 8.0 - step / 1000, None, 8.0, math.log(len(ranked)), 100)
    flat = int(scores.argmax())
    head = HeadRole(flat // scores.shape[1], flat % scores.shape[1], "previous token", float(scores.max()))
    checkpoint = history.Checkpoint(step, le.TINY_MODEL_DIR, step * 10, final)
    return history.Measured(checkpoint, loss, history.Prediction(history.PROMPT, tuple(ranked)), scores, head), log


def test_the_notes_follow_the_numbers():
    a, log = _fake(10, [("▁rug", 0.5), ("▁bed", 0.3), ("▁mat", 0.2)], torch.tensor([[0.3, 0.1], [0.2, 0.1]]))
    b, _ = _fake(20, [("▁mat", 0.6), ("▁rug", 0.3), ("▁bed", 0.1)], torch.tensor([[0.3, 0.1], [0.2, 0.9]]))
    c, _ = _fake(30, [("▁bed", 0.4)] + [(f"▁w{i}", 0.01) for i in range(5)] + [("▁mat", 0.005)],
                 torch.tensor([[0.3, 0.1], [0.2, 0.95]]), final=True)
    log["steps"].append({"step": 30, "loss": 7.97})
    measured = history.History(log, (a, b, c), 0.05, 3, 40, 200)
    first, second, last = (measured.notes(step) for step in (10, 20, 30))
    assert [k for k, _ in first["next"]] == ["note.top_guess", "note.mat_top", "note.mat_entered"]
    assert [k for k, _ in second["next"]] == ["note.top_guess", "note.mat_first", "note.mat_entered"]
    assert [k for k, _ in last["next"]][1] == "note.mat_far" and last["next"][1][1]["rank"] == 7
    assert first["next"][2][1] == {"ranks": (3, 1, 7), "step": 10, "k": history.TOP_K}
    assert first["next"][0][1]["top"] == pytest.approx(1.0) and first["next"][0][1]["piece"] == "▁rug"
    # Heads: L0H0 leads at step 10, L1H1 at the end; the end's leader rose most from step 10 to 20.
    assert first["heads"][0] == ("note.head", {"head": "L0H0", "score": pytest.approx(0.3), "uniform": 0.05,
                                               "times": pytest.approx(6.0)})
    assert first["heads"][1] == ("note.head_other", {"head": "L1H1", "score": pytest.approx(0.1)})
    assert [k for k, _ in last["heads"]] == ["note.head", "note.head_rise"]
    assert last["heads"][1][1] == {"head": "L1H1", "start": 10, "end": 20, "before": pytest.approx(0.1),
                                   "after": pytest.approx(0.9)}
    # Loss: no validation at these steps; the share of the fall before the end, where half of it was at the end.
    assert [k for k, _ in first["loss"]] == ["note.loss", "note.no_validation", "note.loss_share"]
    assert first["loss"][2][1]["share"] == pytest.approx((8.0 - 7.99) / (8.0 - 7.97))
    assert [k for k, _ in last["loss"]] == ["note.loss", "note.no_validation", "note.loss_half"]


# ---- the figures ---------------------------------------------------------------------------------------------------
def _colours(fig) -> set[str]:
    found = set()
    for trace in fig.data:
        for part in ("line", "marker"):
            colour = getattr(getattr(trace, part, None), "color", None)
            found |= set(colour) if isinstance(colour, (list, tuple)) else {colour} if colour else set()
    found |= {shape.line.color for shape in fig.layout.shapes if shape.line.color}
    return found


ALLOWED = set(palette.CATEGORIES) | {palette.GREY}


def test_the_loss_figure_is_the_logs_curve_with_the_step_marked():
    for step in (50, 600):
        fig = viz.loss_history_figure(LOG, step)
        batch, validation, mark = fig.data
        assert list(batch.y) == [s["loss"] for s in LOG["steps"]]
        assert list(validation.y) == [e["val_loss"] for e in LOG["evals"]]
        expected = [history.losses_at(LOG, step).train] + [e["val_loss"] for e in LOG["evals"] if e["step"] == step]
        assert list(mark.y) == expected
        assert fig.layout.shapes[0].x0 == step * 16 * 256 / 1e6  # the line at the step, on the tokens axis
        assert _colours(fig) <= ALLOWED


def test_the_next_token_figure_shows_the_top_and_where_mat_is(predictions):
    p = predictions[50]
    fig = viz.next_token_figure(p.top(), "title", watched=("▁mat", p.rank(), p.probability()))
    bars = fig.data[0]
    assert list(bars.x) == [q for _, q in p.top()] + [p.probability()]
    assert list(bars.y)[-1] == "267. ▁mat" and list(bars.y)[0] == f"1. {p.ranked[0][0]}"
    assert list(bars.marker.color) == [palette.category(0)] * 5 + [palette.category(1)]
    final = predictions[2000]
    fig = viz.next_token_figure(final.top(), "title", watched=("▁mat", final.rank(), final.probability()))
    assert len(fig.data[0].x) == 5 and list(fig.data[0].marker.color)[3] == palette.category(1)


def test_the_head_figures_draw_scores_in_viridis_and_lines_in_the_palette():
    scores = torch.rand(6, 8)
    fig = viz.previous_token_map(scores, (4, 0), 600, zmax=0.5)
    assert fig.data[0].colorscale == tuple(tuple(stop) for stop in pc.make_colorscale(pc.sequential.Viridis))
    assert fig.data[0].zmax == 0.5 and (fig.layout.shapes[0].x0, fig.layout.shapes[0].y0) == (-0.5, 3.5)
    assert _colours(fig) <= ALLOWED
    fig = viz.head_line_figure([50, 200], ("L4H0", [0.1, 0.3]), [("L5H1", 0.12), ("L4H0", 0.3)], 0.1, 200)
    assert [list(trace.y) for trace in fig.data] == [[0.1, 0.3], [0.12, 0.3]]
    assert _colours(fig) <= ALLOWED


# ---- the previous-token head: against REPORT (slow: every checkpoint over the held-out texts) ----------------------
@pytest.mark.slow
def test_at_the_final_step_the_strongest_previous_token_head_is_reports(measured):
    layer, head, printed = report_previous_token_head()
    final = measured.measured[-1]
    assert (final.head.layer, final.head.head) == (layer, head) == (4, 0)
    # The page measures the first 20 of REPORT's 100 texts: 0.403 there, 0.393 over all 100 (REPORT's 0.39).
    model, tok = history.load_checkpoint(final.checkpoint)
    report_scores = history.previous_token_scores(model, tok, history.head_texts(history.N_REPORT_TEXTS))
    assert history.strongest_head(report_scores).__str__() == f"L{layer}H{head}: previous token ({printed})"
    assert abs(final.head.score - float(report_scores[layer, head])) <= history.HEAD_SCORE_TOLERANCE
    assert f"{final.head.score:.2f}" == "0.40"  # what the page prints, one hundredth above REPORT's


@pytest.mark.slow
def test_the_previous_token_head_forms_along_the_run(measured):
    """Measured over the page's 20 texts: L5H1 leads at step 50 with 0.12 (a head spreading its attention evenly
    scores 0.10), then L4H0: 0.32, 0.38, 0.40, 0.40. The strongest score rises at every checkpoint, most from step
    50 to 200; so does L4H0's."""
    strongest = [m.head.score for m in measured.measured]
    assert all(a < b for a, b in zip(strongest, strongest[1:])), strongest
    lead = measured.head_line(4, 0)
    assert all(a < b for a, b in zip(lead, lead[1:])), lead
    assert strongest[0] < 1.5 * measured.uniform_head < 3 * measured.uniform_head < strongest[-1]
    rise = measured.notes(2000)["heads"][-1]
    assert rise == ("note.head_rise", {"head": "L4H0", "start": 50, "end": 200, "before": lead[0], "after": lead[1]})
    assert [f"L{m.head.layer}H{m.head.head}" for m in measured.measured] == ["L5H1"] + ["L4H0"] * 4


@pytest.mark.slow
def test_the_history_measures_what_report_measures(measured, predictions):
    assert measured.steps == [c.step for c in history.checkpoints()]
    for m in measured.measured:
        assert m.prediction == predictions[m.step]
        assert m.loss == history.losses_at(LOG, m.step)
    assert (measured.n_texts, measured.n_tokens, measured.report_tokens) == (20, 1541, 6699)
    assert measured.notes(50)["next"][-1] == ("note.mat_entered", {"ranks": (267, 33, 4, 15, 4), "step": 600,
                                                                   "k": 5})


def test_every_figure_speaks_german_with_the_same_numbers(predictions):
    p = predictions[50]
    scores = torch.rand(6, 8)
    draws = [lambda lang: viz.loss_history_figure(LOG, 200, lang=lang),
             lambda lang: viz.next_token_figure(p.top(), "t", watched=("▁mat", p.rank(), p.probability()), lang=lang),
             lambda lang: viz.previous_token_map(scores, (4, 0), 600, lang=lang),
             lambda lang: viz.head_line_figure([50, 200], ("L4H0", [0.1, 0.3]), [("L5H1", 0.12), ("L4H0", 0.3)], 0.1,
                                               200, lang=lang)]
    for draw in draws:
        en, de = draw("en"), draw("de")
        assert [list(np.ravel(t.y if t.type != "heatmap" else t.z)) for t in en.data] == \
               [list(np.ravel(t.y if t.type != "heatmap" else t.z)) for t in de.data]
        assert de.layout.separators == ",." and en.layout.separators == ".,"
        english = {en.layout.title.text, en.layout.xaxis.title.text, en.layout.yaxis.title.text} - {"t"}
        german = {de.layout.title.text, de.layout.xaxis.title.text, de.layout.yaxis.title.text}
        assert english and not english & german, english & german
    bars = viz.next_token_figure(p.top(), "t", watched=("▁mat", p.rank(), p.probability()), lang="de").data[0]
    assert list(bars.text)[0] == f"{p.ranked[0][1]:.3f}".replace(".", ",")  # German decimal comma on the bars
    assert list(bars.text)[-1] == f"{p.probability():.2g}".replace(".", ",")
