"""Model configuration, the published LLaMA presets, and the arithmetic of parameters and memory.

Field names are Meta's (the ones in every `params.json`): dim, n_layers, n_heads, n_kv_heads, vocab_size,
multiple_of, ffn_dim_multiplier, norm_eps, rope_theta, max_seq_len. Hugging Face's `config.json` uses other
names for the same numbers; `ModelConfig.from_hf_config` translates.

Everything here is arithmetic on the config: nothing is allocated, so a student can ask "how big is
Llama-3.1-405B?" on a laptop.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

TINY_PRESET = "tiny"


@dataclass(frozen=True)
class ModelConfig:
    dim: int = 4096  # model width d: the size of every token's vector in the residual stream
    n_layers: int = 32
    n_heads: int = 32  # query heads
    n_kv_heads: int | None = None  # key/value heads: None or n_heads = MHA, 1 = MQA, in between = GQA
    vocab_size: int = 32000
    multiple_of: int = 256  # feed-forward width is rounded up to a multiple of this
    ffn_dim_multiplier: float | None = None  # Llama 2 (70B) and 3 widen the feed-forward by this factor
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0  # RoPE base: 10,000 in LLaMA 1 and 2, 500,000 in Llama 3
    max_seq_len: int = 2048  # context length the model was trained for
    # Llama 3.1's long-context RoPE frequency rescaling ({"rope_type": "llama3", "factor": 8, ...}) or None.
    rope_scaling: dict | None = None
    # An explicit feed-forward width (Hugging Face configs store it as intermediate_size). None: Meta's rule.
    ffn_hidden_dim: int | None = None
    # Llama 3.2 1B/3B reuse the embedding matrix as the output layer; LLaMA 1, 2 and 3 do not.
    tie_word_embeddings: bool = False
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        if self.n_kv_heads is None:
            object.__setattr__(self, "n_kv_heads", self.n_heads)
        problems = []
        for attr in ("dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "multiple_of", "max_seq_len"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{attr} must be a positive integer, got {value!r}")
        if not problems:
            if self.dim % self.n_heads:
                problems.append(f"dim ({self.dim}) must be divisible by n_heads ({self.n_heads})")
            elif self.head_dim % 2:
                problems.append(f"head_dim ({self.head_dim}) must be even: RoPE rotates pairs of dimensions")
            if self.n_heads % self.n_kv_heads:
                problems.append(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.n_kv_heads})")
        for attr in ("norm_eps", "rope_theta", "ffn_dim_multiplier"):
            value = getattr(self, attr)
            if value is None and attr == "ffn_dim_multiplier":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                problems.append(f"{attr} must be > 0, got {value!r}")
        if self.ffn_hidden_dim is not None and (isinstance(self.ffn_hidden_dim, bool)
                                                or not isinstance(self.ffn_hidden_dim, int) or self.ffn_hidden_dim < 1):
            problems.append(f"ffn_hidden_dim must be a positive integer or None, got {self.ffn_hidden_dim!r}")
        if problems:
            raise ValueError("invalid ModelConfig: " + "; ".join(problems))

    # ---- derived sizes -------------------------------------------------------------------------------------
    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    @property
    def n_rep(self) -> int:
        """How many query heads share one key/value head (1 for MHA, n_heads for MQA)."""
        return self.n_heads // self.n_kv_heads

    @property
    def attention_kind(self) -> str:
        if self.n_kv_heads == self.n_heads:
            return "MHA"
        return "MQA" if self.n_kv_heads == 1 else "GQA"

    @property
    def hidden_dim(self) -> int:
        """Feed-forward width. Meta's rule: SwiGLU has three matrices instead of two, so the classic 4d is
        shrunk to 2/3 * 4d to keep the parameter count, optionally widened, then rounded up to multiple_of."""
        if self.ffn_hidden_dim is not None:
            return self.ffn_hidden_dim
        return ffn_hidden_dim(self.dim, self.multiple_of, self.ffn_dim_multiplier)

    def replace(self, **changes) -> ModelConfig:
        return dataclasses.replace(self, **changes)

    # ---- presets and file formats --------------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str) -> ModelConfig:
        key = name.lower()
        if key not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
        return PRESETS[key]

    @classmethod
    def from_meta_params(cls, params: dict, vocab_size: int | None = None, name: str = "custom") -> ModelConfig:
        """Read Meta's params.json. Its vocab_size is -1 in LLaMA 1/2 releases: pass the tokenizer's size.
        Every field is checked for its type and range first: a ValueError names the field and what it holds."""
        f = _Settings(params, "params.json")
        vocab = f.integer("vocab_size", -1, minimum=-1)
        if vocab < 1:
            if vocab_size is None:
                raise ValueError("params.json has vocab_size -1: the vocabulary size must come from the tokenizer")
            vocab = vocab_size
        return cls(
            dim=f.integer("dim"),
            n_layers=f.integer("n_layers"),
            n_heads=f.integer("n_heads"),
            n_kv_heads=f.integer("n_kv_heads", None),
            vocab_size=vocab,
            multiple_of=f.integer("multiple_of", 256),
            ffn_dim_multiplier=f.number("ffn_dim_multiplier", None),
            norm_eps=f.number("norm_eps", 1e-5, below=1),
            rope_theta=f.number("rope_theta", 10000.0),
            max_seq_len=f.integer("max_seq_len", 2048, maximum=LONGEST_CONTEXT),
            rope_scaling=dict(_LLAMA3_SCALING) if f.boolean("use_scaled_rope", False) else None,
            name=name,
        )

    def to_meta_params(self) -> dict:
        params = {"dim": self.dim, "n_layers": self.n_layers, "n_heads": self.n_heads, "n_kv_heads": self.n_kv_heads,
                  "vocab_size": self.vocab_size, "multiple_of": self.multiple_of,
                  "ffn_dim_multiplier": self.ffn_dim_multiplier, "norm_eps": self.norm_eps,
                  "rope_theta": self.rope_theta, "max_seq_len": self.max_seq_len}
        if self.rope_scaling is not None:
            params["use_scaled_rope"] = True
        if self.ffn_hidden_dim is not None and self.ffn_hidden_dim != ffn_hidden_dim(
                self.dim, self.multiple_of, self.ffn_dim_multiplier):
            raise ValueError("params.json cannot express a feed-forward width that Meta's rule does not produce")
        return params

    @classmethod
    def from_hf_config(cls, hf: dict, name: str = "custom") -> ModelConfig:
        """Read a Hugging Face LlamaForCausalLM config.json (transformers 4 or 5 layout). Every field is checked for
        its type and range first: a ValueError names the field and what it holds."""
        f = _Settings(hf, "config.json")
        model_type = hf.get("model_type", "llama")
        architectures = hf.get("architectures")
        if "model_type" not in hf and isinstance(architectures, list) and architectures:
            model_type = architectures[0]  # an old config without model_type: its class name says what it is
            if model_type in ("LlamaForCausalLM", "LlamaModel"):
                model_type = "llama"
        if model_type != "llama":
            raise ValueError(f"config.json describes a {_shown(model_type)} model (model_type), not a Llama; "
                             "llama_edu runs the Llama architecture only (model_type 'llama')")
        dim, n_heads = f.integer("hidden_size"), f.integer("num_attention_heads")
        head_dim = f.integer("head_dim", None)
        if head_dim not in (None, dim // n_heads):
            raise ValueError(f"config.json: head_dim {head_dim} != hidden_size / num_attention_heads: "
                             "not a LLaMA layout")
        if f.boolean("attention_bias", False) or f.boolean("mlp_bias", False):
            raise ValueError("config.json asks for biases in attention or MLP; LLaMA has none")
        act = hf.get("hidden_act", "silu")
        if act != "silu":
            raise ValueError(f"config.json: hidden_act is {_shown(act)}; LLaMA's SwiGLU uses silu")
        # transformers 5 nests RoPE settings in rope_parameters; transformers 4 had rope_theta + rope_scaling.
        rope = dict(f.mapping("rope_parameters") or {})
        theta = rope.pop("rope_theta", hf.get("rope_theta", 10000.0))
        theta = _Settings({"rope_theta": theta}, "config.json").number("rope_theta")
        if rope.get("rope_type", "default") != "default":
            scaling, field_name = rope, "rope_parameters"
        else:
            scaling, field_name = f.mapping("rope_scaling"), "rope_scaling"
        return cls(
            dim=dim,
            n_layers=f.integer("num_hidden_layers"),
            n_heads=n_heads,
            n_kv_heads=f.integer("num_key_value_heads", None),
            vocab_size=f.integer("vocab_size"),
            norm_eps=f.number("rms_norm_eps", 1e-6, below=1),
            rope_theta=theta,
            max_seq_len=f.integer("max_position_embeddings", 2048, maximum=LONGEST_CONTEXT),
            rope_scaling=_rope_scaling(scaling, field_name),
            ffn_hidden_dim=f.integer("intermediate_size"),
            tie_word_embeddings=f.boolean("tie_word_embeddings", False),
            name=name,
        )

    def to_hf_config(self, dtype: str = "float32", bos_id: int = 1, eos_id: int = 2) -> dict:
        rope_parameters = {"rope_type": "default", "rope_theta": self.rope_theta}
        if self.rope_scaling is not None:
            rope_parameters = {**self.rope_scaling, "rope_theta": self.rope_theta}
        return {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_size": self.dim,
            "intermediate_size": self.hidden_dim,
            "num_hidden_layers": self.n_layers,
            "num_attention_heads": self.n_heads,
            "num_key_value_heads": self.n_kv_heads,
            "head_dim": self.head_dim,
            "vocab_size": self.vocab_size,
            "max_position_embeddings": self.max_seq_len,
            "rms_norm_eps": self.norm_eps,
            "rope_theta": self.rope_theta,  # read by transformers 4
            "rope_parameters": rope_parameters,  # read by transformers 5
            "hidden_act": "silu",
            "attention_bias": False,
            "mlp_bias": False,
            "tie_word_embeddings": self.tie_word_embeddings,
            "bos_token_id": bos_id,
            "eos_token_id": eos_id,
            "torch_dtype": dtype,
            "dtype": dtype,
        }

    @classmethod
    def from_file(cls, path: str | Path, vocab_size: int | None = None) -> ModelConfig:
        """config.json (Hugging Face) or params.json (Meta), chosen by the file's name."""
        path = Path(path)
        data = read_json(path)
        try:
            if path.name == "params.json":
                return cls.from_meta_params(data, vocab_size=vocab_size, name=path.parent.name)
            return cls.from_hf_config(data, name=path.parent.name)
        except ValueError as err:
            message = str(err)
            raise ValueError(message.replace(path.name, str(path), 1) if message.startswith(path.name)
                             else f"{path}: {message}") from None


