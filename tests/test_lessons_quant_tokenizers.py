"""Lessons 19 (quantisation) and 20 (tokenizers compared): llama_edu.quantise and llama_edu.tokenizers_compared against
independent computations (rounding and memory counted by hand, evaluate.bits_per_character and the tiny model's card,
the model's own forward, `tokenizers`' encoding of the same trained vocabulary), their figures in both languages,
their live elements, and every number the two lessons quote, computed here and found in the English and the German
step (German writes 0,76 for 0.76 and 4.096 for 4,096). Figures from papers are listed with their sources in
lessons/SOURCES.md.

Running the tiny model over the held-out texts (about 6,700 tokens, once per rounded copy), the element AppTests and
training a second tokenizer take seconds: those tests are `slow`. The small Llama-3-style tokenizer is trained once
per process (under a second).
"""

import json

import pytest
import torch
from helpers import open_elements
from lesson_text import assert_quoted, readers, some_lessons

import llama_edu as le
from llama_edu import i18n
from llama_edu import quantise as q
from llama_edu import tokenizers_compared as tc
from llama_edu.evaluate import bits_per_character
from llama_edu.lessons import LESSONS_DIR
from llama_edu.viz import quantise as viz_q
from llama_edu.viz import tokenizers_compared as viz_tc

QUANT, TOKENS = "quantisation", "tokenizers-compared"
FILES = {QUANT: "19-quantisation.yaml", TOKENS: "20-tokenizers-compared.yaml"}
ROOT = LESSONS_DIR.parent


LESSONS = some_lessons(FILES)
step, quiz = readers(LESSONS)


# ---- reading the lessons (as tests/test_lessons_scale_context.py does) ----------------------------------------------
def assert_words(english: str, german_words: str, texts: tuple[str, str]) -> None:
    assert english in texts[0], (english, texts[0])
    assert german_words in texts[1], (german_words, texts[1])


f2 = "{:.2f}".format
f3 = "{:.3f}".format
f4 = "{:.4f}".format


def gb(value: float) -> str:
    return f"{value / q.GB:.2f}"


def percent(value: float, digits: int = 0) -> str:
    return f"{100 * value:.{digits}f}"


@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)


# ---- llama_edu.quantise: rounding, against the formulas by hand ---------------------------------------------------
def test_symmetric_int4_of_one_row_by_hand():
    w = torch.tensor([[0.7, -0.33, 0.12, 0.0, -0.04]])
    scheme = q.Scheme(4)
    s = 0.7 / 7  # max|w| / qmax
    codes = [round(v / s) for v in w[0].tolist()]
    quantised = q.quantise(w, scheme)
    assert quantised.codes.flatten().tolist() == codes == [7, -3, 1, 0, 0]
    assert float(quantised.scales) == pytest.approx(s)
    assert q.round_trip(w, scheme)[0].tolist() == pytest.approx([s * c for c in codes])
    assert scheme.qmax == 7 and q.Scheme(8).qmax == 127


def test_a_zero_point_shifts_the_grid_onto_the_groups_range():
    w = torch.tensor([[-0.3, 0.5, 0.9, 1.7]])  # mostly positive: a symmetric grid wastes most of its negative half
    s, lo = (1.7 + 0.3) / 15, -0.3
    z = round(-lo / s)
    assert z == 2
    quantised = q.quantise(w, q.Scheme(4, zero_point=True))
    assert float(quantised.scales) == pytest.approx(s) and float(quantised.zeros) == z
    assert quantised.codes.flatten().tolist() == [round(v / s) + z for v in w[0].tolist()]
    assert int(quantised.codes.min()) >= 0 and int(quantised.codes.max()) <= 15
    error_shifted = (q.round_trip(w, q.Scheme(4, zero_point=True)) - w).abs().max()
    error_symmetric = (q.round_trip(w, q.Scheme(4)) - w).abs().max()
    assert error_shifted <= s / 2 + 1e-6 < error_symmetric
    positive = q.quantise(torch.tensor([[0.2, 0.5, 0.9, 1.7]]), q.Scheme(4, zero_point=True))
    assert float(positive.zeros) == 0 and float(positive.scales) == pytest.approx(1.7 / 15)  # 0.0 stays a code


@pytest.mark.parametrize("granularity, groups", [(q.PER_TENSOR, 1), (q.PER_CHANNEL, 6), (4, 6 * 3), (5, 6 * 2)])
def test_each_granularity_has_its_number_of_scales_and_a_short_last_group(granularity, groups):
    w = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    scheme = q.Scheme(4, granularity)
    quantised = q.quantise(w, scheme)
    assert quantised.scales.numel() == groups == scheme.n_groups(6, 10)
    rounded = quantised.dequantise()
    assert rounded.shape == w.shape
    # every weight within half a step of its group's scale: one scale per row-group, checked by hand
    size = {q.PER_TENSOR: 60, q.PER_CHANNEL: 10}.get(granularity, granularity)
    flat = w.reshape(1, -1) if granularity == q.PER_TENSOR else w
    for r in range(flat.shape[0]):
        for start in range(0, flat.shape[1], size):
            group = flat[r, start:start + size]
            step_ = float(group.abs().max()) / 7
            got = rounded.reshape(flat.shape)[r, start:start + size]
            assert float((got - group).abs().max()) <= step_ / 2 + 1e-6


def test_schemes_refuse_what_they_cannot_store():
    with pytest.raises(ValueError, match="bits"):
        q.Scheme(16)
    with pytest.raises(ValueError, match="granularity"):
        q.Scheme(4, "row")
    with pytest.raises(ValueError, match="matrix"):
        q.quantise(torch.zeros(3), q.Scheme(4))
    assert q.round_trip(torch.zeros(2, 4), q.Scheme(4)).abs().max() == 0  # a group of zeros stays zeros


