"""The byte-level BPE tokenizers of Llama 3 and its relatives, read by the libraries made for them.

Two files hold the same kind of tokenizer:
  - Hugging Face `tokenizer.json` (Llama 3 on the Hub, SmolLM, TinyLlama ...), read by `tokenizers`. Its BOS/EOS come
    from the folder's tokenizer_config.json (`bos_token`, `eos_token`, `add_bos_token`, `added_tokens_decoder`) and
    generation_config.json (`eos_token_id`, one id or a list: a chat model stops at the end of its turn too).
  - Meta's Llama 3 `tokenizer.model`: lines of "base64(bytes) rank", read by `tiktoken` and set up as Meta's
    reference code (llama-models, `Tokenizer`) does: Llama 3's split pattern, then 256 special tokens numbered after
    the ranks (<|begin_of_text|> = 128000, <|end_of_text|>, ..., <|eot_id|> = 128009 in the real file).

Byte-level BPE works on bytes, not characters: a piece is a run of bytes, and an emoji (4 bytes in UTF-8) may be cut
into pieces that are not characters on their own. Hugging Face's file stores each byte as a printable stand-in
character (GPT-2's table: a space is "Ġ", a newline "Ċ"), so its pieces read "Ġcat". Here every piece is shown as the
bytes it stands for, written the way the rest of llama_edu writes SentencePiece's (see `readable_piece`): a space is
"▁", a byte that is not a whole character on its own is "<0xF0>". "Ġcat" reads "▁cat", like SentencePiece's piece.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path

import tiktoken
import tokenizers

from .tokenizer import WORD_START, Tokenizer, byte_value

# Meta's Llama 3 split pattern (llama3 / llama-models tokenizer.py): contractions, words, numbers of 1 to 3 digits,
# punctuation runs, newlines, spaces. BPE merges only inside the pieces this regex cuts.
LLAMA3_PAT_STR = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                  r"\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_NUM_RESERVED_SPECIAL_TOKENS = 256
# Named as Meta's llama-models names them (Llama 3.1 on). Llama 3.0 called 128004, 128005, 128008 and 128010 reserved
# tokens; the ids of the ones a chat uses (<|begin_of_text|>, <|start_header_id|>, <|eot_id|> ...) never changed.
LLAMA3_SPECIAL_TOKENS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|step_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",  # end of message (a tool call)
    "<|eot_id|>",  # end of turn
    "<|python_tag|>",
]
LLAMA3_SPECIAL_TOKENS += [f"<|reserved_special_token_{2 + i}|>"
                          for i in range(LLAMA3_NUM_RESERVED_SPECIAL_TOKENS - len(LLAMA3_SPECIAL_TOKENS))]
# Meta's generation stops at any of these (llama-models: stop_tokens).
LLAMA3_STOP_TOKENS = ("<|end_of_text|>", "<|eom_id|>", "<|eot_id|>")

_TIKTOKEN_LINE = re.compile(rb"[A-Za-z0-9+/]+={0,2} \d+")


# ---- showing byte pieces -----------------------------------------------------------------------------------------
def readable_piece(raw: bytes) -> tuple[str, bool]:
    """The bytes of a piece as llama_edu shows pieces, and whether any byte is not a whole character on its own.

    b" cat" -> ("▁cat", False); b"\\xf0\\x9f" (half an emoji) -> ("<0xF0><0x9F>", True); b"\\n" -> ("<0x0A>", False):
    a control character is written as its byte too, as SentencePiece's byte fallback writes it.
    """
    out, partial = [], False
    for ch in raw.decode("utf-8", errors="surrogateescape"):  # an undecodable byte b becomes U+DC00 + b
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"<0x{code - 0xDC00:02X}>")
            partial = True
        elif ch == " ":
            out.append(WORD_START)
        elif code < 0x20 or code == 0x7F:
            out.append(f"<0x{code:02X}>")
        else:
            out.append(ch)
    return "".join(out), partial


def _gpt2_byte_table() -> dict[str, int]:
    """GPT-2's stand-in characters -> the bytes they stand for ("Ġ" -> 32): printable bytes stand for themselves,
    the others are moved to code points from 256 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    stand_ins, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            stand_ins[chr(byte)] = byte
        else:
            stand_ins[chr(256 + extra)] = byte
            extra += 1
    return stand_ins


GPT2_BYTE_OF = _gpt2_byte_table()


