"""Every figure, table and text of llama_edu.viz in English and German: the same numbers, other words.

Each public figure function is drawn twice, with lang="en" and lang="de", from small random models
(tests/helpers.py). The German figure must carry the same data, show no English text of the strings files its module
speaks from (llama_edu/strings/viz.yaml; layers.yaml and arch.yaml too for viz/layers.py and viz/architectures.py,
see STRING_FILES), and keep unchanged only text made of names, formulas and numbers (CODE_TERMS lists the words kept
on purpose). Tables (lists of rows for st.dataframe) are held to the same: the same numbers, written the German way.
"""

import base64
import functools
import inspect
import json
import math
import re
import shutil
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

import llama_edu as le
from helpers import SMALL_CONFIGS, random_model
from llama_edu import analysis, i18n, interventions, normalization, papers, rollout, rotary
from llama_edu import architectures as arch
from llama_edu.ffn import SORT_ORDERS, ffn_capture
from llama_edu.kvcache import compare_decoding, kv_cache_rows
from llama_edu.logit_lens import logit_lens
from llama_edu.train import TrainConfig
from llama_edu.viz import architectures, attention, bertviz_offline, ffn, generation, kvcache, labels, layers, norms
from llama_edu.viz import overview, rope, tokens, training

MODULES = [architectures, attention, bertviz_offline, ffn, generation, kvcache, labels, layers, norms, overview, rope,
           tokens, training]
# The strings files (llama_edu/strings/<file>.yaml) whose words a module's figures and texts show: viz.yaml for every
# module (layers and architectures draw with its helpers too, e.g. attention._mask_trace), and their own files.
STRING_FILES = {"layers": ("viz", "layers"), "architectures": ("viz", "arch")}


def _files(name: str) -> tuple[str, ...]:
    """The strings files of a case "module.function"."""
    return STRING_FILES.get(name.split(".")[0], ("viz",))


def _viz_key(key: str) -> bool:
    """A key the figures, tables and texts of MODULES look up: all of viz.yaml, and the parts of layers.yaml and
    arch.yaml that are not the pages' own (app/views/{layers,architectures}.py and their elements use the rest)."""
    file, _, rest = key.partition(".")
    if file == "layers":
        return rest != "nav" and not rest.startswith("page.")
    if file == "arch":
        return rest == "source" or rest.startswith(("viz.", "action.", "compare."))
    return file == "viz"

T = 7
PIECES = ["<s>", "▁the", "▁cat", "▁sat", "▁on", "▁the", "▁mat"]

# Words a German figure shows exactly as the English one, on purpose: the model's module and hook names, variables in
# formulas ("gate = w1 x", "x + attention(norm(x))"), names of functions, models and projects, and this file's inputs.
CODE_TERMS = {
    "tok_embeddings", "attention", "feed_forward", "norms", "norm", "output",  # modules (parameter_breakdown's names)
    "hook_in", "hook_gate", "hook_act", "hook_up", "hook_hidden", "hook_k_rot", "gate",  # hooks; a formula variable
    "ReLU", "GELU", "Swish", "SwiGLU", "RMSNorm", "LayerNorm", "Llama", "llama_edu", "Hugging", "Face",  # names
    "llama", "tiny", "Large",  # the presets and GQA_TABLE_1 models drawn here
    "extra_id_",  # T5's sentinel tokens (<extra_id_0>), inputs of architectures.t5_masks_figure
    "LLaMA", "Chinchilla", "PaLM", "BoolQ", "PIQA", "SIQA", "HellaSwag", "WinoGrande", "OBQA",  # papers.LLAMA_TABLE_3
}


# ---- what a figure shows -------------------------------------------------------------------------------------
TEXT_KEYS = {"text", "name", "hovertemplate", "label", "prefix", "customdata", "x", "y"}


def _leaves(node, path=(), key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,), k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,), key)
    else:
        yield path, key, node


def _plain(node):
    """numpy arrays, and the base64 blocks plotly stores numeric arrays as ({"dtype", "bdata"}) -> lists of Python
    numbers and strings."""
    if isinstance(node, dict) and "bdata" in node:
        values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
        shape = [int(n) for n in str(node.get("shape", len(values))).split(",")]
        return values.reshape(shape).tolist()
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    return _plain(node.tolist()) if hasattr(node, "tolist") else node