def test_a_quantised_copy_rounds_only_the_blocks_and_never_the_shared_model(tiny):
    model, _ = tiny
    before = {name: p.clone() for name, p in model.named_parameters()}
    rounded = q.quantised_copy(model, q.Scheme(4, 32))
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]), name  # the model the class shares is untouched
    names = {f"{n}.weight" for n in q.quantised_names(model.cfg)}
    assert len(names) == 7 * model.cfg.n_layers
    for name, p in rounded.named_parameters():
        if name in names:
            assert torch.equal(p, q.round_trip(before[name], q.Scheme(4, 32)))
            assert not torch.equal(p, before[name])
        else:
            assert torch.equal(p, before[name]), name  # embedding, output layer, norms
    assert q.rounding_error(model, q.Scheme(8)) < q.rounding_error(model, q.Scheme(4)) < \
        q.rounding_error(model, q.Scheme(4, q.PER_TENSOR))


# ---- memory: a hand count ----------------------------------------------------------------------------------------
def _llama2_7b_by_hand(bits: float, scales_per_row: int | None, group: int | None) -> float:
    """Llama 2 7B's bytes, from its published shapes: 32 layers of wq, wk, wv, wo (4,096 x 4,096), w1 and w3
    (11,008 x 4,096) and w2 (4,096 x 11,008); embedding and output 32,000 x 4,096 and 65 norms of 4,096 in 16 bits."""
    d, f, layers, vocab = 4096, 11008, 32, 32000
    block = layers * (4 * d * d + 3 * d * f)
    rows = layers * (4 * d + 2 * f + d)
    kept = 2 * (2 * vocab * d + (2 * layers + 1) * d)
    if scales_per_row is not None:
        scales = 2 * rows * scales_per_row
    else:
        scales = 2 * layers * (4 * d * d // group + 3 * d * f // group)
    return block * bits / 8 + scales + kept


def test_weight_memory_of_llama_2_7b_against_a_hand_count():
    cfg = le.PRESETS["llama-2-7b"]
    assert q.weight_memory(cfg).total == 2 * le.count_parameters(cfg) == 13_476_831_232
    assert q.weight_memory(cfg, q.Scheme(8)).total == _llama2_7b_by_hand(8, 1, None)
    assert q.weight_memory(cfg, q.Scheme(4, 128)).total == _llama2_7b_by_hand(4, None, 128)
    four = q.weight_memory(cfg, q.Scheme(4, 128))
    assert four.bits_per_weight == 4 + 16 / 128
    assert q.weight_memory(cfg, q.Scheme(4, 128, True)).bits_per_weight == 4 + (16 + 4) / 128
    assert four.quantised_parameters + four.kept / 2 == le.count_parameters(cfg)


def test_block_matrix_shapes_are_the_models_own():
    model = le.Transformer(le.PRESETS["tiny"])
    modules = dict(model.named_modules())
    for i in range(model.cfg.n_layers):
        for name, shape in q.block_matrix_shapes(model.cfg).items():
            assert tuple(modules[f"layers.{i}.{name}"].weight.shape) == shape
    for name in ("llama-2-70b", "llama-3-8b", "llama-3.1-405b"):
        cfg = le.PRESETS[name]
        parts = le.parameter_breakdown(cfg)
        assert q.weight_memory(cfg).quantised_parameters == parts["attention"] + parts["feed_forward"]


def test_kv_memory_by_hand():
    cfg = le.PRESETS["llama-2-7b"]
    values = 2 * 32 * 32 * 128 * 4096  # K and V, layers, KV heads, head width, tokens
    assert q.kv_memory(cfg, 4096) == values * 2 == le.kv_cache_bytes(cfg, 4096)
    assert q.kv_memory(cfg, 4096, "fp8") == values
    assert q.kv_memory(cfg, 4096, "int8") == values + 2 * 32 * 32 * 4096 * 2  # a 16-bit scale per vector
    assert q.kv_memory(cfg, 4096, "int4") == values / 2 + 2 * 32 * 32 * 4096 * 2
    with pytest.raises(KeyError):
        q.kv_memory(cfg, 4096, "int2")


def test_kv_round_trip_keeps_each_vector_within_half_a_step():
    x = torch.randn(2, 5, 3, 16, generator=torch.Generator().manual_seed(0))
    for fmt, bits in (("int8", 8), ("int4", 4)):
        steps = x.abs().amax(-1, keepdim=True) / (2 ** (bits - 1) - 1)
        assert ((q.kv_round_trip(x, fmt) - x).abs() <= steps / 2 + 1e-6).all()
    fp8 = q.kv_round_trip(x, "fp8")
    # 3 mantissa bits: within 1/16 of the value; below E4M3's smallest step (2^-9) within half of it
    assert ((fp8 - x).abs() <= torch.clamp(x.abs() * 2 ** -4, min=2 ** -10) + 1e-9).all()
    assert torch.finfo(torch.float8_e4m3fn).max == 448
    with pytest.raises(ValueError, match="format"):
        q.kv_round_trip(x, "int2")


def test_kv_hooks_name_the_hooks_attention_reads_and_change_only_k_and_v(tiny):
    model, tok = tiny
    hooks = q.kv_hooks(model.cfg, "int4")
    assert {name for name, _ in hooks} <= set(model.hook_names())
    assert len(hooks) == 2 * model.cfg.n_layers
    ids = torch.tensor([tok.encode("The cat sat on the mat")])
    with torch.no_grad():
        plain = model(ids)
        _, cache = model.run_with_cache(ids, names_filter=r"layers\.0\.attention\.hook_(k_rot|v|q_rot)$",
                                        fwd_hooks=hooks)
        _, clean = model.run_with_cache(ids, names_filter=r"layers\.0\.attention\.hook_(k_rot|q_rot)$")
    assert torch.equal(cache["layers.0.attention.hook_q_rot"], clean["layers.0.attention.hook_q_rot"])
    assert torch.equal(cache["layers.0.attention.hook_k_rot"],
                       q.kv_round_trip(clean["layers.0.attention.hook_k_rot"], "int4"))
    assert torch.allclose(model.run_with_hooks(ids, q.kv_hooks(model.cfg, "bfloat16")), plain, atol=0.05)


# ---- the held-out texts and their loss -----------------------------------------------------------------------------
def test_the_held_out_texts_are_the_first_texts_of_the_validation_stream():
    texts = q.heldout_texts()
    assert len(texts) == q.HELDOUT_TEXTS == 100 and len(set(texts)) == 100
    assert q.heldout_texts(400)[:100] == texts
    with pytest.raises(ValueError):
        q.heldout_texts(401)


@pytest.mark.slow
def test_the_skipped_texts_are_exactly_those_the_training_text_holds():
    """The training text is regenerated from the shipped model's recipe (training_log.json: seed, corpus size and
    version; llama_edu.corpus.write_corpus's train stream), without writing it: about 4 s."""
    import random

    from llama_edu.corpus import generate_story

    recipe = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())["config"]
    target = recipe["corpus_chars"] - int(recipe["corpus_chars"] * 0.02)  # write_corpus's default val_fraction
    rng, chars, in_training = random.Random(recipe["seed"]), 0, set()
    while chars < target:  # write_corpus's train loop
        story = generate_story(rng, version=recipe["corpus_version"])
        in_training.add(story)
        chars += len(story) + 1
    rng = random.Random(q.VAL_STREAM_SEED)
    stream = [generate_story(rng, version=2) for _ in range(412)]
    assert tuple(i for i, text in enumerate(stream) if text in in_training) == q.VAL_STREAM_SKIPPED


