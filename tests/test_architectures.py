"""LLaMA vs GPT, BERT and T5 (llama_edu.architectures): the three families' masks, LLaMA's being the one the model
runs, and the training targets each family is built from, checked against the papers' rules."""

import collections

import pytest
import torch

import llama_edu as le
from llama_edu import architectures as arch
from llama_edu import train
from llama_edu.architectures import attention_masks
from llama_edu.model import causal_mask

ALLOWED = 0.0  # an additive mask keeps a score with 0 and removes it with -inf


@pytest.fixture(scope="module")
def tiny():
    return le.load_model(le.TINY_MODEL_DIR), le.load_tokenizer(le.TINY_MODEL_DIR)


# ---- masks ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("T", [1, 2, 7, 31])
def test_causal_mask_allows_the_diagonal_and_everything_below_it(T):
    allowed = attention_masks(T)["decoder-only"] == ALLOWED
    assert torch.equal(allowed, torch.ones(T, T, dtype=torch.bool).tril())


@pytest.mark.parametrize("T", [1, 7])
def test_bidirectional_mask_allows_every_pair(T):
    assert torch.equal(attention_masks(T)["encoder-only"], torch.zeros(T, T))


def test_decoder_only_mask_is_the_models_causal_mask():
    masks = attention_masks(4)
    assert torch.equal(masks["decoder-only"], causal_mask(4, 4))
    allowed = torch.isfinite(masks["decoder-only"])
    assert torch.equal(allowed, torch.ones(4, 4, dtype=torch.bool).tril())  # j <= i, including itself
    assert (masks["decoder-only"][allowed] == 0).all() and torch.isneginf(masks["decoder-only"][~allowed]).all()


def test_encoder_only_mask_lets_every_token_see_every_token():
    assert torch.equal(attention_masks(5)["encoder-only"], torch.zeros(5, 5))


def test_encoder_decoder_mask_by_block():
    """Rows and columns: 3 encoder positions, then 3 decoder positions."""
    T, m = 3, attention_masks(3)["encoder-decoder"]
    assert m.shape == (6, 6)
    enc_self, enc_to_dec, cross, dec_self = m[:T, :T], m[:T, T:], m[T:, :T], m[T:, T:]
    assert (enc_self == 0).all()  # bidirectional
    assert torch.isneginf(enc_to_dec).all()  # the encoder never reads the decoder
    assert (cross == 0).all()  # every decoder position reads every encoder position
    assert torch.equal(torch.isfinite(dec_self), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))


def test_attention_masks_reject_an_empty_sequence():
    with pytest.raises(ValueError, match="at least one token"):
        attention_masks(0)


def test_cross_attention_is_decoder_positions_by_encoder_positions_with_nothing_masked():
    masks = arch.t5_attention_masks(n_encoder=9, n_decoder=4)
    assert masks["cross-attention"].shape == (4, 9)
    assert torch.equal(masks["cross-attention"], torch.zeros(4, 9))
    assert torch.equal(masks["encoder self-attention"], torch.zeros(9, 9))
    assert torch.equal(masks["decoder self-attention"], causal_mask(4, 4))


@pytest.mark.parametrize("T", [1, 5])
def test_t5_masks_are_the_blocks_of_the_encoder_decoder_comparison(T):
    """Same sentence on both sides: the three sublayers are the blocks of the 2T x 2T picture the Attention page
    draws (the encoder's rows never reach the decoder's columns)."""
    whole, parts = attention_masks(T)["encoder-decoder"], arch.t5_attention_masks(T, T)
    assert torch.equal(whole[:T, :T], parts["encoder self-attention"])
    assert torch.equal(whole[T:, T:], parts["decoder self-attention"])
    assert torch.equal(whole[T:, :T], parts["cross-attention"])
    assert torch.isinf(whole[:T, T:]).all()


def test_llama_panel_is_the_mask_the_model_adds_to_its_scores(tiny):
    model, tok = tiny
    ids = tok.encode("The cat sat on the mat")
    T = len(ids)
    assert torch.equal(attention_masks(T)["decoder-only"], causal_mask(T, T))
    _, cache = model.run_with_cache(torch.tensor([ids]))
    for layer in range(model.cfg.n_layers):
        scores = cache[f"layers.{layer}.attention.hook_scores"][0]  # [H, T, T]
        assert torch.equal(torch.isinf(scores), torch.isinf(causal_mask(T, T)).expand_as(scores))
    assert arch.largest_future_weight(cache, model.cfg.n_layers) == 0.0


# ---- GPT / LLaMA --------------------------------------------------------------------------------------------------
def test_next_token_targets_are_the_prompt_shifted_by_one_as_training_cuts_them():
    ids = [1, 40, 41, 42, 43]
    assert arch.next_token_targets(ids) == ([1, 40, 41, 42], [40, 41, 42, 43])
    with pytest.raises(ValueError):
        arch.next_token_targets([1])