def _tree(fig: go.Figure) -> dict:
    tree = _plain(fig.to_dict())
    tree["layout"].pop("template", None)  # plotly's theme: the same in every figure, and no words of ours
    return tree


def texts(fig: go.Figure) -> dict[tuple, str]:
    """Every string a reader sees (titles, axis and colorbar titles, annotations, legend names, hover templates,
    buttons, hover data, category labels), by its place in the figure's JSON."""
    return {path: v for path, key, v in _leaves(_tree(fig)) if isinstance(v, str) and key in TEXT_KEYS}


def numbers(fig: go.Figure) -> dict[tuple, float | None]:
    """Every number of the figure (NaN as None) by its place in the figure's JSON: the traces' and frames' data,
    and the layout's sizes and positions, which a translation must not move either."""
    found = {}
    for path, _, v in _leaves(_tree(fig)):
        if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            found[path] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
    return found


_NUMBER = re.compile(r"[-+]?\d[\d.,]*(\u00a0?%)?")


def _cell_number(value, lang: str) -> tuple[float, ...] | None:
    """A table cell's numbers: a Python number, or a string written as `lang` writes numbers (English 1,234.5 and
    10%, German 1.234,5 and 10 %), or a range of two such ("4–7"); None for any other cell."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (value,)
    if not isinstance(value, str) or not all(_NUMBER.fullmatch(part) for part in value.split("–")):
        return None
    found = []
    for part in value.split("–"):
        digits = part.removesuffix("%").removesuffix("\u00a0")
        digits = digits.replace(",", "") if lang == "en" else digits.replace(".", "").replace(",", ".")
        try:
            found.append(float(digits))
        except ValueError:  # "1.2.3": no number in either language
            return None
    return tuple(found)


def table_numbers(rows: list[dict], lang: str) -> dict[tuple, tuple[float, ...]]:
    """Every number of a table by (row, column index)."""
    return {(i, j): n for i, row in enumerate(rows) for j, value in enumerate(row.values())
            if (n := _cell_number(value, lang)) is not None}


def table_texts(rows: list[dict], lang: str) -> dict[tuple, str]:
    """Every cell that is words, not a number, by (row, column index). The column keys are the same in every
    language: app/text.py's table() names the columns (tests/app/test_i18n_tables.py)."""
    return {(i, j): str(value) for i, row in enumerate(rows) for j, value in enumerate(row.values())
            if _cell_number(value, lang) is None}


@functools.cache
def _english_only(files: tuple[str, ...] = ("viz",)) -> list[str]:
    """The English text of every key of these strings files (viz.yaml unless told), cut at its placeholders and line
    breaks: the pieces of 4 letters or more that the key's German text does not contain too ("Head" in
    "Layer {layer}, Head {head}" is German as well)."""
    pieces = set()
    for key, value in i18n.strings().items():
        if key.split(".")[0] not in files:
            continue
        for piece in re.split(r"\{\w+\}|<br>", value["en"]):
            piece = piece.strip(" :,;.()")
            if len(re.sub(r"[^A-Za-z]", "", piece)) >= 4 and not _contains(value["de"], piece) \
                    and piece not in CODE_TERMS:
                pieces.add(piece)
    return sorted(pieces)


def _contains(text: str, piece: str) -> bool:
    """piece as whole words of text: "weight" is in "head 1 weight", not in "Gewicht" nor in the attribute ".weight"."""
    return re.search(rf"(?<![\w.]){re.escape(piece)}(?!\w)", text) is not None


@functools.cache
def _german_words(files: tuple[str, ...] = ("viz",)) -> set[str]:
    """Every word of the German texts of these strings files (German words, and the names they keep: "Heads",
    "hook_out")."""
    return {w for k, v in i18n.strings().items() if k.split(".")[0] in files
            for w in re.findall(r"[A-Za-z_]+", v["de"])}