def test_heldout_loss_batched_equals_the_model_cards_bits_per_character(tiny):
    model, tok = tiny
    texts = q.heldout_texts(6)
    loss = q.heldout_loss(model, tok, texts, batch_size=4)
    # float32 sums in another order (padded batches against one text at a time): equal to a few parts in a million
    assert loss.bits_per_character == pytest.approx(bits_per_character(model, tok, texts), rel=5e-5)
    one_by_one = [q.heldout_loss(model, tok, [text]) for text in texts]
    assert loss.tokens == sum(x.tokens for x in one_by_one)
    assert loss.nats == pytest.approx(sum(x.nats for x in one_by_one), rel=1e-5)


@pytest.mark.slow
def test_the_400_held_out_texts_give_the_model_cards_figure(tiny):
    """The regenerated texts are the card's held-out set: the same bits per character, to the last digit shown."""
    model, tok = tiny
    card = json.loads((le.TINY_MODEL_DIR / "model_card.json").read_text())
    assert bits_per_character(model, tok, q.heldout_texts(400)) == pytest.approx(card["heldout_bits_per_char"],
                                                                                 abs=1e-9)


# ---- llama_edu.tokenizers_compared ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def both():
    return le.load_tokenizer(le.TINY_MODEL_DIR), tc.llama3_style_tokenizer()


def test_the_llama3_style_tokenizer_is_read_by_the_projects_llama3_loader(both):
    _, byte_level = both
    from llama_edu.tokenizer_formats import LLAMA3_SPECIAL_TOKENS, TiktokenTokenizer

    assert isinstance(byte_level, TiktokenTokenizer) and byte_level.format == "tiktoken"
    assert byte_level.vocab_size == tc.LLAMA3_STYLE_PIECES + len(LLAMA3_SPECIAL_TOKENS) == 4096 + 256
    assert byte_level.bos_id == tc.LLAMA3_STYLE_PIECES  # <|begin_of_text|>, right after the ranks, as in Llama 3
    for text in ["The cat sat on the mat.", "Jürgen paid 1,250 € in 2024 🦙", "  two  spaces\nnew line"]:
        assert byte_level.decode(byte_level.encode(text, bos=False)) == text


def test_tiktoken_reads_the_same_ids_that_tokenizers_trained(both):
    """The ranks file, read by tiktoken with Llama 3's pattern, encodes as the trained `tokenizers` BPE does."""
    _, byte_level = both
    trained = tc.train_byte_level_bpe(tc.training_texts(), tc.LLAMA3_STYLE_PIECES)
    for text in q.heldout_texts(30) + ["In 2024, 1234567 llamas paid 3.50 each.", "🦙 € Ü 中 ä"]:
        assert byte_level.encode(text, bos=False) == trained.encode(text).ids


@pytest.mark.slow
def test_a_smaller_vocabulary_is_the_start_of_a_larger_training_run():
    """BPE learns merges one after another: training for 1,024 pieces gives the first 1,024 ranks of the 4,096 run."""
    texts = tc.training_texts()
    small = tc.ranks_of(tc.train_byte_level_bpe(texts, 1024))
    large = tc.ranks_of(tc.train_byte_level_bpe(texts, 4096))
    assert small == {piece: rank for piece, rank in large.items() if rank < 1024}


def test_llama3s_pattern_cuts_numbers_into_up_to_three_digits_and_merges_stay_inside():
    from llama_edu.tokenizer_formats import LLAMA3_PAT_STR

    assert r"\p{N}{1,3}" in LLAMA3_PAT_STR
    assert tc.llama3_split("1234567") == ["123", "456", "7"] and tc.llama3_split("2024") == ["202", "4"]
    byte_level = tc.llama3_style_tokenizer()
    text = "In 2024, 1234567 llamas paid 3.50 each."
    ends, at = set(), 0
    for chunk in tc.llama3_split(text):
        at += len(chunk.encode())
        ends.add(at)
    position = 0
    for token in byte_level.encode(text, bos=False):
        start = position
        position += len(byte_level.enc.decode_single_token_bytes(token))
        assert not any(start < end < position for end in ends)  # no piece crosses a chunk's end


