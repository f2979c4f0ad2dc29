"""Text <-> token ids, with the SentencePiece model LLaMA 1 and 2 use (and the tiny model this project trains).

SentencePiece marks a word boundary with "▁" (U+2581) inside the piece itself, so "The cat" becomes the
pieces ["▁The", "▁cat"]. With byte fallback, a character the vocabulary lacks (an emoji, say) becomes its
UTF-8 bytes as pieces "<0xF0>", "<0x9F>", ...: any text can be encoded, and decoding gives it back exactly.
The second half reads what the tokenizer made: the kind of every piece, and the characters that byte runs spell.
"""

from __future__ import annotations

from pathlib import Path

import sentencepiece as spm

TOKENIZER_FILE = "tokenizer.model"
WORD_START = "\u2581"  # "▁": SentencePiece's mark for "a space came before this piece"


class Tokenizer:
    def __init__(self, model_path: str | Path):
        self.path = Path(model_path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no tokenizer at {self.path}: expected a SentencePiece {TOKENIZER_FILE}")
        data = self.path.read_bytes()
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.LoadFromSerializedProto(data)
        except Exception:  # sentencepiece raises a bare RuntimeError with a C++ parse message
            first = data.split(b"\n", 1)[0].split(b" ")
            if len(first) == 2 and first[1].isdigit():  # Llama 3 ships lines of "base64-token rank"
                raise ValueError(f"{self.path} is a tiktoken BPE table (Llama 3), not a SentencePiece model; "
                                 "llama_edu reads SentencePiece tokenizers (LLaMA 1 and 2, the tiny model)") from None
            raise ValueError(f"{self.path} is not a valid SentencePiece model "
                             f"({len(data)} bytes; truncated or another format?)") from None
        self.vocab_size: int = self.sp.vocab_size()
        self.bos_id: int = self.sp.bos_id()
        self.eos_id: int = self.sp.eos_id()

    def encode(self, text: str, bos: bool = True, eos: bool = False) -> list[int]:
        ids = self.sp.encode(text)
        return ([self.bos_id] if bos and self.bos_id >= 0 else []) + ids + ([self.eos_id] if eos else [])

    def decode(self, ids: list[int]) -> str:
        return self.sp.decode([int(i) for i in ids])

    def pieces(self, ids: list[int]) -> list[str]:
        """The vocabulary entry of each id: "▁cat", "<s>", "<0xF0>" ..."""
        return [self.sp.id_to_piece(int(i)) for i in ids]

    def is_byte(self, token_id: int) -> bool:
        return self.sp.is_byte(int(token_id))

    def __len__(self) -> int:
        return self.vocab_size


def load_tokenizer(path: str | Path) -> Tokenizer:
    """A checkpoint directory holding tokenizer.model, or the file itself."""
    path = Path(path)
    return Tokenizer(path / TOKENIZER_FILE if path.is_dir() else path)


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
    return Tokenizer(f"{model_prefix}.model")


# ---- reading the pieces: what each token is, and byte fallback --------------------------------------------------
def token_kind(tok: Tokenizer, token_id: int, piece: str) -> str:
    """The kind of a token, as a key: "BOS", "EOS", "byte", "unknown", "word start" or "inside a word"."""
    if token_id == tok.bos_id:
        return "BOS"
    if token_id == tok.eos_id:
        return "EOS"
    if tok.is_byte(token_id):
        return "byte"
    if token_id == tok.sp.unk_id():
        return "unknown"
    return "word start" if piece.startswith(WORD_START) else "inside a word"


def byte_value(piece: str) -> int | None:
    """The byte a fallback piece stands for: "<0xF0>" -> 240; None for other pieces."""
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        return int(piece[3:5], 16)
    return None


def token_rows(tok: Tokenizer, ids: list[int]) -> list[dict]:
    """One row per token: position, id, piece, its kind, and the text it contributes."""
    rows = []
    for position, (token_id, piece) in enumerate(zip(ids, tok.pieces(ids))):
        kind = token_kind(tok, token_id, piece)
        value = byte_value(piece) if kind == "byte" else None
        rows.append({"position": position, "id": int(token_id), "piece": piece, "kind": kind,
                     "text": "" if kind in ("BOS", "EOS") else (f"byte 0x{value:02X}" if value is not None
                                                                 else piece.replace(WORD_START, " "))})
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
            raw = bytes(byte_value(p) for p in pieces)
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
    written against a word ("mat.") belongs to it, as it does for the tokenizer. BOS and EOS belong to no word,
    and pieces that stand for spaces only are left out. Each entry:
      word:             the text the word's pieces spell, without the space before it
      pieces, ids:      its pieces and their ids; positions: their positions in ids
      why:              BYTES if any piece is a byte, else ONE_PIECE or SEVERAL_PIECES
      byte_characters:  the characters spelled as bytes, each with its UTF-8 bytes ("ü", "C3 BC")
    """
    words, current = [], []
    for row in token_rows(tok, ids):
        if row["kind"] in ("BOS", "EOS"):
            continue
        if current and row["kind"] != "byte" and row["piece"].startswith(WORD_START):
            words.append(current)
            current = []
        current.append(row)
    if current:
        words.append(current)
    return [word for word in map(_describe_word, words) if word["word"].strip()]


def _describe_word(rows: list[dict]) -> dict:
    raw, runs, run = b"", [], b""
    for row in rows:
        value = byte_value(row["piece"]) if row["kind"] == "byte" else None
        if value is not None:
            run += bytes([value])
        else:
            raw += run + row["piece"].replace(WORD_START, " ").encode("utf-8")
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