# ---- Hugging Face tokenizer.json ---------------------------------------------------------------------------------
def _read_json(path: Path) -> dict:
    """A small JSON config next to the tokenizer, or {} when it is absent; a ValueError naming it when it is broken."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise ValueError(f"{path.name} is not valid JSON") from None
    if isinstance(data, dict):
        return data
    raise ValueError(f"{path.name} should hold a JSON object, found {type(data).__name__}")


def _uses_byte_level(node) -> bool:
    """Whether a tokenizer.json component (or any part of a Sequence of them) is ByteLevel."""
    if isinstance(node, dict):
        return node.get("type") == "ByteLevel" or any(_uses_byte_level(v) for v in node.values())
    if isinstance(node, list):
        return any(_uses_byte_level(v) for v in node)
    return False


def _token_name(entry) -> str | None:
    """tokenizer_config.json names a token as a string or as {"content": ...}."""
    if isinstance(entry, dict):
        entry = entry.get("content")
    return entry if isinstance(entry, str) else None


def _ids(value) -> list[int]:
    """generation_config.json's eos_token_id: an int, a list of ints, or absent."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v >= 0]


class HFTokenizer(Tokenizer):
    """A Hugging Face `tokenizer.json`, read by `tokenizers`, with the BOS/EOS of the folder's configuration."""

    format = "tokenizer.json"

    def __init__(self, file: str | Path):
        self.path = Path(file)
        try:
            text = self.path.read_text(encoding="utf-8")
            spec = json.loads(text)
            self.tk = tokenizers.Tokenizer.from_str(text)
        except Exception as error:  # noqa: BLE001 tokenizers' Rust parser raises a bare Exception
            raise ValueError(f"{self.path.name} is not a Hugging Face tokenizer file "
                             f"({type(error).__name__})") from None
        folder = self.path.parent
        config = _read_json(folder / "tokenizer_config.json")
        generation = _read_json(folder / "generation_config.json")

        self.vocab_size = self.tk.get_vocab_size(with_added_tokens=True)
        added = self.tk.get_added_tokens_decoder()  # {id: AddedToken}
        self._added = {int(i): token.content for i, token in added.items()}
        self._special = {int(i) for i, token in added.items() if token.special}
        for key, entry in (config.get("added_tokens_decoder") or {}).items():
            if isinstance(entry, dict) and entry.get("special") and str(key).isdigit():
                self._special.add(int(key))

        self.bos_id = self._id_of(config.get("bos_token"))
        if self.bos_id is None and _ids(generation.get("bos_token_id")):
            self.bos_id = _ids(generation.get("bos_token_id"))[0]
        eos_ids = [i for i in [self._id_of(config.get("eos_token")), *_ids(generation.get("eos_token_id"))]
                   if i is not None and i < self.vocab_size]
        self.eos_ids = tuple(dict.fromkeys(eos_ids))
        self.eos_id = self.eos_ids[0] if self.eos_ids else None
        model = spec.get("model") if isinstance(spec.get("model"), dict) else {}
        self.unk_id = self._id_of(config.get("unk_token")) or self._id_of(model.get("unk_token"))

        # BOS as the checkpoint says: tokenizer_config's add_bos_token when it has one (LlamaTokenizer), else whether
        # the file's own post-processor puts BOS first (Llama 3's TemplateProcessing does; SmolLM's adds nothing).
        if isinstance(config.get("add_bos_token"), bool):
            self.add_bos = config["add_bos_token"] and self.bos_id is not None
        else:
            with_special = self.tk.encode("a", add_special_tokens=True).ids
            self.add_bos = (self.bos_id is not None and with_special[:1] == [self.bos_id]
                            and self.tk.encode("a", add_special_tokens=False).ids[:1] != [self.bos_id])

        self.byte_level = _uses_byte_level(spec.get("pre_tokenizer")) or _uses_byte_level(spec.get("decoder"))
        table = [self._readable(i) for i in range(self.vocab_size)]
        self._pieces = [piece for piece, _ in table]
        self._bytes = {i for i, (_, partial) in enumerate(table) if partial}

    def _id_of(self, entry) -> int | None:
        name = _token_name(entry)
        return self.tk.token_to_id(name) if name is not None else None

    def _readable(self, token_id: int) -> tuple[str, bool]:
        if token_id in self._added:  # added tokens are stored as plain text: "<|eot_id|>"
            return self._added[token_id], False
        token = self.tk.id_to_token(token_id)
        if token is None:  # a hole in the vocabulary
            return f"<id {token_id}>", False
        if self.byte_level and all(ch in GPT2_BYTE_OF for ch in token):
            return readable_piece(bytes(GPT2_BYTE_OF[ch] for ch in token))
        return token, byte_value(token) is not None  # SentencePiece-style pieces (TinyLlama): "▁cat", "<0xF0>"

    def _encode(self, text: str) -> list[int]:
        # Special tokens typed in the text ("<|eot_id|>") become their ids, as in transformers; BOS is added by encode.
        return self.tk.encode(text, add_special_tokens=False).ids

    def _decode(self, ids: list[int]) -> str:
        return self.tk.decode([int(i) for i in ids], skip_special_tokens=False)

    def _pieces_of(self, ids: list[int]) -> list[str]:
        return [self._pieces[i] for i in ids]

    def _is_byte(self, token_id: int) -> bool:
        return int(token_id) in self._bytes

    def _is_special(self, token_id: int) -> bool:
        return int(token_id) in self._special