def test_vocabulary_cost_by_hand():
    for name in ("llama-2-7b", "llama-3-8b", "tiny"):
        cfg = le.PRESETS[name]
        cost = tc.vocabulary_cost(cfg)
        assert cost.per_matrix == cfg.vocab_size * cfg.dim and cost.matrices == 2
        assert cost.share == pytest.approx(2 * cfg.vocab_size * cfg.dim / le.count_parameters(cfg))
        assert cost.matrix_bytes() == 2 * cfg.vocab_size * cfg.dim
    tied = tc.vocabulary_cost(le.PRESETS["tiny"].replace(tie_word_embeddings=True))
    assert tied.matrices == 1


# ---- figures and words in both languages ---------------------------------------------------------------------------
def _numbers(fig) -> list:
    numeric = lambda values: [v for v in (values or []) if isinstance(v, (int, float))]
    return [(numeric(trace.x), numeric(trace.y)) for trace in fig.data]


def _figures(lang: str):
    cfg = le.PRESETS["llama-2-7b"]
    memories = {"bf16": q.weight_memory(cfg), "int4": q.weight_memory(cfg, q.Scheme(4, 128))}
    errors = {q.Scheme(4, g, zp): 0.1 + 0.01 * i for i, (g, zp) in enumerate(
        [(q.PER_TENSOR, False), (q.PER_TENSOR, True), (q.PER_CHANNEL, False), (32, True)])}
    costs = {n: tc.vocabulary_cost(le.PRESETS[n]) for n in ("llama-2-7b", "llama-3-8b")}
    return [viz_q.rounding_figure([-0.2, 0.1, 0.3], {"a": [-0.21, 0.1, 0.28]}, "layers.0.attention.wq[0]", lang=lang),
            viz_q.rounding_error_figure(errors, lang=lang),
            viz_q.memory_figure(memories, "llama-2-7b", lang=lang),
            viz_q.kv_memory_figure({f: q.kv_memory(cfg, 4096, f) for f in q.KV_FORMATS}, 13.5e9, "llama-2-7b",
                                   4096, lang=lang),
            viz_q.loss_figure({"a": 1.09, "b": 1.145}, lang=lang),
            viz_q.top_tokens_figure(["▁roof", "▁hill"], {"a": [0.2, 0.05], "b": [0.05, 0.08]}, lang=lang),
            viz_tc.languages_figure({"sp": [(7, 13), (8, 17)], "bl": [(7, 13), (9, 18)]}, lang=lang),
            viz_tc.vocabulary_sweep_figure({256: 1.0, 4096: 4.04}, (4096, 4.04), lang=lang),
            viz_tc.vocabulary_cost_figure(costs, lang=lang)]


def test_every_figure_shows_the_same_numbers_in_german_with_other_words():
    for en, de in zip(_figures("en"), _figures("de")):
        assert _numbers(en) == _numbers(de)
        assert en.layout.separators == ".," and de.layout.separators == ",."
        assert en.layout.title.text != de.layout.title.text


def test_scheme_names_in_both_languages():
    assert viz_q.scheme_name(q.Scheme(4, 128, True)) == "int4, groups of 128 + zero point"
    assert viz_q.scheme_name(q.Scheme(4, 128, True), lang="de") == "int4, Gruppen zu 128 + Nullpunkt"
    assert viz_q.scheme_name(q.Scheme(8, q.PER_TENSOR), lang="de") == "int8, pro Tensor"
    assert viz_q.granularity_name(1024, lang="de") == "Gruppen zu 1.024"


SAME_IN_BOTH = {"quantise.viz.scheme", "quantise.top.token", "quantise.top.line", "quantise.matrix",
                "tokenizers_compared.bytes.spelled"}  # formats, names and "Matrix"


def test_the_strings_of_both_topics_exist_in_both_languages_and_are_used():
    assert i18n.problems() == []
    sources = "".join((ROOT / path).read_text(encoding="utf-8") for path in [
        "app/elements/quantise.py", "app/elements/tokenizers_compared.py", "llama_edu/viz/quantise.py",
        "llama_edu/viz/tokenizers_compared.py"])
    keys = [key for key in i18n.strings() if key.split(".")[0] in ("quantise", "tokenizers_compared")]
    assert len(keys) > 40
    for key in keys:
        if key.startswith("quantise.viz.part_"):
            assert 'f"quantise.viz.part_{part}"' in sources
        else:
            assert f'"{key}"' in sources, key
        texts = i18n.strings()[key]
        assert texts["en"] != texts["de"] or key in SAME_IN_BOTH, key


def test_the_two_lessons_are_the_files_the_app_loads():
    from llama_edu.lessons import load_lessons

    loaded = {lesson.id: lesson for lesson in load_lessons()}
    assert loaded[QUANT].path.name == FILES[QUANT] and loaded[TOKENS].path.name == FILES[TOKENS]
    assert all(LESSONS["de"][key].steps[0].title != LESSONS["en"][key].steps[0].title for key in FILES)
    for key in FILES:
        assert 5 <= len(LESSONS["en"][key].steps) <= 8 and 3 <= len(LESSONS["en"][key].quiz) <= 4
        assert all(s.element for s in LESSONS["en"][key].steps)


