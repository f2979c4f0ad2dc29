"""Every tokenizer format a Llama checkpoint comes with, read through the library made for it, gives the ids of the
reference: transformers' tokenizer for the same folder (Hugging Face tokenizer.json: Llama 3 / 3.1 / 3.2 style,
SmolLM style, TinyLlama style), and for Meta's Llama 3 tokenizer.model, tiktoken set up as Meta's reference code does
(and transformers' own conversion of that file). No real Llama 3 file is available offline: the files are built here,
trained with `tokenizers` in Llama 3's style on the project's corpus plus German, digits and emoji."""

import base64
import json
import shutil

import pytest
import tiktoken
import torch
from helpers import random_model
from tokenizers import Regex, decoders, pre_tokenizers, processors, trainers
from tokenizers import Tokenizer as HFTokenizerObject
from tokenizers.models import BPE

import llama_edu as le
from llama_edu import tokenizer
from llama_edu.tokenizer_formats import GPT2_BYTE_OF, LLAMA3_PAT_STR, LLAMA3_SPECIAL_TOKENS, readable_piece

GERMAN = ["Über die Brücke gehen fünf große Bären, süß und müde.", "Die Straße ist heiß, ich weiß es.",
          "Äpfel, Öl und Übungen: schön, größer, Füße, Grüße."]
EMOJI = ["The llama 🦙 smiles 🙂 at the cat 🐈.", "Two llamas 🦙🦙 and one 🙂."]
DIGITS = ["There were 12 apples and 307 pears in 2024.", "Call 0123456789 at 10:45."]

TEXTS = {
    "english": "The cat sat on the mat. Then it slept.",
    "german": "Über die Brücke: süß, heiß, Straße, Öl, Äpfel.",
    "digits": "In 2024 there were 1234567 llamas, 3.14 each.",
    "emoji": "a 🦙 and 🙂🙂, then 🐈‍⬛!",
    "spaces": "  two  spaces\n\nnew\tline ",
}
LLAMA3_CHAT = "<|start_header_id|>user<|end_header_id|>\n\nHallo, wie geht's?<|eot_id|>"
SMOLLM_CHAT = "<|im_start|>user\nHallo, wie geht's?<|im_end|>\n"


def _training_text():
    from llama_edu.corpus import generate_stories
    return generate_stories(300, seed=1, version=1) + (GERMAN + EMOJI + DIGITS) * 20


def _train(tk: HFTokenizerObject, vocab_size: int, special_tokens=()) -> HFTokenizerObject:
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tk.train_from_iterator(_training_text(), trainer)
    return tk


def build_llama3_json(folder):
    """Llama 3's tokenizer.json, small: its split regex, byte-level BPE (ignore_merges), the 256 special tokens after
    the ranks, BOS by the post-processor; an Instruct model's config (eos <|eot_id|>, generation eos ids a list)."""
    tk = HFTokenizerObject(BPE(ignore_merges=True))
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PAT_STR), behavior="isolated"),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tk.decoder = decoders.ByteLevel()
    _train(tk, 800)
    n_base = tk.get_vocab_size()
    tk.add_special_tokens(LLAMA3_SPECIAL_TOKENS)
    bos = tk.token_to_id("<|begin_of_text|>")
    tk.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)])])
    folder.mkdir(parents=True)
    tk.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 131072, "clean_up_tokenization_spaces": False}))
    (folder / "generation_config.json").write_text(json.dumps({
        "bos_token_id": bos, "eos_token_id": [n_base + 1, n_base + 8, n_base + 9]}))
    return folder


def build_tiktoken_file(llama3_folder, folder):
    """Meta's format from the same vocabulary: one line "base64(bytes) rank" per piece, rank = id (what the
    Hugging Face conversion of Llama 3 did the other way round)."""
    vocab = json.loads((llama3_folder / "tokenizer.json").read_text())["model"]["vocab"]
    lines = [f"{base64.b64encode(bytes(GPT2_BYTE_OF[ch] for ch in piece)).decode()} {rank}"
             for piece, rank in sorted(vocab.items(), key=lambda item: item[1])]
    folder.mkdir(parents=True)
    (folder / "tokenizer.model").write_text("\n".join(lines) + "\n")
    return folder