def test_next_token_scores_average_to_the_training_loss(tiny):
    model, tok = tiny
    ids = tok.encode("The cat sat on the mat")
    logits = model(torch.tensor([ids]))[0]
    scores = arch.score_next_tokens(logits, ids)
    inputs, targets = arch.next_token_targets(ids)
    loss = train.language_model_loss(model, torch.tensor([inputs]), torch.tensor([targets]), bf16=False)
    assert scores.mean_loss == pytest.approx(loss.item(), rel=1e-5)
    assert scores.targets == ids[1:] and len(scores.top_ids) == len(ids) - 1


def test_lesson_14_quotes_the_tiny_models_own_probabilities(tiny):
    """Lesson 14, step 2: p("▁the" after "▁on") 0.9999, p("▁The" after <s>) 0.098, and "▁The" its top guess there."""
    model, tok = tiny
    ids = tok.encode("The cat sat on the mat")
    scores = arch.score_next_tokens(model(torch.tensor([ids]))[0], ids)
    pieces = tok.pieces(ids)
    assert pieces[4] == "▁on" and round(scores.probabilities[4], 4) == 0.9999
    assert round(scores.probabilities[0], 3) == 0.098 and tok.pieces([scores.top_ids[0]]) == ["▁The"]


# ---- BERT ---------------------------------------------------------------------------------------------------------
def test_bert_picks_15_percent_and_splits_them_80_10_10():
    tokens = [f"w{i % 500}" for i in range(20_000)]
    vocabulary = [f"v{i}" for i in range(1000)]
    example = arch.masked_lm(tokens, vocabulary, seed=7)
    assert len(example.picked) == 3_000
    counts = collections.Counter(a for a in example.actions if a)
    assert counts["mask"] / 3_000 == pytest.approx(0.8, abs=0.03)
    assert counts["random"] / 3_000 == pytest.approx(0.1, abs=0.02)
    assert counts["keep"] / 3_000 == pytest.approx(0.1, abs=0.02)
    for tok, action, read, target in zip(tokens, example.actions, example.inputs, example.targets):
        assert target == (tok if action else None)  # the original is predicted at every picked position, only there
        assert {"mask": read == arch.MASK, "random": read in vocabulary, "keep": read == tok, None: read == tok}[action]


def test_bert_never_picks_cls_or_sep_and_picks_at_least_one():
    tokens = ["[CLS]", "▁The", "▁cat", "[SEP]"]
    for seed in range(20):
        example = arch.masked_lm(tokens, ["x"], seed=seed, special=[0, 3])
        assert len(example.picked) == 1 and example.picked[0] in (1, 2)


def test_bert_draw_is_seeded():
    tokens = [f"w{i}" for i in range(50)]
    assert arch.masked_lm(tokens, ["x"], seed=3) == arch.masked_lm(tokens, ["x"], seed=3)
    assert any(arch.masked_lm(tokens, ["x"], seed=s).picked != arch.masked_lm(tokens, ["x"], seed=3).picked
               for s in range(4, 10))


# ---- T5 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 6, 20, 63, 200])
def test_t5_sentinels_put_back_give_the_original(n):
    tokens = [f"t{i}" for i in range(n)]
    for seed in range(25):
        example = arch.span_corruption(tokens, seed=seed)
        assert arch.fill_spans(example.inputs, example.targets) == tokens
        assert example.targets[-1] == arch.sentinel(len(example.spans))  # one more sentinel ends the target


def test_t5_drops_15_percent_in_spans_of_mean_length_3_that_never_touch():
    tokens = [f"t{i}" for i in range(1000)]
    example = arch.span_corruption(tokens, seed=1)
    assert sum(end - start for start, end in example.spans) == 150 and len(example.spans) == 50
    assert all(end < next_start for (_, end), (next_start, _) in zip(example.spans, example.spans[1:]))
    assert len(example.inputs) == 1000 - 150 + 50 and len(example.targets) == 150 + 51


def test_t5_example_in_the_papers_format():
    """ "The cat sat on the mat" with "sat on" dropped: the encoder reads "The cat <X> the mat", the decoder writes
    "<X> sat on <Y>" (lesson 14, step 4)."""
    tokens = "The cat sat on the mat".split()
    draws = (arch.span_corruption(tokens, seed=seed, noise_density=2 / 6, mean_span=2) for seed in range(200))
    example = next(e for e in draws if e.spans == [(2, 4)])
    x, y = arch.sentinel(0), arch.sentinel(1)
    assert example.inputs == ["The", "cat", x, "the", "mat"]
    assert example.targets == [x, "sat", "on", y]
    assert example.decoder_inputs == [arch.T5_DECODER_START, x, "sat", "on"]


def test_t5_leaves_a_one_token_sentence_whole():
    example = arch.span_corruption(["▁Hi"], seed=0)
    assert example.spans == [] and example.inputs == ["▁Hi"] and example.targets == [arch.sentinel(0)]