# ---- lesson 19: quantisation ---------------------------------------------------------------------------------------
def test_lesson_19_one_row_rounded(tiny):
    """Row 0 of layers.0.attention.wq: 256 weights from -0.2430 to 0.1590; int4 s = 0.2430 / 7 = 0.0347, codes 6 and
    7 unused; zero point s = 0.0268, z = 9; int8 step 0.0019, eighteen times finer."""
    model, _ = tiny
    texts = step(QUANT, "A weight becomes a small integer and a scale")
    row = model.layers[0].attention.wq.weight[:1].detach()
    assert_quoted(f"{row.shape[1]}", texts)
    assert_quoted(f4(float(row.min())), texts) and assert_quoted(f4(float(row.max())), texts)
    assert_quoted(f4(float(row.abs().max())), texts)
    four, eight = q.quantise(row, q.Scheme(4)), q.quantise(row, q.Scheme(8))
    assert_quoted(f4(float(four.scales)), texts)
    assert int(four.codes.max()) == 5  # codes 6 and 7 unused
    assert_words("codes 6 and 7 are never used", "die Codes 6 und 7 werden nie benutzt", texts)
    assert_quoted(f"{2 * q.Scheme(4).qmax + 1}", texts)  # 15 values
    shifted = q.quantise(row, q.Scheme(4, zero_point=True))
    assert_quoted(f4(float(shifted.scales)), texts)
    assert f"$z = {float(shifted.zeros):.0f}$" in texts[0] and f"$z = {float(shifted.zeros):.0f}$" in texts[1]
    # "almost exactly (z is rounded to a whole code)": the grid s·(0 - z) .. s·(15 - z) misses the row's own range by
    # less than half a step at either end, but not by nothing
    s, z = float(shifted.scales), float(shifted.zeros)
    assert -float(row.min()) / s != z
    ends = [abs(-z * s - float(row.min())), abs((15 - z) * s - float(row.max()))]
    assert 0 < max(ends) < s / 2
    assert_words("cover almost exactly", "fast genau", texts)
    assert_words("($z$ is rounded to a whole code)", "($z$ wird auf einen ganzen Code gerundet)", texts)
    assert_quoted(f4(float(eight.scales)), texts)
    assert round(float(four.scales) / float(eight.scales)) == round(127 / 7) == 18
    assert_words("eighteen times coarser", "achtzehnmal gröber", texts)


def test_lesson_19_who_shares_a_scale(tiny):
    """Largest weight 0.897 in layers.5.feed_forward.w2, 22 times the median 0.0402; int4 zeroes 65% of that matrix
    per tensor, 21% per channel, 14% in groups of 32; rounding error 27.6%, 13.2%, 9.8%, 8.1% with a zero point."""
    model, _ = tiny
    texts = step(QUANT, "Who shares a scale: tensor, channel or group")
    largest, median = q.weight_magnitudes(model)
    modules = dict(model.named_modules())
    holder = max(q.quantised_names(model.cfg), key=lambda n: float(modules[n].weight.abs().max()))
    assert f"`{holder}`" in texts[0] and f"`{holder}`" in texts[1]
    assert_quoted(f3(largest), texts)
    assert_quoted(f4(median), texts)
    assert_quoted(f"{largest / median:.0f}", texts)
    w = modules[holder].weight.detach()
    for granularity in (q.PER_TENSOR, q.PER_CHANNEL, 32):
        codes = q.quantise(w, q.Scheme(4, granularity)).codes
        zeroed = float((codes.reshape(w.shape[0], -1)[:, :w.shape[1]] == 0).float().mean())
        assert_quoted(percent(zeroed), texts)
    for scheme in (q.Scheme(4, q.PER_TENSOR), q.Scheme(4), q.Scheme(4, 32), q.Scheme(4, 32, True)):
        assert_quoted(percent(q.rounding_error(model, scheme), 1), texts)
    assert_quoted(f"{q.Scheme(4, 128).matrix_bytes(1, 128)[1] * 8 / 128:.3f}", texts)  # 0.125 bits per weight


def test_lesson_19_the_memory_calculator():
    """Llama 2 7B: 6,738,415,616 parameters, 13.48 GB; 6,476,005,376 block weights; int8 7.00 GB; int4 g128 4.125
    bits, 3.86 GB, with a 4-bit zero point per group (as real GPTQ and AWQ checkpoints store) 4.16 bits, 3.89 GB;
    Llama 2 70B 137.95 GB to 36.35 GB."""
    texts = step(QUANT, "What it saves: a calculator")
    cfg = le.PRESETS["llama-2-7b"]
    bf16, int8, int4 = (q.weight_memory(cfg, s) for s in (None, q.Scheme(8), q.Scheme(4, 128)))
    assert_quoted(f"{le.count_parameters(cfg):,}", texts)
    assert_quoted(f"{bf16.quantised_parameters:,}", texts)
    for memory in (bf16, int8, int4):
        assert_quoted(gb(memory.total), texts)
    assert_quoted(f"{int4.bits_per_weight:.3f}", texts)
    with_zeros = q.weight_memory(cfg, q.Scheme(4, 128, True))
    assert with_zeros.bits_per_weight == 4 + (16 + 4) / 128  # a 16-bit scale and a 4-bit zero point per 128
    assert_quoted(f"{with_zeros.bits_per_weight:.2f}", texts)
    assert_quoted(gb(with_zeros.total), texts)
    assert_words("also store a 4-bit zero point per group", "zusätzlich einen 4-Bit-Nullpunkt pro Gruppe", texts)
    big = le.PRESETS["llama-2-70b"]
    for scheme in (None, q.Scheme(4, 128)):
        assert_quoted(gb(q.weight_memory(big, scheme).total), texts)
    assert q.weight_memory(big).total > 80e9 > q.weight_memory(big, q.Scheme(4, 128)).total