def build_smollm_json(folder):
    """SmolLM's style: GPT-2's byte-level BPE with digits split, special tokens first, no BOS added."""
    tk = HFTokenizerObject(BPE())
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tk.decoder = decoders.ByteLevel()
    tk.post_processor = processors.ByteLevel(trim_offsets=False)
    _train(tk, 600, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    folder.mkdir(parents=True)
    tk.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>",
        "tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False}))
    (folder / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    return folder


def build_tinyllama_json(spm_file, folder):
    """TinyLlama's style: the SentencePiece model as a tokenizer.json ("▁" pieces, byte fallback), as transformers
    converts it, with add_bos_token in tokenizer_config.json, and no tokenizer.model beside it."""
    from transformers import LlamaTokenizer

    source = folder.parent / (folder.name + "-spm")
    source.mkdir(parents=True)
    shutil.copy(spm_file, source / "tokenizer.model")
    LlamaTokenizer.from_pretrained(source, add_bos_token=True, legacy=False).save_pretrained(folder)
    (folder / "tokenizer.model").unlink(missing_ok=True)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "add_bos_token": True, "add_eos_token": False}))
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory, spm_tokenizer_file):
    root = tmp_path_factory.mktemp("tokenizer-formats")
    llama3 = build_llama3_json(root / "llama3")
    spm = root / "sentencepiece"
    spm.mkdir()
    shutil.copy(spm_tokenizer_file, spm / "tokenizer.model")
    return {"llama3": llama3, "meta-llama3": build_tiktoken_file(llama3, root / "meta-llama3"),
            "smollm": build_smollm_json(root / "smollm"),
            "tinyllama": build_tinyllama_json(spm_tokenizer_file, root / "tinyllama"), "sentencepiece": spm}


def reference(folder):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(folder)


def meta_encoding(file) -> tiktoken.Encoding:
    """tiktoken set up as Meta's reference code does (llama-models, Tokenizer.__init__)."""
    from tiktoken.load import load_tiktoken_bpe
    mergeable_ranks = load_tiktoken_bpe(str(file))
    num_base_tokens = len(mergeable_ranks)
    special_tokens = {token: num_base_tokens + i for i, token in enumerate(LLAMA3_SPECIAL_TOKENS)}
    return tiktoken.Encoding(name=file.name, pat_str=LLAMA3_PAT_STR, mergeable_ranks=mergeable_ranks,
                             special_tokens=special_tokens)


def chat_text(kind: str) -> str:
    return SMOLLM_CHAT if kind == "smollm" else LLAMA3_CHAT


# ---- the format, from the files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "backend"), [("llama3", "tokenizer.json"), ("meta-llama3", "tiktoken"),
                                               ("smollm", "tokenizer.json"), ("tinyllama", "tokenizer.json"),
                                               ("sentencepiece", "sentencepiece")])
def test_each_folder_is_read_by_the_library_made_for_its_format(folders, kind, backend):
    assert le.load_tokenizer(folders[kind]).format == backend


def test_tokenizer_model_format_is_read_from_its_bytes_not_its_name(folders, tmp_path):
    tiktoken_copy, spm_copy = tmp_path / "a.bin", tmp_path / "b.bin"
    shutil.copy(folders["meta-llama3"] / "tokenizer.model", tiktoken_copy)
    shutil.copy(folders["sentencepiece"] / "tokenizer.model", spm_copy)
    assert le.load_tokenizer(tiktoken_copy).format == "tiktoken"
    assert le.load_tokenizer(spm_copy).format == "sentencepiece"


def test_a_folder_with_both_keeps_reading_sentencepiece_tokenizer_model(folders, tmp_path):
    """LLaMA 2 folders on the Hub carry tokenizer.model and tokenizer.json; the SentencePiece file is read, as before."""
    shutil.copytree(folders["tinyllama"], tmp_path / "both")
    shutil.copy(folders["sentencepiece"] / "tokenizer.model", tmp_path / "both" / "tokenizer.model")
    assert le.load_tokenizer(tmp_path / "both").format == "sentencepiece"


