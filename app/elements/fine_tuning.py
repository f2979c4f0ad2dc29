"""Fine-tuning elements: a copy of the shipped tiny model trained for a few steps on sentences in a new style (its
loss step by step, the next token before and after), which weight matrices moved and how far, and what did not
change (tokenizer, config, parameter names and shapes, the embedding rows of tokens it never read).

Always the shipped tiny model, whatever the sidebar loaded: a copy of a 7B model would not fit beside it. The copy
is trained once per server on the CPU (llama_edu.fine_tune, about a second) and shared by every student; the
shared model itself is never changed. Widget and chart keys start with `key`.
"""

import hashlib

import streamlit as st

import llama_edu as le
from app.common import lang, plain, say, show_figure
from app.elements import element
from app.text import Markdown
from llama_edu import fine_tune, literal
from llama_edu.i18n import number
from llama_edu.viz import fine_tuning as viz

PROMPT_CHOICES = ("lesson", "yours")


@st.cache_resource(show_spinner=False)
def tiny_model() -> tuple[le.Transformer, le.Tokenizer]:
    """The shipped tiny model in float32 on the CPU, loaded once per server for fine-tuning demos (read-only)."""
    return le.load_with_tokenizer(le.TINY_MODEL_DIR, device="cpu", dtype="float32")


@st.cache_resource(show_spinner=False)
def style_run() -> fine_tune.FineTuneRun:
    """The tiny model's copy after fine_tune.FINE_TUNE_STEPS steps on fine_tune.STYLE_SENTENCES (once per server)."""
    model, tok = tiny_model()
    return fine_tune.fine_tuned_copy(model, tok, fine_tune.STYLE_SENTENCES)


def _run():
    with st.spinner(say("fine_tuning.running")):
        return tiny_model(), style_run()


@element("fine_tune_run")
def fine_tune_run(cur, key: str) -> None:
    """The sentences, the loss at each step, and the next-token probabilities before and after, on the lesson's
    prompt or the student's own."""
    (model, tok), run = _run()
    listed = Markdown("\n".join(f"- {literal.for_markdown(s)}" for s in fine_tune.STYLE_SENTENCES))
    st.markdown(say("fine_tuning.sentences", sentences=listed))
    st.caption(say("fine_tuning.recipe", steps=len(run.losses), lr=fine_tune.FINE_TUNE_LR,
                   losses=" → ".join(number(loss, ".2f", lang=lang()) for loss in [*run.losses, run.final_loss])))
    labels = {c: plain(f"fine_tuning.prompt.{c}", prompt=fine_tune.STYLE_PROMPT) for c in PROMPT_CHOICES}
    which = st.radio(say("fine_tuning.prompt_choice"), PROMPT_CHOICES, horizontal=True, key=f"{key}_prompt",
                     format_func=labels.get)
    prompt = fine_tune.STYLE_PROMPT if which == "lesson" else cur.prompt.text
    if not tok.encode(prompt)[tok.bos_count:]:
        st.info(say("fine_tuning.empty_prompt"))
        return
    shifts = fine_tune.next_token_shift(model, run.model, tok, prompt)
    show_figure(viz.next_token_shift_figure(shifts, prompt, lang=lang()), key=f"{key}_shift")


@element("fine_tune_weights")
def fine_tune_weights(cur, key: str) -> None:
    """Every parameter's relative change, layer by layer, and the one that moved most."""
    (model, _), run = _run()
    changes = fine_tune.weight_changes(model, run.model)
    show_figure(viz.weight_change_figure(changes, lang=lang()), key=f"{key}_weights")
    largest = fine_tune.largest_matrix_change(changes)
    by_kind = fine_tune.change_by_kind(changes)
    st.caption(say("fine_tuning.weights_caption", name=largest.name, percent=100 * largest.relative,
                   kind=next(iter(by_kind)), kind_percent=100 * next(iter(by_kind.values()))))


def _yes(value: bool) -> str:
    return plain("fine_tuning.answer.yes" if value else "fine_tuning.answer.no")


def _file_hash(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@element("fine_tune_unchanged")
def fine_tune_unchanged(cur, key: str) -> None:
    """What the fine-tune left exactly as it was: the tokenizer, the architecture, and the embedding rows of every
    token the sentences do not contain; and what it touched everywhere: the output layer."""
    (model, tok), run = _run()
    moved = fine_tune.moved_embedding_rows(model, run.model)
    read = fine_tune.tokens_read(tok, fine_tune.STYLE_SENTENCES)
    st.markdown(say("fine_tuning.unchanged",
                    vocabulary=tok.vocab_size, tokenizer=tok.path.name, digest=_file_hash(tok.path),
                    same=_yes(fine_tune.same_architecture(model, run.model)), tensors=len(list(model.parameters())),
                    parameters=sum(p.numel() for p in run.model.parameters()), moved=len(moved),
                    read=len(read), rows=model.cfg.vocab_size, exact=_yes(moved == read),
                    output=len(fine_tune.moved_output_rows(model, run.model))))
    st.caption(say("fine_tuning.read_pieces", pieces=" ".join(tok.pieces(read))))