def untranslated(en: str, de: str, files: tuple[str, ...] = ("viz",)) -> list[str]:
    """Words of an English text left unchanged in German that are neither German, nor a kept name, nor data."""
    if en != de:
        return []
    allowed = _german_words(files) | CODE_TERMS
    words = re.sub(r"%\{[^}]*\}|<[^>]*>", " ", en)  # without plotly's references and HTML tags
    return [w for w in re.findall(r"[A-Za-z_]{4,}", words) if w not in allowed]


def assert_translated(en_texts: dict, de_texts: dict, files: tuple[str, ...] = ("viz",)) -> None:
    """files: the strings files whose English must not show in German (the module's, see STRING_FILES)."""
    assert en_texts.keys() == de_texts.keys(), "the German figure has other text fields than the English one"
    assert en_texts != de_texts, "the German figure shows the same text as the English one"
    english = _english_only(files)
    for path, text in de_texts.items():
        found = [piece for piece in english if _contains(text, piece)]
        assert not found, f"English text {found} in the German figure at {path}: {text!r}"
        left = untranslated(en_texts[path], text, files)
        assert not left, f"untranslated words {left} at {path}: {text!r}"
        assert not re.search(r"(?<![%{])\{\w+\}", text), f"an unfilled placeholder at {path}: {text!r}"


# ---- inputs: captures of a small random GQA model --------------------------------------------------------------
@pytest.fixture(scope="module")
def d():
    model = random_model(SMALL_CONFIGS["gqa"])
    ids = torch.randint(3, model.cfg.vocab_size, (T,), generator=torch.Generator().manual_seed(3)).tolist()
    logits, cache = model.run_with_cache(torch.tensor([ids]))
    attn = "layers.1.attention"
    q, q_rot = cache[f"{attn}.hook_q"][0, :, 2], cache[f"{attn}.hook_q_rot"][0, :, 2]  # [T, hd]
    steps = interventions.attention_steps(cache[f"{attn}.hook_q_rot"][0], cache[f"{attn}.hook_k_rot"][0], head=2)
    change = interventions.compare_next_token(logits[0, -1], logits[0, -1] * 0.5, k=4)
    with_cache, without_cache = compare_decoding(model, ids[:3], 3, tries=1)
    nrm = normalization.norm_capture(cache, "layers.0.ffn_norm", 2)
    turn = rotary.pair_turn(q, q_rot, 5, 1, model.cfg.rope_theta)
    patterns = rollout.patterns_from_cache(cache, model.cfg.n_layers)[:, 0]  # [L, H, T, T]
    measures = analysis.layer_head_measures(patterns)  # {measure: [L, H]}
    measures["subject_of_verb"] = measures["previous_token"].flip(0)  # stands in for the probe sentences' measure
    roles = analysis.find_head_roles(measures, threshold=0.0)  # three heads for every role: every panel framed
    assert {r.role for r in roles} == set(analysis.ROLE_MEASURES)
    # BERT's masking with each of its three actions (mask, random, keep) on one sentence; T5's span corruption
    sentence = [f"▁w{i}" for i in range(30)]
    bert = next(example for seed in range(100) for example in [arch.masked_lm(
        ["[CLS]"] + sentence + ["[SEP]"], ["▁dog", "▁ran"], seed=seed, special=[0, len(sentence) + 1])]
        if set(example.actions) == {None, "mask", "random", "keep"})
    return SimpleNamespace(
        model=model, ids=ids, logits=logits, cache=cache, labels=attention.token_labels(PIECES), steps=steps,
        change=change, with_cache=with_cache, without_cache=without_cache, nrm=nrm, turn=turn, q=q, q_rot=q_rot,
        share=interventions.first_token_share(cache, model.cfg.n_layers), ffn=ffn_capture(cache, 1, 3),
        probs=logits[0, -1].softmax(-1), lens=logit_lens(model, cache),
        log=json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text()),
        patterns=patterns, rollout=rollout.attention_rollout(patterns), measures=measures, roles=roles,
        scores=arch.score_next_tokens(logits[0], ids), bert=bert, t5=arch.span_corruption(sentence, seed=1))