@pytest.mark.parametrize("content", [b"not a tokenizer\n", b"", b"QUJD 0\nQUJD x\n"])
def test_a_broken_tokenizer_model_is_a_value_error_without_the_server_path(tmp_path, content):
    (tmp_path / "tokenizer.model").write_bytes(content)
    with pytest.raises(ValueError, match="tokenizer.model") as raised:
        le.load_tokenizer(tmp_path)
    assert str(tmp_path) not in str(raised.value)


def test_a_broken_tokenizer_json_is_a_value_error_naming_it(tmp_path):
    (tmp_path / "tokenizer.json").write_text('{"model": []}')
    with pytest.raises(ValueError, match="tokenizer.json") as raised:
        le.load_tokenizer(tmp_path)
    assert str(tmp_path) not in str(raised.value)


def test_a_folder_without_a_tokenizer_says_which_files_it_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer.model.*tokenizer.json"):
        le.load_tokenizer(tmp_path)


# ---- ids: the same as the reference -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["llama3", "smollm", "tinyllama"])
@pytest.mark.parametrize("text", [*TEXTS, "chat"])
def test_tokenizer_json_ids_and_text_match_transformers(folders, kind, text):
    text = chat_text(kind) if text == "chat" else TEXTS[text]
    ref, tok = reference(folders[kind]), le.load_tokenizer(folders[kind])
    ids = tok.encode(text)
    assert ids == ref(text)["input_ids"]
    assert tok.decode(ids) == ref.decode(ids)


@pytest.mark.parametrize("text", [*TEXTS, "chat"])
def test_tiktoken_ids_match_tiktoken_set_up_as_metas_code(folders, text):
    text = LLAMA3_CHAT if text == "chat" else TEXTS[text]
    enc, tok = meta_encoding(folders["meta-llama3"] / "tokenizer.model"), le.load_tokenizer(folders["meta-llama3"])
    bos = enc._special_tokens["<|begin_of_text|>"]
    ids = tok.encode(text)
    assert ids == [bos, *enc.encode(text, allowed_special="all")]
    assert tok.decode(ids) == enc.decode(ids)
    # The same vocabulary as Hugging Face's tokenizer.json it was written from: the same ids.
    assert ids == le.load_tokenizer(folders["llama3"]).encode(text)