def test_lesson_19_quiz_numbers(tiny):
    model, _ = tiny
    cfg = le.PRESETS["llama-2-7b"]
    four = q.weight_memory(cfg, q.Scheme(4, 128))
    bits = quiz(QUANT, "int4 weights with one 16-bit scale")
    assert_quoted(f"{four.bits_per_weight:.3f}", bits)
    assert_quoted(f"{16 / 128:.3f}", bits)
    assert_quoted(gb(four.total), bits)
    largest, median = q.weight_magnitudes(model)
    outlier = quiz(QUANT, "Why does one scale per group of 32")
    assert_quoted(f3(largest), outlier) and assert_quoted(f"{largest / median:.0f}", outlier)
    size = quiz(QUANT, "Llama 2 7B is 13.48 GB")
    assert_quoted(gb(q.weight_memory(cfg).total), size)
    for value in (four.total, four.codes, four.scales, four.kept):
        assert_quoted(gb(value), size)
    assert_quoted(f"{four.total / q.GB:.1f}", size)  # the answer, "3.9 GB"
    assert_quoted(f"{le.count_parameters(cfg) * 2 / 8 / q.GB:.1f}", size)  # every parameter at 2 bits
    assert_quoted(f"{le.count_parameters(cfg) / q.GB:.1f}", size)  # int8 for everything
    zero_point = quiz(QUANT, "What does a zero point add to a scale?")
    assert_words("cover almost exactly", "fast genau", zero_point)
    assert_words("($z$ is rounded to a whole code)", "($z$ wird auf einen ganzen Code gerundet)", zero_point)
    assert_words("The scale is set by the largest weight", "Die Skala wird vom größten Gewicht bestimmt", outlier)


def test_lesson_19_the_kv_cache_arithmetic():
    """Llama 3.1 8B at 131,072 tokens 17.18 GB > 16.06 GB of weights, fp8 8.59, int8 8.72; Llama 2 7B at 4,096
    2.15 and 1.07 GB; fp8 E4M3 up to 448."""
    texts = step(QUANT, "A quantised KV cache")
    long = le.PRESETS["llama-3.1-8b"]
    assert_quoted(f"{long.max_seq_len:,}", texts)
    for fmt in ("bfloat16", "fp8", "int8"):
        assert_quoted(gb(q.kv_memory(long, long.max_seq_len, fmt)), texts)
    assert q.kv_memory(long, long.max_seq_len) > q.weight_memory(long).total
    assert_quoted(gb(q.weight_memory(long).total), texts)
    small = le.PRESETS["llama-2-7b"]
    assert_quoted(f"{small.max_seq_len:,}", texts)
    for fmt in ("bfloat16", "fp8"):
        assert_quoted(gb(q.kv_memory(small, small.max_seq_len, fmt)), texts)
    assert_quoted(f"{torch.finfo(torch.float8_e4m3fn).max:.0f}", texts)
    # int8's 8.72 GB counts one 16-bit scale per token, layer and KV head for the keys and another for the values
    scales = q.kv_memory(long, long.max_seq_len, "int8") - q.kv_memory(long, long.max_seq_len, "fp8")
    assert scales == 2 * long.n_layers * long.n_kv_heads * long.max_seq_len * 2
    assert_words("per token, layer and KV head, for keys and for values: 8.72 GB",
                 "pro Token, Schicht und KV-Head, für Keys und für Values: 8,72 GB", texts)


# The versions whose loss the lesson quotes, all run once per test session.
LOSS_SCHEMES = [None, q.Scheme(8), q.Scheme(4, q.PER_TENSOR), q.Scheme(4), q.Scheme(4, 128), q.Scheme(4, 32, True),
                q.Scheme(3, q.PER_TENSOR), q.Scheme(3, 32)]


@pytest.fixture(scope="module")
def losses(tiny):
    model, tok = tiny
    return q.heldout_losses(model, tok, LOSS_SCHEMES)


@pytest.mark.slow
def test_lesson_19_the_tiny_models_loss_when_rounded(losses):
    """1.090 nats per token on 6,699 held-out tokens; int8 +<0.001; int4 +0.055 per tensor, +0.009 per channel,
    +0.007 groups of 128, +0.001 groups of 32 with a zero point; int3 +1.209 per tensor, +0.023 groups of 32."""
    texts = step(QUANT, "What it costs: the tiny model's loss")
    base = losses[None]
    assert_quoted(f"{q.HELDOUT_TEXTS}", texts)
    assert_quoted(f"{base.tokens:,}", texts)
    assert_quoted(f3(base.per_token), texts)
    # measured unlike the training log's validation loss (lesson 21), which the step quotes with how it is measured
    log = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())
    assert_quoted(f"{log['evals'][-1]['val_loss']:.3f}", texts)
    assert_quoted(f"{log['config']['seq_len']}", texts)
    assert_words("each story scored on its own from its BOS to its EOS", "jede Geschichte für sich von ihrem BOS bis zu",
                 texts)
    change = {s: losses[s].per_token - base.per_token for s in LOSS_SCHEMES[1:]}
    assert abs(change[q.Scheme(8)]) < 0.001
    assert_words("less than 0.001", "weniger als 0,001", texts)
    for scheme in LOSS_SCHEMES[2:]:
        assert_quoted(f3(change[scheme]), texts)
    assert change[q.Scheme(4, q.PER_TENSOR)] > change[q.Scheme(4)] > change[q.Scheme(4, 128)] > \
        change[q.Scheme(4, 32, True)] > 0