# ---- reading config files: every value checked before it is used ---------------------------------------------
# A config file is data a teacher downloads. Without these checks a list where a number belongs, `true` as a layer
# count or a 200,000-deep JSON nesting ended in a TypeError, AttributeError or RecursionError far from the file;
# now each ends in a ValueError that names the file, the field and what it holds.
CONFIG_FILE_LIMIT = 16 * 2 ** 20  # bytes: a real config.json is a few kB, a 405B model's shard index ~100 kB
_LARGEST = 2 ** 31 - 1  # no size in a LLaMA config comes near this; larger ones are typing errors or attacks
# The longest context of a Llama-architecture checkpoint we know of (Gradient's 4194k Llama 3). The model computes
# its RoPE tables for the whole context at load (max_seq_len x head_dim float32 values, 2 GiB at this length), and a
# config claiming 2**31 tokens would ask for terabytes while its weights look small to the memory guard.
LONGEST_CONTEXT = 2 ** 22


def read_json(path: Path, limit: int = CONFIG_FILE_LIMIT):
    """The JSON value in a file, or a ValueError that names the file and says what is wrong with it."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ValueError(f"{path} is {size:,} bytes, too large for a settings file (at most {limit:,})")
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None
    except RecursionError:
        raise ValueError(f"{path} nests its JSON too deeply to be a settings file") from None
    except OSError as err:
        raise ValueError(f"{path} cannot be read ({err.strerror or type(err).__name__})") from None


def _shown(value) -> str:
    """A value from a file, quoted and cut short for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value) -> str:
    return {bool: "true/false", str: "text", list: "a list", dict: "an object", type(None): "null"}.get(
        type(value), type(value).__name__)