def test_tiktoken_ids_match_transformers_conversion_of_metas_file(folders, monkeypatch):
    """transformers' TikTokenConverter (what its Llama 3 conversion uses) reads Meta's file into a tokenizer.json."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # tiktoken would copy a local file into a cache otherwise
    converted = TikTokenConverter(vocab_file=str(folders["meta-llama3"] / "tokenizer.model"),
                                  extra_special_tokens=LLAMA3_SPECIAL_TOKENS).converted()
    tok = le.load_tokenizer(folders["meta-llama3"])
    for text in [*TEXTS.values(), LLAMA3_CHAT]:
        assert tok.encode(text, bos=False) == converted.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("kind", ["llama3", "meta-llama3", "smollm", "tinyllama", "sentencepiece"])
def test_decoding_gives_back_the_text(folders, kind):
    tok = le.load_tokenizer(folders[kind])
    for text in TEXTS.values():
        if kind == "tinyllama":  # its decoder strips one space in front (the one its normalizer adds): so does
            text = text.lstrip(" ")  # transformers' (test above); a text that starts with spaces loses one
        assert tok.decode(tok.encode(text, bos=False)) == text


# ---- BOS, EOS and special tokens, as each checkpoint's configuration says ---------------------------------------------
def test_llama3_instruct_takes_bos_and_its_stop_tokens_from_its_configs(folders):
    tok = le.load_tokenizer(folders["llama3"])
    n_base = tok.vocab_size - 256
    assert (tok.bos_id, tok.eos_id) == (n_base, n_base + 9)  # <|begin_of_text|>, tokenizer_config's <|eot_id|>
    assert tok.eos_ids == (n_base + 9, n_base + 1, n_base + 8)  # then generation_config's list
    assert tok.add_bos and tok.encode("Hi")[0] == tok.bos_id and tok.encode("Hi", bos=False)[0] != tok.bos_id


def test_metas_file_has_metas_special_tokens_and_stop_tokens(folders):
    tok = le.load_tokenizer(folders["meta-llama3"])
    n_base = tok.vocab_size - 256
    assert tok.pieces([n_base, n_base + 1, n_base + 6, n_base + 9, tok.vocab_size - 1]) == [
        "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|eot_id|>", "<|reserved_special_token_246|>"]
    assert (tok.bos_id, tok.eos_id) == (n_base, n_base + 1)
    assert tok.eos_ids == (n_base + 1, n_base + 8, n_base + 9)  # <|end_of_text|>, <|eom_id|>, <|eot_id|>


def test_smollm_adds_no_bos_as_its_tokenizer_does_not(folders):
    tok = le.load_tokenizer(folders["smollm"])
    assert not tok.add_bos and tok.bos_id == 1 and tok.eos_id == 2
    assert tok.bos_id not in tok.encode("Hi")


def test_tinyllama_adds_bos_as_its_config_says(folders):
    tok = le.load_tokenizer(folders["tinyllama"])
    config = json.loads((folders["tinyllama"] / "tokenizer_config.json").read_text())
    assert config["add_bos_token"] is True
    assert tok.add_bos and tok.pieces(tok.encode("Hi")[:1]) == ["<s>"] and tok.eos_ids == (tok.eos_id,)


@pytest.mark.parametrize("kind", ["llama3", "meta-llama3"])
def test_chat_tokens_are_shown_as_special_tokens(folders, kind):
    tok = le.load_tokenizer(folders[kind])
    rows = tokenizer.token_rows(tok, tok.encode(LLAMA3_CHAT))
    kinds = {row["piece"]: row["kind"] for row in rows}
    assert kinds["<|begin_of_text|>"] == "BOS" and kinds["<|eot_id|>"] == "EOS"
    assert kinds["<|start_header_id|>"] == kinds["<|end_header_id|>"] == "special"
    assert [w["word"] for w in tokenizer.word_pieces(tok, tok.encode(LLAMA3_CHAT))][:2] == ["user", "\n\nHallo,"]


def test_smollm_chat_tokens_are_shown_as_special_tokens(folders):
    tok = le.load_tokenizer(folders["smollm"])
    rows = tokenizer.token_rows(tok, tok.encode(SMOLLM_CHAT))
    assert (rows[0]["piece"], rows[0]["kind"]) == ("<|im_start|>", "BOS")
    assert ("<|im_end|>", "EOS") in [(row["piece"], row["kind"]) for row in rows]


# ---- pieces: readable the same way for every format ----------------------------------------------------------------
def test_byte_pieces_read_as_bytes_and_spaces_as_word_starts():
    assert readable_piece(b" cat") == ("\u2581cat", False)
    assert readable_piece(b"\xf0\x9f") == ("<0xF0><0x9F>", True)
    assert readable_piece(" ü".encode()) == ("\u2581ü", False)
    assert readable_piece(b"\n\n") == ("<0x0A><0x0A>", False)
    assert tokenizer.piece_bytes("\u2581<0xF0><0x9F>") == b" \xf0\x9f"


@pytest.mark.parametrize("kind", ["llama3", "meta-llama3", "smollm"])
def test_byte_level_pieces_read_like_sentencepieces(folders, kind):
    """"Ġcat" in the file is "▁cat" on screen; a piece holding part of a character is a byte piece; pieces put
    together give the text's bytes back."""
    tok = le.load_tokenizer(folders[kind])
    assert "\u2581cat" in tok.pieces(tok.encode("the cat", bos=False))
    assert not any("Ġ" in piece for piece in tok.pieces(range(tok.vocab_size)))
    for text in TEXTS.values():
        ids = tok.encode(text, bos=False)
        assert b"".join(tokenizer.piece_bytes(p) for p in tok.pieces(ids)) == text.encode()
        for token_id, piece in zip(ids, tok.pieces(ids)):
            holds_part = any(isinstance(s, bytes) and s.decode("utf-8", errors="replace") != s.decode("latin-1")
                             for s in tokenizer.piece_segments(piece))
            assert tok.is_byte(token_id) == holds_part, piece