@pytest.mark.slow
def test_lesson_19_the_next_token_before_and_after(tiny):
    """ "The cat sat on the": roof 0.209, floor, chair, mat, table; int8 the same five, roof 0.209; int4 per channel
    the same four, roof 0.227, bed fifth; int4 per tensor hill first (0.082), roof 0.053."""
    model, tok = tiny
    from app.elements.quantise import TOP_SCHEMES, TRY_PROMPT

    texts = step(QUANT, "The next token, before and after")
    assert f'"{TRY_PROMPT}"' in texts[0] and f"„{TRY_PROMPT}“" in texts[1]
    probabilities = q.next_token_probabilities(model, tok.encode(TRY_PROMPT), TOP_SCHEMES)
    words = {s: [(tok.pieces([i])[0].lstrip("▁"), p) for i, p in q.top_k(probabilities[s])] for s in TOP_SCHEMES}
    unrounded, int8, int4, per_tensor = (words[s] for s in TOP_SCHEMES)
    assert [w for w, _ in unrounded] == ["roof", "floor", "chair", "mat", "table"]
    assert "roof (0.209), floor, chair, mat and table" in texts[0] and "roof (0,209), floor, chair, mat" in texts[1]
    assert [w for w, _ in int8] == [w for w, _ in unrounded] and f3(int8[0][1]) == f3(unrounded[0][1])
    assert_quoted(f3(unrounded[0][1]), texts)
    assert [w for w, _ in int4][:4] == [w for w, _ in unrounded][:4] and int4[4][0] == "bed"
    assert_quoted(f3(int4[0][1]), texts)
    assert per_tensor[0][0] == "hill"
    assert_quoted(f3(per_tensor[0][1]), texts)
    assert_quoted(f3(dict(per_tensor)["roof"]), texts)


@pytest.mark.slow
def test_lesson_19_the_tiny_models_loss_with_a_quantised_kv_cache(tiny):
    """fp8 +0.0007, int8 < 0.0001, int4 +0.0084."""
    model, tok = tiny
    texts = step(QUANT, "A quantised KV cache")
    measured = q.kv_losses(model, tok, ["float32", "fp8", "int8", "int4"])
    base = measured["float32"].per_token
    assert_quoted(f4(measured["fp8"].per_token - base), texts)
    assert_quoted(f4(measured["int4"].per_token - base), texts)
    assert abs(measured["int8"].per_token - base) < 0.0001
    assert_words("int8 less than 0.0001", "int8 um weniger als 0,0001", texts)


# ---- lesson 20: tokenizers compared ----------------------------------------------------------------------------------
def test_lesson_20_two_tokenizers_one_prompt(both):
    """6 pieces each for "The cat sat on the mat"; ▁The against The; 4,096 pieces + 256 = 4,352 ids; 8,000 texts,
    about 2 million characters; 32,000 and 128,000 pieces."""
    sp, byte_level = both
    texts = step(TOKENS, "Two tokenizers, one prompt")
    prompt = "The cat sat on the mat"
    a, b = tc.tokenize(sp, prompt), tc.tokenize(byte_level, prompt)
    assert a.n_tokens == b.n_tokens == 6
    assert_words("both make 6 pieces", "machen beide 6 Pieces", texts)
    assert a.pieces[0] == "▁The" and b.pieces[0] == "The" and "(`▁The`)" in texts[0] and "(`The`)" in texts[1]
    assert_quoted(f"{sp.vocab_size:,}", texts)
    assert_quoted(f"{tc.LLAMA3_STYLE_PIECES:,}", texts)
    assert_quoted(f"{byte_level.vocab_size:,}", texts)
    assert_quoted(f"{byte_level.vocab_size - tc.LLAMA3_STYLE_PIECES}", texts)
    assert_quoted(f"{tc.TRAINING_TEXTS:,}", texts)
    assert round(sum(map(len, tc.training_texts())) / 1e6) == 2
    assert_words("about 2 million characters", "etwa 2 Millionen Zeichen", texts)
    assert_quoted(f"{le.PRESETS['llama-2-7b'].vocab_size:,}", texts)


def test_lesson_20_numbers(both):
    sp, byte_level = both
    from app.elements.tokenizers_compared import NUMBERS_EXAMPLE

    texts = step(TOKENS, "Numbers: one digit, or up to three")
    assert sp.pieces(sp.encode("1234567", bos=False)) == ["▁", *"1234567"]  # the space mark, then seven digits
    assert "always 7 digit tokens" in texts[0] and "immer 7 Ziffern-Tokens" in texts[1]
    assert_words("(after a ▁ for the space)", "(nach einem ▁ für das Leerzeichen)", texts)
    assert " | ".join(tc.llama3_split("1234567")) in texts[0] and " | ".join(tc.llama3_split("1234567")) in texts[1]
    assert " | ".join(tc.llama3_split("2024")) in texts[0]
    pieces = tc.tokenize(byte_level, "1234567").pieces
    assert pieces[0] == "12" and len(byte_level.encode("123", bos=False)) > 1
    assert_quoted(f"{len(pieces)}", texts)
    assert_words("a piece for 12, but none for 123", "ein Piece für 12, aber keins für 123", texts)
    assert_quoted(f"{tc.tokenize(sp, NUMBERS_EXAMPLE).n_tokens}", texts)
    assert_quoted(f"{tc.tokenize(byte_level, NUMBERS_EXAMPLE).n_tokens}", texts)