class _Settings:
    """The fields of one config file, each read with its type and range checked."""
    _MISSING = object()

    def __init__(self, data, file: str):
        if not isinstance(data, dict):
            raise ValueError(f"{file} holds {_kind(data)}, not a JSON object of settings")  # noqa: TRY004 (bad data)
        self.data, self.file = data, file

    def _get(self, key, default):
        value = self.data.get(key, self._MISSING)
        if value is self._MISSING:
            if default is self._MISSING:
                raise ValueError(f"{self.file} lacks the field {key!r}")
            return default, False
        return value, True

    def _refuse(self, key, value, wanted) -> ValueError:
        return ValueError(f"{self.file}: {key} must be {wanted}, but it is {_shown(value)} ({_kind(value)})")

    def integer(self, key: str, default=_MISSING, minimum: int = 1, maximum: int = _LARGEST):
        value, given = self._get(key, default)
        if not given or (value is None and default is None):
            return value
        if isinstance(value, float) and value.is_integer():  # 4096.0: some exporters write whole numbers so
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            wanted = "a positive whole number" if minimum == 1 else f"a whole number from {minimum}"
            wanted += f" up to {maximum:,}" if maximum < _LARGEST else ""
            raise self._refuse(key, value, wanted)
        return value

    def number(self, key: str, default=_MISSING, below: float = float(_LARGEST)):
        value, given = self._get(key, default)
        if not given or (value is None and default is None):
            return value
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < below
                or not math.isfinite(value)):
            raise self._refuse(key, value, "a positive number" + (f" below {below:g}" if below < _LARGEST else ""))
        return float(value)

    def boolean(self, key: str, default=_MISSING) -> bool:
        value, given = self._get(key, default)
        if given and not isinstance(value, bool):
            raise self._refuse(key, value, "true or false")
        return value

    def mapping(self, key: str) -> dict | None:
        value, _ = self._get(key, None)
        if value is not None and not isinstance(value, dict):
            raise self._refuse(key, value, "an object of settings or null")
        return value


