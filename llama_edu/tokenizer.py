"""Text <-> token ids, with the SentencePiece model LLaMA 1 and 2 use (and the tiny model this project trains).

SentencePiece marks a word boundary with "▁" (U+2581) inside the piece itself, so "The cat" becomes the
pieces ["▁The", "▁cat"]. With byte fallback, a character the vocabulary lacks (an emoji, say) becomes its
UTF-8 bytes as pieces "<0xF0>", "<0x9F>", ...: any text can be encoded, and decoding gives it back exactly.
"""

from __future__ import annotations

from pathlib import Path

import sentencepiece as spm

TOKENIZER_FILE = "tokenizer.model"


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
