"""Text <-> token ids, through the library each tokenizer format was made for.

LLaMA 1 and 2 (and the tiny model this project trains) use a SentencePiece `tokenizer.model`. SentencePiece marks a
word boundary with "▁" (U+2581) inside the piece itself, so "The cat" becomes the pieces ["▁The", "▁cat"]. With byte
fallback, a character the vocabulary lacks (an emoji, say) becomes its UTF-8 bytes as pieces "<0xF0>", "<0x9F>", ...:
any text can be encoded, and decoding gives it back exactly.

Llama 3 (and SmolLM, GPT-2) use byte-level BPE instead: every piece is a run of bytes, read by `tokenizers` from a
Hugging Face `tokenizer.json` or by `tiktoken` from Meta's own `tokenizer.model` (see llama_edu.tokenizer_formats).
Whatever the format, pieces() shows them the same way: text with "▁" for each space, and "<0xF0>" for a byte that is
not a whole character on its own. So "Ġcat" of a byte-level vocabulary reads "▁cat" here, like SentencePiece's.

Every backend offers the same interface (the class Tokenizer): encode, decode, pieces, is_byte, is_special, bos_id,
eos_id (and eos_ids: a chat model may stop on several), unk_id, vocab_size.
The second half reads what the tokenizer made: the kind of every piece, and the characters that byte runs spell.
"""

from __future__ import annotations

import re
from pathlib import Path

import sentencepiece as spm

TOKENIZER_FILE = "tokenizer.model"  # SentencePiece (LLaMA 1, 2) or tiktoken ranks (Meta's Llama 3)
HF_TOKENIZER_FILE = "tokenizer.json"  # Hugging Face tokenizers (Llama 3 on the Hub, TinyLlama, SmolLM, ...)
WORD_START = "\u2581"  # "▁": SentencePiece's mark for "a space came before this piece"


class Tokenizer:
    """What the library and the app use of a tokenizer, whichever format it was read from.

    vocab_size: every id below it has a piece; bos_id / eos_id: the ids the checkpoint's configuration names (None
    when it has none); eos_ids: every id that ends a text (a chat model's end of turn too), eos_id first;
    add_bos: whether encode(text) puts bos_id first (the checkpoint's configuration says; SmolLM adds none);
    format: "sentencepiece", "tokenizer.json" or "tiktoken".
    """

    format: str = ""
    vocab_size: int
    bos_id: int | None = None
    eos_id: int | None = None
    eos_ids: tuple[int, ...] = ()
    unk_id: int | None = None
    add_bos: bool = True

    def _encode(self, text: str) -> list[int]:
        raise NotImplementedError

    @property
    def bos_count(self) -> int:
        """How many ids encode(text) puts before the text's own: 1 where a BOS is added, 0 where none is (SmolLM)."""
        return int(self.add_bos and self.bos_id is not None)

    def encode(self, text: str, bos: bool = True, eos: bool = False) -> list[int]:
        """Token ids of text; bos_id first when bos and the checkpoint adds one, eos_id last when eos."""
        first = [self.bos_id] if bos and self.add_bos and self.bos_id is not None else []
        return first + self._encode(text) + ([self.eos_id] if eos and self.eos_id is not None else [])

    # An id at or past vocab_size is one the model has and the tokenizer lacks: a checkpoint may pad its output layer
    # past its vocabulary (to a multiple of 64, or for tokens a fine-tune added), and its model can predict such an
    # id. It is named "<id 32000>" (a control token, not text) wherever pieces or text are shown.
    def decode(self, ids: list[int]) -> str:
        """The text of ids; an id past the vocabulary appears as its name."""
        parts, run = [], []
        for i in map(_token_id, ids):
            if i < self.vocab_size:
                run.append(i)
            else:
                parts += [self._decode(run) if run else "", f"<id {i}>"]
                run = []
        return "".join(parts) + (self._decode(run) if run or not parts else "")

    def pieces(self, ids: list[int]) -> list[str]:
        """The vocabulary entry of each id, readable: "▁cat", "<s>", "<|eot_id|>", "<0xF0>", "<id 32000>" ..."""
        ids = [_token_id(i) for i in ids]
        known = iter(self._pieces_of([i for i in ids if i < self.vocab_size]))
        return [next(known) if i < self.vocab_size else f"<id {i}>" for i in ids]

    def is_byte(self, token_id: int) -> bool:
        """Whether the piece holds a byte that is not a whole character on its own (shown as "<0xF0>")."""
        return _token_id(token_id) < self.vocab_size and self._is_byte(int(token_id))

    def is_special(self, token_id: int) -> bool:
        """Whether the id is a control token (BOS, EOS, a chat model's <|start_header_id|> ...), not text."""
        return _token_id(token_id) >= self.vocab_size or self._is_special(int(token_id))

    # What each format implements, for ids below vocab_size.
    def _decode(self, ids: list[int]) -> str:
        raise NotImplementedError

    def _pieces_of(self, ids: list[int]) -> list[str]:
        raise NotImplementedError

    def _is_byte(self, token_id: int) -> bool:
        raise NotImplementedError

    def _is_special(self, token_id: int) -> bool:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.vocab_size