_LLAMA3_SCALING_FIELDS = ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")


def _rope_scaling(scaling: dict | None, field_name: str) -> dict | None:
    """Llama 3.1's RoPE rescaling with its four numbers checked, or None for plain RoPE."""
    if scaling is None:
        return None
    where = f"config.json: {field_name}"
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind in (None, "default"):
        return None
    if kind != "llama3":
        raise ValueError(f"{where}: RoPE scaling {_shown(kind)} is not supported (only Llama 3.1's 'llama3')")
    missing = [key for key in _LLAMA3_SCALING_FIELDS if key not in scaling]
    if missing:
        raise ValueError(f"{where} is 'llama3' but lacks {', '.join(missing)}")
    f = _Settings(scaling, where)
    result = {"rope_type": "llama3", "factor": f.number("factor"), "low_freq_factor": f.number("low_freq_factor"),
              "high_freq_factor": f.number("high_freq_factor"),
              "original_max_position_embeddings": f.integer("original_max_position_embeddings")}
    if not result["high_freq_factor"] > result["low_freq_factor"]:
        raise ValueError(f"{where}: high_freq_factor ({result['high_freq_factor']:g}) must be larger than "
                         f"low_freq_factor ({result['low_freq_factor']:g})")
    return result


def ffn_hidden_dim(dim: int, multiple_of: int, ffn_dim_multiplier: float | None = None) -> int:
    """Meta's feed-forward sizing (llama/model.py): 4d -> 2/3 * 4d -> * multiplier -> round up to multiple_of."""
    hidden = int(2 * (4 * dim) / 3)
    if ffn_dim_multiplier is not None:
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


# ---- presets: the numbers in Meta's params.json for each release ---------------------------------------------
_LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192}


def _preset(name, **kw) -> ModelConfig:
    return ModelConfig(name=name, **kw)