# name -> figure(d, lang): one representative call of every public figure function in llama_edu.viz
FIGURES = {
    "attention.causal_mask_figure": lambda d, lang: attention.causal_mask_figure(
        le.model.causal_mask(T, T), d.labels, lang=lang),
    "attention.mask_comparison_figure": lambda d, lang: attention.mask_comparison_figure(d.labels, lang=lang),
    "attention.pattern_heatmap": lambda d, lang: attention.pattern_heatmap(
        d.cache["layers.0.attention.hook_pattern"][0, 1], d.labels, "L0 · H1", lang=lang),
    "attention.heads_grid": lambda d, lang: attention.heads_grid(
        d.cache["layers.0.attention.hook_pattern"][0], d.labels, 2, lang=lang),
    "attention.steps_figure": lambda d, lang: attention.steps_figure(d.steps, d.labels, 8, lang=lang),
    "attention.first_token_heatmap": lambda d, lang: attention.first_token_heatmap(d.share, 0.3, lang=lang),
    "attention.ablation_bars": lambda d, lang: attention.ablation_bars(
        [f"t{i}" for i in d.change.ids], d.change.before, d.change.after, lang=lang),
    "attention.gqa_diagram": lambda d, lang: attention.gqa_diagram(8, {"GQA": 2, "MQA": 1}, lang=lang),
    "attention.keys_heatmaps": lambda d, lang: attention.keys_heatmaps(
        d.cache["layers.0.attention.hook_k_rot"][0], d.labels, lang=lang),
    "attention.similarity_heatmap": lambda d, lang: attention.similarity_heatmap(
        interventions.pattern_similarity(d.cache["layers.0.attention.hook_pattern"][0]), 2, lang=lang),
    "attention.gqa_quality_figure": lambda d, lang: attention.gqa_quality_figure(lang=lang),
    "attention.kv_cache_figure": lambda d, lang: attention.kv_cache_figure(kv_cache_rows(
        {n: le.PRESETS[n] for n in ("llama-2-7b", "llama-2-70b")}, 4096), 4096, lang=lang),
    "ffn.activation_curves_figure": lambda d, lang: ffn.activation_curves_figure(d.ffn[0], lang=lang),
    "ffn.swiglu_units_figure": lambda d, lang: ffn.swiglu_units_figure(*d.ffn, "product", "L1 · 3:▁sat", lang=lang),
    "generation.next_token_figure": lambda d, lang: generation.next_token_figure(
        d.probs, le.next_token_probs(d.logits[0, -1], temperature=0.7, top_k=5), lambda i: f"t{i}", lang=lang),
    "generation.logit_lens_figure": lambda d, lang: generation.logit_lens_figure(
        d.lens, PIECES, lambda i: f"t{i}", lang=lang),
    "kvcache.memory_vs_context_figure": lambda d, lang: kvcache.memory_vs_context_figure(
        {n: le.PRESETS[n] for n in ("llama-2-7b", "llama-2-70b")}, 1, 2, lang=lang),
    "kvcache.decode_timing_figure": lambda d, lang: kvcache.decode_timing_figure(
        d.with_cache, d.without_cache, lang=lang),
    "norms.norm_steps_figure": lambda d, lang: norms.norm_steps_figure(
        d.nrm["in"], d.nrm["normalized"], d.model.layers[0].ffn_norm.weight, d.nrm["out"], "ffn_norm", lang=lang),
    "norms.shift_scale_figure": lambda d, lang: norms.shift_scale_figure(
        normalization.compare_norms(d.nrm["in"], d.model.layers[0].ffn_norm, shift=1.0, scale=2.0), lang=lang),
    "norms.residual_rms_figure": lambda d, lang: norms.residual_rms_figure(
        normalization.residual_rms_by_layer(d.cache, d.model.cfg.n_layers, 2), "2:▁cat", lang=lang),
    "overview.block_diagram": lambda d, lang: overview.block_diagram(le.PRESETS["llama-2-70b"], lang=lang),
    "overview.parameter_shares": lambda d, lang: overview.parameter_shares(
        {n: le.PRESETS[n] for n in ("llama-7b", "tiny")}, lang=lang),
    "rope.pair_rotation_figure": lambda d, lang: rope.pair_rotation_figure(
        d.turn.before, d.turn.after, d.turn.angle, lang=lang),
    "rope.rotation_over_positions_figure": lambda d, lang: rope.rotation_over_positions_figure(
        rotary.rotate_to_positions(d.q[5], 12), 1, T, d.turn.frequency, lang=lang),
    "rope.frequencies_figure": lambda d, lang: rope.frequencies_figure(
        16, rope.compared_bases(1e6, lang=lang), {"Llama 2": 4096}, lang=lang),
    "rope.relative_dot_figure": lambda d, lang: rope.relative_dot_figure(
        rotary.relative_dot_products(d.q[5], d.q[2], 8), (5, 2, 0.25), lang=lang),
    "rope.pair_order_figure": lambda d, lang: rope.pair_order_figure(8, lang=lang),
    "tokens.embedding_heatmap": lambda d, lang: tokens.embedding_heatmap(d.cache["hook_embed"][0], PIECES, lang=lang),
    "tokens.embedding_norms_bar": lambda d, lang: tokens.embedding_norms_bar(
        d.cache["hook_embed"][0], PIECES, lang=lang),
    "tokens.cosine_similarity_heatmap": lambda d, lang: tokens.cosine_similarity_heatmap(
        d.cache["hook_embed"][0], PIECES, lang=lang),
    "training.lr_schedule_figure": lambda d, lang: training.lr_schedule_figure(
        TrainConfig(steps=300, warmup_steps=30), lang=lang),
    "training.loss_curve_figure": lambda d, lang: training.loss_curve_figure(d.log, lang=lang),
    # the caller names the raw map in the reader's language, as app/elements/layers.py does
    "layers.rollout_figure": lambda d, lang: layers.rollout_figure(
        d.rollout, rollout.raw_attention(d.patterns[0], 1), d.labels, 1,
        i18n.t("layers.page.raw_which_head", lang, layer=0, head=1), lang=lang),
    "layers.rollout_flow_figure": lambda d, lang: layers.rollout_flow_figure(d.rollout, d.labels, T - 1, lang=lang),
    "layers.first_token_flow_figure": lambda d, lang: layers.first_token_flow_figure(
        d.rollout, rollout.uniform_rollout(T, len(d.rollout)), T - 1, lang=lang),
    "layers.measures_grid": lambda d, lang: layers.measures_grid(d.measures, T, d.roles, lang=lang),
    "architectures.t5_masks_figure": lambda d, lang: architectures.t5_masks_figure(
        d.t5.inputs, d.t5.decoder_inputs, lang=lang),
}