def test_lesson_20_characters_without_a_piece(both):
    sp, byte_level = both
    from app.elements.tokenizers_compared import UNKNOWN_EXAMPLE

    texts = step(TOKENS, "Characters without a piece: bytes either way")
    assert sp.pieces(sp.encode("🦙", bos=False))[1:] == ["<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]
    assert "`<0xF0> <0x9F> <0xA6> <0x99>`" in texts[0] and "`<0xE2> <0x82> <0xAC>`" in texts[1]
    assert sp.pieces(sp.encode("€", bos=False))[1:] == ["<0xE2>", "<0x82>", "<0xAC>"]
    for letter in "äü":  # SentencePiece: a piece for every character of its training text
        assert not any(sp.is_byte(i) for i in sp.encode(letter, bos=False))
    assert tc.tokenize(byte_level, " Ü").pieces == ["▁<0xC3>", "<0x9C>"]
    assert "`▁<0xC3>` and `<0x9C>`" in texts[0] and "`▁<0xC3>` und `<0x9C>`" in texts[1]
    assert len(byte_level.encode("ä", bos=False)) == 2 and all(byte_level.is_byte(i) for i in
                                                                byte_level.encode("ä", bos=False))
    assert_quoted(f"{tc.tokenize(sp, UNKNOWN_EXAMPLE).n_tokens}", texts)
    assert_quoted(f"{tc.tokenize(byte_level, UNKNOWN_EXAMPLE).n_tokens}", texts)
    assert sp.unk_id not in sp.encode(UNKNOWN_EXAMPLE) and byte_level.unk_id is None


def test_lesson_20_english_and_german(both):
    from app.elements.tokenizers_compared import PAIRS

    texts = step(TOKENS, "English and German")
    ratios = {f2(tc.token_ratio(tok, PAIRS)) for tok in both}
    assert len(ratios) == 1  # the same to two decimals: "with either tokenizer"
    assert_quoted(ratios.pop(), texts)
    english, german_sentence = PAIRS[0]
    for tok in both:
        assert_quoted(f"{len(tok.encode(english, bos=False))}", texts)
        assert_quoted(f"{len(tok.encode(german_sentence, bos=False))}", texts)
    assert f'"{english}"' in texts[0] and f"„{german_sentence}“" in texts[1]
    assert_quoted("28,000", texts) and assert_quoted("100,000", texts)  # the Llama 3 paper (SOURCES.md)


def test_lesson_20_more_pieces_fewer_tokens(both):
    sp, _ = both
    texts = step(TOKENS, "More pieces, fewer tokens")
    held_out = q.heldout_texts()
    for n in tc.VOCABULARY_SIZES:
        assert_quoted(f2(tc.characters_per_token(tc.llama3_style_tokenizer(n), held_out)), texts)
        assert_quoted(f"{n:,}", texts)
    assert_quoted(f2(tc.characters_per_token(sp, held_out)), texts)
    assert_quoted("3.94", texts) and assert_quoted("3.17", texts)  # the Llama 3 paper (SOURCES.md)


def test_lesson_20_what_the_vocabulary_costs():
    texts = step(TOKENS, "What 128,256 pieces cost")
    big, small, tiny_cfg = (tc.vocabulary_cost(le.PRESETS[n]) for n in ("llama-3-8b", "llama-2-7b", "tiny"))
    for cost in (big, small):
        assert_quoted(f"{cost.vocab_size:,}", texts)
        assert_quoted(f"{cost.per_matrix:,}", texts)
        assert_quoted(gb(cost.matrix_bytes()), texts)
        assert_quoted(percent(cost.share, 1), texts)
    assert_quoted(f"{big.dim:,}", texts)
    assert round(big.per_matrix / small.per_matrix) == 4
    assert_quoted(f"{big.output_flops_per_token / 1e9:.2f}", texts)
    int4 = q.weight_memory(le.PRESETS["llama-3-8b"], q.Scheme(4, 128))
    assert_quoted(gb(int4.total), texts)
    assert_quoted(gb(2 * big.matrix_bytes()), texts)
    assert_quoted(percent(tiny_cfg.share, 1), texts)
    question = quiz(TOKENS, "About how large is one of Llama 3 8B's")
    assert_quoted(gb(big.matrix_bytes()), question) and assert_quoted(gb(small.matrix_bytes()), question)
    assert_quoted(f"{big.per_matrix:,}", question)


def test_lesson_20_quiz_numbers():
    split = quiz(TOKENS, "How does Llama 3's split pattern cut")
    assert " | ".join(tc.llama3_split("1234567")) in split[0]
    euro = quiz(TOKENS, "What does the tiny model's SentencePiece")
    sp = le.load_tokenizer(le.TINY_MODEL_DIR)
    assert " ".join(sp.pieces(sp.encode("€", bos=False))[1:]) in euro[0]
    assert all(sp.is_byte(i) for i in sp.encode("€", bos=False)[1:])  # byte fallback, as the question says
    assert_words("(which, like Llama 2's, falls back to bytes)", "(der, wie der von Llama 2, auf Bytes ausweicht)", euro)


# ---- the live elements in an AppTest -------------------------------------------------------------------------------
TOPICS = ["quantise", "tokenizers_compared"]


ELEMENT_NAMES = ["quant_rounding", "quant_error", "quant_memory", "quant_loss", "quant_top_tokens", "quant_kv_cache",
                 "tokenizers_side_by_side", "tokenizers_numbers", "tokenizers_bytes", "tokenizers_languages",
                 "tokenizers_vocabulary_sweep", "vocabulary_cost"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_element_of_both_lessons_draws_in_each_language(lang):
    at = open_elements(TOPICS, ELEMENT_NAMES, lang=lang, timeout=600)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 9
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    if lang == "de":
        assert "Rundungsfehler" in shown and "Skala" in shown and "Zeichen" in shown
    else:
        assert "rounding error" in shown and "scale" in shown
    at.selectbox(key="quant_memory_model").set_value("llama-3-8b").run()
    at.selectbox(key="quant_memory_granularity").set_value(32).run()
    at.selectbox(key="quant_rounding_matrix").set_value("feed_forward.w2").run()
    at.number_input(key="quant_rounding_row_feed_forward.w2").set_value(255).run()
    at.button(key="quant_top_tokens_try").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["prompt"] == "The cat sat on the"
    at.text_input(key="tokenizers_numbers_text").set_value("9876543210").run()
    assert not at.exception, [e.value for e in at.exception]
    chunks = " | ".join(tc.llama3_split("9876543210"))
    assert any(chunks.replace("|", "\\|") in m.value for m in at.markdown)
