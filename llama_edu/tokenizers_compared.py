"""Two tokenizers side by side: LLaMA 1 and 2's SentencePiece BPE with byte fallback (the tiny model's own) and
Llama 3's byte-level BPE, read by tiktoken from Meta's `tokenizer.model` format.

    SentencePiece (LLaMA 1, 2)   pieces of characters; every digit alone (split_digits); a character without a piece
                                 becomes its UTF-8 bytes as pieces <0xE2> <0x82> <0xAC> (byte fallback); 32,000 pieces
    byte-level BPE (Llama 3)     a regular expression first cuts the text into words, numbers of 1 to 3 digits,
                                 punctuation and spaces (LLAMA3_PAT_STR); BPE then merges bytes inside each of those;
                                 all 256 bytes are pieces from the start, so nothing needs a fallback; 128,000 pieces
                                 (100K of OpenAI's tiktoken cl100k and 28K added) + 256 special tokens

No real Llama 3 tokenizer file can be downloaded in a classroom offline, so `llama3_style_tokenizer` trains a small
one the same way: `tokenizers`' BPE trainer on bytes (GPT-2's byte alphabet), Llama 3's split pattern, whole words
kept when they are pieces (ignore_merges, as Llama 3's tokenizer.json says); its pieces are then written in Meta's
format (one line "base64(bytes) rank" per piece) and read back by llama_edu's own Llama 3 loader
(tokenizer_formats.TiktokenTokenizer, with Llama 3's 256 special tokens after the ranks). It learns from the first
2 million characters of the text the tiny model's SentencePiece learned from, and gets as many pieces (4,096), so
the two differ in their method only. Training takes under a second and is done once per process.
"""

from __future__ import annotations

import base64
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .config import ModelConfig, count_parameters, parameter_breakdown
from .tokenizer import Tokenizer, load_tokenizer
from .tokenizer_formats import GPT2_BYTE_OF, LLAMA3_PAT_STR

LLAMA3_STYLE_PIECES = 4096  # ranks (pieces) of the small byte-level BPE: as many as the tiny model's SentencePiece
TRAINING_TEXTS = 8000  # the first 8,000 texts of the tiny model's training text (about 2 million characters)
CORPUS_SEED, CORPUS_VERSION = 0, 2  # the shipped model's corpus (assets/tiny/training_log.json)
VOCABULARY_SIZES = (256, 512, 1024, 2048, 4096)  # the sweep: 256 is the bytes alone


def training_texts(n: int = TRAINING_TEXTS) -> list[str]:
    """The first n texts of the tiny model's training text (train.txt starts with the same stream)."""
    from .corpus import generate_stories

    return generate_stories(n, seed=CORPUS_SEED, version=CORPUS_VERSION)


def llama3_pre_tokenizer():
    """Llama 3's pre-tokenizer as its tokenizer.json writes it: the split pattern, then bytes as GPT-2's characters."""
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PAT_STR), behavior="isolated"),
                                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])


def train_byte_level_bpe(texts: list[str], n_pieces: int = LLAMA3_STYLE_PIECES):
    """A byte-level BPE trained the way Llama 3's is built: start from the 256 bytes, cut the text with Llama 3's split
    pattern, merge the most frequent neighbouring pair inside those cuts until n_pieces pieces exist.
    A `tokenizers.Tokenizer`; its ids are ranks: the 256 bytes first, then each merge in the order it was learned."""
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, pre_tokenizers, trainers
    from tokenizers.models import BPE

    tk = HFTokenizer(BPE(ignore_merges=True))  # a whole word that is a piece is taken whole, as in Llama 3
    tk.pre_tokenizer = llama3_pre_tokenizer()
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=n_pieces, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tk.train_from_iterator(texts, trainer)
    return tk


def ranks_of(tk) -> dict[bytes, int]:
    """The trained pieces as bytes -> rank (= id), as Meta's file stores them."""
    return {bytes(GPT2_BYTE_OF[ch] for ch in piece): rank for piece, rank in tk.get_vocab().items()}


def write_tiktoken_file(ranks: dict[bytes, int], path: str | Path) -> Path:
    """Meta's Llama 3 tokenizer.model: one line "base64(bytes) rank" per piece, in rank order."""
    path = Path(path)
    lines = [f"{base64.b64encode(piece).decode('ascii')} {rank}" for piece, rank in sorted(ranks.items(),
                                                                                              key=lambda kv: kv[1])]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