def visible(html: str) -> str:
    """What a reader of an HTML snippet sees: its text and its tooltips (title attributes), not its CSS."""
    tips = re.findall(r'title="([^"]*)"', html)
    return " | ".join(tips + [text for text in re.findall(r">([^<]+)<", html) if text.strip()])


CHIP_ROWS = [{"position": i, "id": 10 + i, "piece": p, "kind": k} for i, (p, k) in enumerate(
    [("<s>", "BOS"), ("▁cat", "word start"), ("s", "inside a word"), ("<0xF0>", "byte"), ("<unk>", "unknown"),
     ("<|eot_id|>", "special")])]

# name -> text(d, lang): the other public functions that write words
TEXTS = {
    "attention.encoder_decoder_parts": lambda d, lang: " | ".join(
        sorted(set(attention.encoder_decoder_parts(2, lang=lang).ravel()))),
    "ffn.sort_order_name": lambda d, lang: " | ".join(ffn.sort_order_name(s, lang=lang) for s in SORT_ORDERS),
    "generation.continuation_html": lambda d, lang: visible(
        generation.continuation_html("A", ["▁cat", "▁sat"], lang=lang)),
    "generation.stage_names": lambda d, lang: " | ".join(generation.stage_names(d.lens, lang=lang)),
    "generation.entropy_caption": lambda d, lang: generation.entropy_caption(1234, 2.5, 32000, lang=lang),
    "kvcache.attention_label": lambda d, lang: kvcache.attention_label(le.PRESETS["llama-2-70b"], lang=lang),
    "norms.series_name": lambda d, lang: " | ".join(norms.series_name(s, lang=lang) for s in
                                                    normalization.residual_rms_by_layer(d.cache, 2, 0)),
    "overview.human": lambda d, lang: " | ".join(overview.human(n, lang=lang) for n in (2e12, 6.74e9, 1.5e6, 4e3, 7)),
    "rope.compared_bases": lambda d, lang: " | ".join(rope.compared_bases(1e6, lang=lang)),
    "tokens.kind_name": lambda d, lang: " | ".join(tokens.kind_name(r["kind"], lang=lang) for r in CHIP_ROWS),
    "tokens.token_chips_html": lambda d, lang: visible(tokens.token_chips_html(CHIP_ROWS, lang=lang)),
    # without the papers' titles: data, English in every language ("... Models from Multi-Head Checkpoints")
    "architectures.source_line": lambda d, lang: " | ".join(
        architectures.source_line(source, lang=lang).replace(source.title, "…")
        for source in (papers.LLAMA_TABLE_3_SOURCE, papers.GQA_TABLE_1_SOURCE)),
    "architectures.comparison_sentence": lambda d, lang: " | ".join(  # lower on some benchmarks, and on none
        architectures.comparison_sentence(papers.compare(model, other), lang=lang)
        for model, other in papers.HEADLINE_PAIRS),
}