def _token_id(token_id) -> int:
    token_id = int(token_id)
    if token_id < 0:
        raise IndexError(f"token id {token_id} is negative")
    return token_id


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece `tokenizer.model` (LLaMA 1 and 2, the tiny model), read by sentencepiece."""

    format = "sentencepiece"

    def __init__(self, model_path: str | Path):
        self.path = Path(model_path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no tokenizer {self.path.name}: expected a SentencePiece {TOKENIZER_FILE}")
        data = self.path.read_bytes()
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.LoadFromSerializedProto(data)
        except RuntimeError:  # sentencepiece's C++ parse error
            raise ValueError(f"{self.path.name} is not a valid SentencePiece model "
                             f"({len(data)} bytes; truncated or another format?)") from None
        self.vocab_size: int = self.sp.vocab_size()
        self.bos_id = self.sp.bos_id() if self.sp.bos_id() >= 0 else None
        self.eos_id = self.sp.eos_id() if self.sp.eos_id() >= 0 else None
        self.eos_ids = (self.eos_id,) if self.eos_id is not None else ()
        self.unk_id = self.sp.unk_id() if self.sp.unk_id() >= 0 else None

    def _encode(self, text: str) -> list[int]:
        return self.sp.encode(text)

    def _decode(self, ids: list[int]) -> str:
        return self.sp.decode([int(i) for i in ids])

    def _pieces_of(self, ids: list[int]) -> list[str]:
        return [self.sp.id_to_piece(int(i)) for i in ids]

    def _is_byte(self, token_id: int) -> bool:
        return self.sp.is_byte(int(token_id))

    def _is_special(self, token_id: int) -> bool:
        return self.sp.is_control(int(token_id)) or self.sp.is_unknown(int(token_id))


def find_tokenizer_file(path: str | Path) -> Path | None:
    """The tokenizer file of a checkpoint directory: tokenizer.model when it is SentencePiece (what LLaMA 1 and 2
    folders were always read with), else tokenizer.json (it carries its own configuration), else a tiktoken
    tokenizer.model; None when the folder has neither."""
    from .tokenizer_formats import is_tiktoken_file
    path = Path(path)
    model, hf = path / TOKENIZER_FILE, path / HF_TOKENIZER_FILE
    if model.is_file() and not is_tiktoken_file(model):
        return model
    if hf.is_file():
        return hf
    return model if model.is_file() else None


def load_tokenizer(path: str | Path) -> Tokenizer:
    """The tokenizer of a checkpoint directory (see find_tokenizer_file), or a tokenizer file itself.

    tokenizer.json is read with `tokenizers`, with the BOS/EOS the folder's tokenizer_config.json and
    generation_config.json name; a tokenizer.model with sentencepiece, or with tiktoken when it holds Meta's Llama 3
    ranks (lines of "base64-bytes rank"): the format is read from the file's bytes, not its name.
    """
    from .tokenizer_formats import HFTokenizer, TiktokenTokenizer, is_tiktoken_file
    path = Path(path)
    file = find_tokenizer_file(path) if path.is_dir() else path
    if file is None or not file.is_file():
        raise FileNotFoundError(f"no tokenizer in {path.name}: expected {TOKENIZER_FILE} (SentencePiece or "
                                f"Llama 3's tiktoken file) or {HF_TOKENIZER_FILE} (Hugging Face)")
    if file.suffix == ".json":
        return HFTokenizer(file)
    if is_tiktoken_file(file):
        return TiktokenTokenizer(file)
    return SentencePieceTokenizer(file)


def train_tokenizer(text_file: str | Path, model_prefix: str | Path, vocab_size: int = 4096,
                    max_sentences: int = 2_000_000, seed: int = 0) -> Tokenizer:
    """Train a LLaMA-style SentencePiece BPE tokenizer: byte fallback, digits split, no normalisation.

    sentencepiece's default normaliser collapses runs of spaces and rewrites some unicode (NFKC); Hugging
    Face's Llama tokenizer does neither, so "identity" normalisation keeps the two in agreement.
    """
    spm.set_random_generator_seed(seed)  # the sentence sample it trains on is random: fix it
    spm.SentencePieceTrainer.train(
        input=str(text_file), model_prefix=str(model_prefix), vocab_size=vocab_size, model_type="bpe",
        byte_fallback=True, split_digits=True, character_coverage=1.0,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        input_sentence_size=max_sentences, shuffle_input_sentence=True, seed_sentencepiece_size=1_000_000,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=2, minloglevel=2,
    )
    return SentencePieceTokenizer(f"{model_prefix}.model")


# ---- reading the pieces: what each token is, and byte fallback --------------------------------------------------
def token_kind(tok: Tokenizer, token_id: int, piece: str) -> str:
    """The kind of a token, as a key: "BOS", "EOS", "special" (another control token, such as a chat model's
    <|start_header_id|>), "byte", "unknown", "word start" or "inside a word"."""
    if token_id == tok.bos_id:
        return "BOS"
    if token_id == tok.eos_id or token_id in tok.eos_ids:
        return "EOS"
    if token_id == tok.unk_id:
        return "unknown"
    if tok.is_special(token_id):
        return "special"
    if tok.is_byte(token_id):
        return "byte"
    return "word start" if piece.startswith(WORD_START) else "inside a word"


def byte_value(piece: str) -> int | None:
    """The byte a fallback piece stands for: "<0xF0>" -> 240; None for other pieces."""
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        return int(piece[3:5], 16)
    return None


_BYTE_MARK = re.compile(r"<0x([0-9A-F]{2})>")


def piece_segments(piece: str) -> list[str | bytes]:
    """A piece as it reads, split into text (str, "▁" back to a space) and the bytes its "<0xHH>" marks stand for
    (bytes): "▁<0xF0><0x9F>" -> [" ", b"\xf0\x9f"]. A byte-level piece may hold a space and half a character."""
    segments: list[str | bytes] = []
    for i, part in enumerate(_BYTE_MARK.split(piece)):
        if i % 2:  # a captured hex pair
            byte = bytes([int(part, 16)])
            segments[-1:] = [segments[-1] + byte] if segments and isinstance(segments[-1], bytes) else \
                [*segments[-1:], byte]
        elif part:
            segments.append(part.replace(WORD_START, " "))
    return segments


def piece_bytes(piece: str) -> bytes:
    """The bytes a readable piece stands for: "▁cat" -> b" cat", "<0xF0>" -> b"\xf0"."""
    return b"".join(s if isinstance(s, bytes) else s.encode("utf-8") for s in piece_segments(piece))


def token_rows(tok: Tokenizer, ids: list[int]) -> list[dict]:
    """One row per token: position, id, piece, its kind, and the text it contributes."""
    rows = []
    for position, (token_id, piece) in enumerate(zip(ids, tok.pieces(ids))):
        kind = token_kind(tok, token_id, piece)
        if kind in ("BOS", "EOS"):
            text = ""
        elif kind == "byte":  # "byte 0xF0"; a byte-level piece may hold more: "▁<0xF0><0x9F>" -> "byte ▁ 0xF0 0x9F"
            text = "byte " + " ".join(s.replace(" ", WORD_START) if isinstance(s, str) else
                                      " ".join(f"0x{b:02X}" for b in s) for s in piece_segments(piece))
        else:
            text = piece.replace(WORD_START, " ")
        rows.append({"position": position, "id": int(token_id), "piece": piece, "kind": kind, "text": text})
    return rows


def utf8_bytes(text: str) -> list[dict]:
    """Each character of text with its UTF-8 bytes, e.g. 🦙 -> F0 9F A6 99."""
    return [{"character": ch, "code_point": f"U+{ord(ch):04X}",
             "utf_8_bytes": " ".join(f"{b:02X}" for b in ch.encode("utf-8"))} for ch in text]


def byte_fallback_example(tok: Tokenizer, text: str) -> dict:
    """What the tokenizer makes of typed text (no BOS): its characters' UTF-8 bytes, its tokens, and the decoded text.

    "same" says whether decoding gives back exactly the text typed: byte fallback is what makes it always true.
    """
    ids = tok.encode(text, bos=False)
    decoded = tok.decode(ids)
    return {"characters": utf8_bytes(text), "ids": ids, "rows": token_rows(tok, ids), "decoded": decoded,
            "same": decoded == text}


def byte_fallback_groups(tok: Tokenizer, ids: list[int]) -> list[dict]:
    """Runs of consecutive byte tokens in ids, with the text their bytes spell once joined.

    A run may stop mid-character when a prompt is truncated; the decoded text then shows U+FFFD.
    """
    groups, run = [], []
    for position, token_id in enumerate(list(ids) + [None]):
        if token_id is not None and tok.is_byte(token_id):
            run.append(position)
            continue
        if run:
            pieces = tok.pieces([ids[p] for p in run])
            raw = b"".join(piece_bytes(p) for p in pieces)
            groups.append({"positions": f"{run[0]}–{run[-1]}", "pieces": " ".join(pieces),
                           "bytes": raw.hex(" ").upper(), "decodes_to": raw.decode("utf-8", errors="replace")})
            run = []
    return groups


# ---- why a word is one piece, several pieces or bytes --------------------------------------------------------------
# BPE learns its pieces from the tokenizer's training text: it starts from single characters and keeps merging the most
# frequent neighbouring pair. A word that text used often ends up as one piece; a rarer word is only covered by
# shorter letter groups that were frequent; a character the text never had (or too rarely) has no piece at all and
# is spelled as its 1 to 4 UTF-8 bytes (byte fallback).
ONE_PIECE, SEVERAL_PIECES, BYTES = "one piece", "several pieces", "bytes"


def word_pieces(tok: Tokenizer, ids: list[int]) -> list[dict]:
    """The words of ids as the tokenizer cut them: one entry per word, in order, each with its pieces and why.

    A word starts at a piece with "▁" (SentencePiece's word start) and runs until the next one, so punctuation
    written against a word ("mat.") belongs to it, as it does for the tokenizer. BOS, EOS and other special tokens
    (a chat model's <|start_header_id|>) belong to no word and end the one before them,
    and pieces that stand for spaces only are left out. Each entry:
      word:             the text the word's pieces spell, without the space before it
      pieces, ids:      its pieces and their ids; positions: their positions in ids
      why:              BYTES if any piece is a byte, else ONE_PIECE or SEVERAL_PIECES
      byte_characters:  the characters spelled as bytes, each with its UTF-8 bytes ("ü", "C3 BC")
    """
    words, current = [], []
    for row in token_rows(tok, ids):
        if row["kind"] in ("BOS", "EOS", "special"):  # a control token belongs to no word, and ends the one before
            words, current = words + [current] if current else words, []
            continue
        if current and row["piece"].startswith(WORD_START):
            words.append(current)
            current = []
        current.append(row)
    if current:
        words.append(current)
    return [word for word in map(_describe_word, words) if word["word"].strip()]


def _describe_word(rows: list[dict]) -> dict:
    raw, runs, run = b"", [], b""
    for row in rows:
        for segment in piece_segments(row["piece"]):
            if isinstance(segment, bytes) and row["kind"] == "byte":
                run += segment
            else:
                raw += run + (segment if isinstance(segment, bytes) else segment.encode("utf-8"))
                runs, run = runs + [run] if run else runs, b""
    raw += run
    runs = runs + [run] if run else runs
    characters = [ch for chunk in runs for ch in chunk.decode("utf-8", errors="replace")]
    why = BYTES if characters else (ONE_PIECE if len(rows) == 1 else SEVERAL_PIECES)
    return {"word": raw.decode("utf-8", errors="replace").lstrip(" "), "pieces": [r["piece"] for r in rows],
            "ids": [r["id"] for r in rows], "positions": [r["position"] for r in rows], "why": why,
            "byte_characters": [{"character": ch, "bytes": ch.encode("utf-8").hex(" ").upper()}
                                for ch in characters if ch != "\ufffd"]}


def characters_without_piece(tok: Tokenizer, characters: str) -> list[str]:
    """The characters (of "0123456789", say) that this tokenizer has no piece for: written alone, each becomes
    byte tokens. A tokenizer trained on text without digits has none for digits; one trained with them has all ten."""
    return [ch for ch in dict.fromkeys(characters)
            if any(tok.is_byte(i) for i in tok.encode(ch, bos=False))]