# ---- Meta's Llama 3 tokenizer.model (tiktoken) ---------------------------------------------------------------------
def is_tiktoken_file(path: Path) -> bool:
    """Whether a tokenizer.model holds tiktoken ranks ("base64 rank" lines) rather than a SentencePiece protobuf
    (which starts with the byte 0x0A, its first field: the pieces)."""
    with open(path, "rb") as f:
        first_line = f.readline(4096).rstrip(b"\r\n")
    return bool(_TIKTOKEN_LINE.fullmatch(first_line))


def read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """bytes -> rank from a tiktoken file, as tiktoken.load.load_tiktoken_bpe reads it (without its download cache);
    a ValueError naming the line when one is not "base64 rank" or the ranks are not 0..n-1."""
    ranks: dict[bytes, int] = {}
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                token, rank = base64.b64decode(parts[0], validate=True), int(parts[1])
                if len(parts) != 2:
                    raise ValueError
            except (ValueError, IndexError, binascii.Error):
                raise ValueError(f"{path.name}, line {number}: expected 'base64-bytes rank'") from None
            ranks[token] = rank
    if sorted(ranks.values()) != list(range(len(ranks))):
        raise ValueError(f"{path.name}: the ranks should be 0..{len(ranks) - 1}, each once")
    return ranks


class TiktokenTokenizer(Tokenizer):
    """Meta's Llama 3 `tokenizer.model`, read by tiktoken and set up as Meta's reference code does."""

    format = "tiktoken"

    def __init__(self, file: str | Path):
        self.path = Path(file)
        ranks = read_tiktoken_ranks(self.path)
        n_base = len(ranks)
        self.special_tokens = {token: n_base + i for i, token in enumerate(LLAMA3_SPECIAL_TOKENS)}
        self.enc = tiktoken.Encoding(name=self.path.name, pat_str=LLAMA3_PAT_STR, mergeable_ranks=ranks,
                                     special_tokens=self.special_tokens)
        self.vocab_size = n_base + len(self.special_tokens)
        self.bos_id = self.special_tokens["<|begin_of_text|>"]
        # Meta's folder has no generation_config.json; a converted folder may: its eos ids join Meta's stop tokens.
        generation = _read_json(self.path.parent / "generation_config.json")
        stops = [self.special_tokens[name] for name in LLAMA3_STOP_TOKENS] + _ids(generation.get("eos_token_id"))
        self.eos_ids = tuple(i for i in dict.fromkeys(stops) if i < self.vocab_size)
        self.eos_id = self.eos_ids[0]
        self.unk_id = None  # byte-level BPE can spell anything
        self._n_base = n_base
        by_rank = {rank: token for token, rank in ranks.items()}
        table = [readable_piece(by_rank[i]) for i in range(n_base)]
        self._pieces = [piece for piece, _ in table] + LLAMA3_SPECIAL_TOKENS
        self._bytes = {i for i, (_, partial) in enumerate(table) if partial}

    def _encode(self, text: str) -> list[int]:
        # Meta's encode takes allowed_special; "all" makes typed special tokens their ids, as tokenizer.json does.
        return self.enc.encode(text, allowed_special="all")

    def _decode(self, ids: list[int]) -> str:
        return self.enc.decode([int(i) for i in ids])

    def _pieces_of(self, ids: list[int]) -> list[str]:
        return [self._pieces[i] for i in ids]

    def _is_byte(self, token_id: int) -> bool:
        return int(token_id) in self._bytes

    def _is_special(self, token_id: int) -> bool:
        return int(token_id) >= self._n_base