# name -> rows(d, lang): the public functions that write tables (lists of rows for st.dataframe) with words in cells.
# Their keys are the columns of columns.yaml and their numbers raw (app/text.py's table() names and formats them for
# the language); only the words inside cells come in the reader's language.
TABLES = {
    "architectures.masked_lm_rows": lambda d, lang: architectures.masked_lm_rows(d.bert, lang=lang),
    "kvcache.decode_work_rows": lambda d, lang: kvcache.decode_work_rows(d.with_cache, d.without_cache, lang=lang),
    "kvcache.memory_rows": lambda d, lang: kvcache.memory_rows(
        {"gqa": d.model.cfg, "mha": le.PRESETS["llama-7b"]}, 4096, 1, 2, lang=lang),
    "norms.comparison_stats": lambda d, lang: norms.comparison_stats(
        normalization.compare_norms(d.nrm["in"], d.model.layers[0].ffn_norm, 1.0, 2.0), lang=lang),
    "training.recipe_rows": lambda d, lang: [  # both of its booleans' words
        *training.recipe_rows(TrainConfig(), lang=lang), *training.recipe_rows(TrainConfig(bf16=False), lang=lang)],
}
BERTVIZ = {"bertviz_offline.head_view_html", "bertviz_offline.model_view_html"}  # tested on their own below
STYLE_ONLY = {"tokens.classroom_style"}  # returns the figure it is given, restyled: it adds no words


def _public_functions():
    for module in MODULES:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == module.__name__:
                yield f"{module.__name__.rsplit('.', 1)[1]}.{name}", fn


# ---- the tests ---------------------------------------------------------------------------------------------------
def test_every_string_has_english_and_german_with_the_same_placeholders():
    assert i18n.problems() == []
    for file in {file for files in [("viz",), *STRING_FILES.values()] for file in files}:
        assert any(key.startswith(f"{file}.") for key in i18n.strings()), file


def test_german_equals_english_only_where_german_uses_the_english_word():
    """A German text copied from the English one would also teach the checks above that its words are German."""
    files = {file for files in STRING_FILES.values() for file in files} | {"viz"}
    same = {k for k, v in i18n.strings().items() if k.split(".")[0] in files and v["en"] == v["de"]}
    assert same == {"viz.bertviz.heads",  # "Heads": German courses say "Attention-Heads" too
                    "layers.hover.role", "layers.page.role_item"}  # "L{layer}H{head}: {role} ({score})": no words