_LOCK = threading.Lock()
_MADE: dict[int, Tokenizer] = {}
_FOLDER = None  # a temporary folder for this process's files, removed when it ends


def llama3_style_tokenizer(n_pieces: int = LLAMA3_STYLE_PIECES) -> Tokenizer:
    """The small Llama-3-style tokenizer, trained once per process (thread-safe: every student shares it) and read
    through llama_edu.load_tokenizer as a real Llama 3 tokenizer.model would be. Its first n_pieces ranks of one
    training run: BPE learns merges one after another, so a smaller vocabulary is the start of a larger one's."""
    global _FOLDER
    with _LOCK:
        if n_pieces not in _MADE:
            if _FOLDER is None:
                _FOLDER = tempfile.TemporaryDirectory(prefix="llama_edu_llama3_style_")
            ranks = _trained_ranks()
            if n_pieces > len(ranks) or n_pieces < 256:
                raise ValueError(f"n_pieces must be 256 to {len(ranks)}, got {n_pieces}")
            folder = Path(_FOLDER.name) / f"pieces-{n_pieces}"
            folder.mkdir(exist_ok=True)
            kept = {piece: rank for piece, rank in ranks.items() if rank < n_pieces}
            _MADE[n_pieces] = load_tokenizer(write_tiktoken_file(kept, folder / "tokenizer.model"))
        return _MADE[n_pieces]


_RANKS: dict[bytes, int] | None = None


def _trained_ranks() -> dict[bytes, int]:
    global _RANKS
    if _RANKS is None:
        _RANKS = ranks_of(train_byte_level_bpe(training_texts(), max(VOCABULARY_SIZES + (LLAMA3_STYLE_PIECES,))))
    return _RANKS


def llama3_split(text: str) -> list[str]:
    """The chunks Llama 3's split pattern cuts text into before any merge: "In 2024" -> ["In", " ", "202", "4"]."""
    from tokenizers import Regex, pre_tokenizers

    return [chunk for chunk, _ in pre_tokenizers.Split(Regex(LLAMA3_PAT_STR), behavior="isolated")
            .pre_tokenize_str(text)]


# ---- counting ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tokenized:
    """One text under one tokenizer, without BOS: its ids and readable pieces."""
    ids: list[int]
    pieces: list[str]
    byte_pieces: int  # how many pieces are bytes that are not a whole character (<0xE2>)

    @property
    def n_tokens(self) -> int:
        return len(self.ids)


def tokenize(tok: Tokenizer, text: str) -> Tokenized:
    ids = tok.encode(text, bos=False)
    return Tokenized(ids, tok.pieces(ids), sum(1 for i in ids if tok.is_byte(i)))


def characters_per_token(tok: Tokenizer, texts: list[str]) -> float:
    """Characters of the texts over their tokens (no BOS): how much text one token carries on average."""
    return sum(len(text) for text in texts) / sum(len(tok.encode(text, bos=False)) for text in texts)


def token_ratio(tok: Tokenizer, pairs: list[tuple[str, str]]) -> float:
    """Tokens of the second texts of pairs over tokens of the first (German over English): above 1 where the
    translation costs more tokens."""
    first = sum(len(tok.encode(a, bos=False)) for a, _ in pairs)
    return sum(len(tok.encode(b, bos=False)) for _, b in pairs) / first


# ---- what a large vocabulary costs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class VocabularyCost:
    """A model's two vocabulary matrices: the embedding table and the output layer, each vocab_size x dim."""
    vocab_size: int
    dim: int
    matrices: int  # 2, or 1 where the output layer reuses the embedding's weights
    parameters: int  # all of the model's

    @property
    def per_matrix(self) -> int:
        return self.vocab_size * self.dim

    @property
    def vocabulary_parameters(self) -> int:
        return self.matrices * self.per_matrix

    @property
    def share(self) -> float:
        """Of all the model's parameters."""
        return self.vocabulary_parameters / self.parameters

    def matrix_bytes(self, bytes_per_value: float = 2) -> float:
        return self.per_matrix * bytes_per_value

    @property
    def output_flops_per_token(self) -> int:
        """The output layer's multiply-adds per generated token, twice: 2 · vocab_size · dim."""
        return 2 * self.per_matrix


def vocabulary_cost(cfg: ModelConfig) -> VocabularyCost:
    parts = parameter_breakdown(cfg)
    matrices = 1 if parts["output"] == 0 else 2
    return VocabularyCost(cfg.vocab_size, cfg.dim, matrices, count_parameters(cfg))