@pytest.mark.parametrize("kind", ["llama3", "meta-llama3"])
def test_the_app_reads_words_and_byte_runs_of_byte_level_pieces(folders, kind):
    tok = le.load_tokenizer(folders[kind])
    ids = tok.encode("Über die Brücke, ein 🦙 und 🐈‍⬛!")
    words = tokenizer.word_pieces(tok, ids)
    assert [w["word"] for w in words] == ["Über", "die", "Brücke,", "ein", "🦙", "und", "🐈‍⬛!"]
    assert "🐈\u200d⬛" in "".join(g["decodes_to"] for g in tokenizer.byte_fallback_groups(tok, ids))  # never trained on
    assert next(w for w in words if w["word"] == "🦙")["why"] == tokenizer.ONE_PIECE  # trained on: one piece "▁🦙"
    rows = tokenizer.token_rows(tok, ids)
    spaced = [row["text"] for row in rows if row["piece"].startswith("\u2581<0x")]  # "▁<0xF0><0x9F>": a space, bytes
    assert spaced and all(text.startswith("byte \u2581 0x") for text in spaced)
    example = tokenizer.byte_fallback_example(tok, "süß 🦙")
    assert example["same"] and example["decoded"] == "süß 🦙"


@pytest.mark.parametrize("kind", ["llama3", "meta-llama3", "smollm", "tinyllama", "sentencepiece"])
def test_every_id_below_vocab_size_has_a_piece_and_ids_past_it_are_named(folders, kind):
    tok = le.load_tokenizer(folders[kind])
    pieces = tok.pieces(list(range(tok.vocab_size)))
    assert len(pieces) == tok.vocab_size and all(isinstance(p, str) and p for p in pieces)
    assert tok.vocab_size == len(reference(folders[kind])) if kind != "meta-llama3" else True
    # A model padded past its tokenizer can predict these: named, shown as control tokens, never text or bytes.
    past = tok.vocab_size + 3
    assert tok.pieces([5, past]) == [pieces[5], f"<id {past}>"]
    assert tok.is_special(past) and not tok.is_byte(past)
    text = "The cat sat."
    ids = tok.encode(text, bos=False)
    assert tok.decode(ids + [past]) == tok.decode(ids) + f"<id {past}>"
    with pytest.raises(IndexError):
        tok.pieces([-1])


# ---- the whole path: a checkpoint with each kind of tokenizer ------------------------------------------------------
@pytest.mark.parametrize("kind", ["llama3", "meta-llama3", "smollm", "tinyllama", "sentencepiece"])
def test_a_checkpoint_with_each_tokenizer_kind_loads_and_answers_the_apps_calls(folders, tmp_path, kind):
    from llama_edu.generate import generate
    from llama_edu.prompts import prepare_prompt

    tok = le.load_tokenizer(folders[kind])
    cfg = le.ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=tok.vocab_size, multiple_of=16,
                         max_seq_len=128, rope_theta=500000.0)
    model = random_model(cfg)
    if kind == "meta-llama3":
        folder = le.save_meta_checkpoint(model, tmp_path / kind, tokenizer_file=folders[kind] / "tokenizer.model")
    else:
        folder = le.save_model(model, tmp_path / kind)
        for file in folders[kind].iterdir():
            shutil.copy(file, folder / file.name)

    loaded, tok = le.load_model(folder, device="cpu", dtype=torch.float32), le.load_tokenizer(folder)
    assert loaded.cfg.vocab_size == tok.vocab_size
    prompt = prepare_prompt(tok, "Über die Brücke geht ein 🦙.", max_tokens=64)
    logits = loaded(torch.tensor([prompt.ids]))
    assert logits.shape == (1, len(prompt.ids), tok.vocab_size) and torch.isfinite(logits).all()
    top = int(logits[0, -1].argmax())
    assert isinstance(tok.pieces([top])[0], str)
    new = list(generate(loaded, prompt.ids, max_new_tokens=5, stop_ids=list(tok.eos_ids)))
    assert isinstance(tok.decode(prompt.ids + new), str)
    assert (tokenizer.token_rows(tok, prompt.ids)[0]["kind"] == "BOS") == tok.add_bos
    assert tokenizer.word_pieces(tok, prompt.ids)[0]["word"] == "Über"