def test_every_public_viz_function_that_writes_words_takes_lang_and_is_tested_here():
    with_lang = set()
    for name, fn in _public_functions():
        params = inspect.signature(fn).parameters
        if "lang" in params:
            with_lang.add(name)
            keyword_only = params["lang"].kind is inspect.Parameter.KEYWORD_ONLY
            assert keyword_only and params["lang"].default == "en", name
        if inspect.signature(fn).return_annotation in ("go.Figure", go.Figure) and name not in STYLE_ONLY:
            assert name in FIGURES, f"{name} draws a figure: give it lang= and a case in FIGURES"
        if name in TABLES:
            assert inspect.signature(fn).return_annotation in ("list[dict]", list[dict]), name
    assert with_lang == set(FIGURES) | set(TEXTS) | set(TABLES) | BERTVIZ


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_german_figure_has_the_same_numbers_and_german_words(name, d):
    en, de = FIGURES[name](d, "en"), FIGURES[name](d, "de")
    assert numbers(de) == numbers(en), "the numbers differ between languages"
    assert any(path[0] in ("data", "frames") for path in numbers(en)) or name == "overview.block_diagram"
    assert_translated(texts(en), texts(de), _files(name))
    assert FIGURES[name](d, "xx").to_json() == en.to_json()  # an unknown language falls back to English


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_german_text_has_german_words(name, d):
    en, de = TEXTS[name](d, "en"), TEXTS[name](d, "de")
    assert_translated({(): en}, {(): de}, _files(name))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_german_table_has_the_same_numbers_and_german_words(name, d):
    en, de = TABLES[name](d, "en"), TABLES[name](d, "de")
    assert len(de) == len(en) > 0 and all(list(row) == list(en[0]) for row in en + de)  # the same keys
    assert table_numbers(de, "de") == table_numbers(en, "en"), "the numbers differ between languages"
    assert table_numbers(en, "en"), "a table without numbers tests little here"
    assert_translated(table_texts(en, "en"), table_texts(de, "de"), _files(name))
    assert TABLES[name](d, "xx") == en  # an unknown language falls back to English


def test_numbers_in_german_prose_use_a_decimal_comma():
    number = i18n.number  # how the figures' sentences write numbers (viz.labels re-exports it)
    assert number(4096.5, ",.1f", lang="de") == "4.096,5" and number(4096.5, ",.1f") == "4,096.5"
    assert number(0.1, ".0%", lang="de") == "10\u00a0%" and number(-1.5, "+.3f", lang="de") == "-1,500"
    assert number(4096.5, ",.1f", lang="xx") == "4,096.5"  # an unknown language writes English
    assert generation.entropy_caption(1234, 2.5, 32000, lang="de") == (
        "1.234 von 32.000 Tokens können noch gezogen werden; Entropie 2,50 Bit (eine gleichverteilte Wahl unter "
        "ihnen ergäbe 10,27 Bit, über das ganze Vokabular 14,97).")
    assert generation.entropy_caption(1234, 2.5, 32000) == (
        "1,234 of 32,000 tokens can still be drawn; entropy 2.50 bits (a uniform choice among them would be "
        "10.27 bits, over the whole vocabulary 14.97).")
    assert overview.human(6.74e9, lang="de") == "6,74 Mrd." and overview.human(6.74e9) == "6.74B"


def test_a_number_that_rounds_to_zero_has_no_minus_sign():
    """The norms table showed LayerNorm's float32 mean as a negative zero."""
    number = i18n.number
    assert number(-0.0, ".4g") == "0" and number(-1e-5, ".3f", lang="de") == "0,000"
    assert number(-0.004, ".0%", lang="de") == "0\u00a0%" and number(-0.0004, ".2f") == "0.00"
    assert number(-0.5, ".2f", lang="de") == "-0,50" and number(float("-inf"), ".1f") == "-inf"


def test_german_figures_keep_plotly_number_formats_and_translate_titles(d):
    en, de = FIGURES["kvcache.decode_timing_figure"](d, "en"), FIGURES["kvcache.decode_timing_figure"](d, "de")
    assert "%{y:.1f} ms" in de.data[0].hovertemplate and "Schritt %{customdata[0]}" in de.data[0].hovertemplate
    assert de.layout.annotations[0].text.startswith("gemessen: Zeit pro Schritt (Median")
    assert en.layout.annotations[0].text.startswith("measured: time per step (median")
    block = " ".join(a.text for a in overview.block_diagram(le.PRESETS["llama-2-70b"], lang="de").layout.annotations)
    assert "64 Query-Heads, 8 KV-Heads der Breite 128" in block and "x 80 Schichten" in block and "28.672" in block
    lens = FIGURES["generation.logit_lens_figure"](d, "de").data[0]
    assert list(lens.y) == ["Embedding", "Schicht 0", "Schicht 1"]