PRESETS: dict[str, ModelConfig] = {
    p.name: p
    for p in [
        # LLaMA 1 (Feb 2023): MHA, 2k context, 32k SentencePiece vocabulary, RoPE base 10,000.
        _preset("llama-7b", dim=4096, n_layers=32, n_heads=32, norm_eps=1e-6, max_seq_len=2048),
        _preset("llama-13b", dim=5120, n_layers=40, n_heads=40, norm_eps=1e-6, max_seq_len=2048),
        _preset("llama-33b", dim=6656, n_layers=60, n_heads=52, norm_eps=1e-6, max_seq_len=2048),
        _preset("llama-65b", dim=8192, n_layers=80, n_heads=64, norm_eps=1e-6, max_seq_len=2048),
        # Llama 2 (Jul 2023): 4k context; only the 70B uses grouped-query attention (8 KV heads).
        _preset("llama-2-7b", dim=4096, n_layers=32, n_heads=32, max_seq_len=4096),
        _preset("llama-2-13b", dim=5120, n_layers=40, n_heads=40, max_seq_len=4096),
        _preset("llama-2-70b", dim=8192, n_layers=80, n_heads=64, n_kv_heads=8, multiple_of=4096,
                ffn_dim_multiplier=1.3, max_seq_len=4096),
        # Llama 3 (Apr 2024): GQA at every size, 128k tiktoken vocabulary, 8k context, RoPE base 500,000.
        _preset("llama-3-8b", dim=4096, n_layers=32, n_heads=32, n_kv_heads=8, vocab_size=128256,
                multiple_of=1024, ffn_dim_multiplier=1.3, rope_theta=500000.0, max_seq_len=8192),
        _preset("llama-3-70b", dim=8192, n_layers=80, n_heads=64, n_kv_heads=8, vocab_size=128256,
                multiple_of=4096, ffn_dim_multiplier=1.3, rope_theta=500000.0, max_seq_len=8192),
        # Llama 3.1 (Jul 2024): 128k context through rescaled RoPE frequencies.
        _preset("llama-3.1-8b", dim=4096, n_layers=32, n_heads=32, n_kv_heads=8, vocab_size=128256,
                multiple_of=1024, ffn_dim_multiplier=1.3, rope_theta=500000.0, max_seq_len=131072,
                rope_scaling=_LLAMA3_SCALING),
        _preset("llama-3.1-405b", dim=16384, n_layers=126, n_heads=128, n_kv_heads=8, vocab_size=128256,
                multiple_of=4096, ffn_dim_multiplier=1.2, rope_theta=500000.0, max_seq_len=131072,
                rope_scaling=_LLAMA3_SCALING),
        # The model this project trains and ships (assets/tiny): GQA with 4 query heads per KV head.
        _preset(TINY_PRESET, dim=256, n_layers=6, n_heads=8, n_kv_heads=2, vocab_size=4096, multiple_of=32,
                max_seq_len=256),
    ]
}

# Tokens each release was pre-trained on (from the papers), for the lessons' comparisons.
TRAINING_TOKENS = {"llama-7b": 1.0e12, "llama-13b": 1.0e12, "llama-33b": 1.4e12, "llama-65b": 1.4e12,
                   "llama-2-7b": 2.0e12, "llama-2-13b": 2.0e12, "llama-2-70b": 2.0e12,
                   "llama-3-8b": 15e12, "llama-3-70b": 15e12, "llama-3.1-8b": 15e12, "llama-3.1-405b": 15.6e12}


# ---- parameters and memory -------------------------------------------------------------------------------------
def parameter_breakdown(cfg: ModelConfig) -> dict[str, int]:
    """Parameter count per component (whole model), in forward order. Nothing is allocated."""
    d, kv = cfg.dim, cfg.n_kv_heads * cfg.head_dim
    per_layer_attention = d * d + 2 * d * kv + d * d  # wq, wk, wv, wo (no biases in LLaMA)
    per_layer_ffn = 3 * d * cfg.hidden_dim  # w1 (gate), w3 (up), w2 (down)
    per_layer_norms = 2 * d  # attention_norm and ffn_norm gains
    return {
        "tok_embeddings": cfg.vocab_size * d,
        "attention": cfg.n_layers * per_layer_attention,
        "feed_forward": cfg.n_layers * per_layer_ffn,
        "norms": cfg.n_layers * per_layer_norms + d,  # + the final norm
        "output": 0 if cfg.tie_word_embeddings else cfg.vocab_size * d,
    }


def count_parameters(cfg: ModelConfig) -> int:
    return sum(parameter_breakdown(cfg).values())


DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "int4": 0.5}


def weights_bytes(cfg: ModelConfig, bytes_per_value: float = 2) -> int:
    return int(count_parameters(cfg) * bytes_per_value)


def kv_cache_bytes(cfg: ModelConfig, seq_len: int, batch_size: int = 1, bytes_per_value: float = 2) -> int:
    """Memory of the KV cache: 2 (K and V) * layers * KV heads * head_dim * tokens * batch * bytes.

    The width per layer is n_kv_heads * head_dim, not n_heads * dim: with MHA that product is just dim, and
    with GQA it is smaller by n_heads / n_kv_heads. Multiplying heads by the full width overcounts by n_heads.
    """
    return int(2 * cfg.n_layers * cfg.n_kv_heads * cfg.head_dim * seq_len * batch_size * bytes_per_value)