def test_every_viz_string_is_used_by_a_figure_or_text(d, monkeypatch):
    used, real = set(), i18n.t

    def recording(key, lang="en", /, **values):
        used.add(key)
        return real(key, lang, **values)

    for module in MODULES:
        if hasattr(module, "t"):
            monkeypatch.setattr(module, "t", recording)
    for case in list(FIGURES.values()) + list(TEXTS.values()) + list(TABLES.values()):
        case(d, "de")
    ffn.swiglu_units_figure(*d.ffn, "unit index", lang="de")
    bertviz_offline.model_view_html(bertviz_offline.attentions_from_cache(d.cache, 2), PIECES, lang="de")
    bertviz_offline.head_view_html(bertviz_offline.attentions_from_cache(d.cache, 2), PIECES, lang="de")
    assert {k for k in i18n.strings() if _viz_key(k)} - used == set()
    assert {k for k in used if not k.startswith("viz.")} <= {k for k in i18n.strings() if _viz_key(k)}


@pytest.fixture(scope="module")
def views(d):
    attentions = bertviz_offline.attentions_from_cache(d.cache, d.model.cfg.n_layers)
    return {(view, lang): getattr(bertviz_offline, f"{view}_view_html")(attentions, PIECES, lang=lang)
            for view in ("head", "model") for lang in ("en", "de")}


def test_bertviz_views_speak_german(views):
    assert 'Layer: <select id="layer">' in views["head", "en"]
    assert 'Schicht: <select id="layer">' in views["head", "de"] and "Layer:" not in views["head", "de"]
    model_de = views["model", "de"]
    assert '.text("Schichten")' in model_de and '.text("Layers")' not in model_de
    assert '.text("Schicht " + config.layers[layerIndex] + ", Head " + config.heads[headIndex])' in model_de
    assert "'Layer '" not in model_de and '.text("Layers")' in views["model", "en"]
    # the same attention weights in both: only the labels changed
    params = re.compile(r"const params = (\{.*?\}); // HACK", re.S)
    for view in ("head", "model"):
        assert params.search(views[view, "de"]).group(1) == params.search(views[view, "en"]).group(1)


@pytest.mark.slow  # starts a real browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_german_bertviz_views_draw_their_german_labels_in_a_real_browser(views, tmp_path):
    """The translated model view's script still runs: its headings and a clicked head's detail are German."""
    playwright = pytest.importorskip("playwright.sync_api")
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        path = tmp_path / "head.html"
        path.write_text(views["head", "de"])
        page.goto(path.as_uri())
        page.wait_for_selector("svg line", state="attached", timeout=10_000)
        assert "Schicht:" in page.inner_text("body")
        path = tmp_path / "model.html"
        path.write_text(views["model", "de"])
        page.goto(path.as_uri())
        page.wait_for_selector("svg line", state="attached", timeout=10_000)
        page.mouse.click(120, 120)  # a thumbnail: opens its detail, headed "Schicht l, Head h"
        page.wait_for_selector("text.detail", state="attached", timeout=5_000)
        svg_text = " ".join(page.locator("svg text").all_text_contents())
        browser.close()
    assert errors == []
    assert "Schichten" in svg_text and re.search(r"Schicht \d+, Head \d+", svg_text), svg_text[:300]


def test_bertviz_layer_label_is_translated_whatever_the_spacing_of_bertvizs_html():
    """bertviz writes "Layer: <select id="layer">" inside an indented f-string; another spacing must not leave the
    English label in a German page."""
    for html in ('Layer: <select id="layer"></select>', 'Layer:\n      <select  id="layer"></select>'):
        german = bertviz_offline._translate_view(html, "de")
        assert german.startswith("Schicht:") and "Layer" not in german and german.endswith('id="layer"></select>')
