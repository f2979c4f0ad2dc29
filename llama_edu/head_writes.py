"""What each attention head writes into the residual stream: its slice of hook_z through its block of wo.

Attention.forward concatenates the heads' outputs and multiplies the result by the output projection wo once:

    out = wo [z_0; z_1; ...; z_{H-1}]  =  sum_h  wo[:, h*hd:(h+1)*hd] z_h        out [D],  z_h [hd],  wo [D, H*hd]

A matrix times a stacked vector is the sum of each block of its columns times that piece. So head h's contribution
is a vector of the model's width, wo's block of columns h*hd to (h+1)*hd times z_h, and the layer's attention
output (hook_out) is the sum of the H contributions. Silencing a head (interventions.ablate_heads sets its slice of
hook_z to zero) takes exactly its vector out of that sum and leaves every other head of the layer as it was; the
layers after it then read a different residual stream.

    head_writes           every head's contribution at every position, from hook_z and wo       [H, T, D]
    head_writes_at        the same at one position of a captured run                            [H, D]
    write_norms           how long each head's vector is at one position                         [H]
    attention_out_without a layer's hook_out in the run where ablate_heads silences some of its heads
    ablation_check        the vector an ablation removes, next to the head's contribution
    head_effects          for every head: the length of its vector, and how far silencing it moves the prediction
                          (last_logits_silenced: one copy of the prompt per head, silenced side by side)

Everything takes a model and the ids (or the tensors of one sequence) and returns tensors or plain numbers: the app
draws them, the tests compare them with a forward pass finished by hand and with the model's own hook_out.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .hooks import active_hooks
from .interventions import ablate_heads, compare_next_token
from .model import Transformer

# What these functions read from a run (model.run_with_cache's names_filter): each layer's hook_z and hook_out.
HOOKS = r"attention\.hook_(z|out)$"


def wo_blocks(wo: torch.Tensor, n_heads: int) -> torch.Tensor:
    """wo [D, H*hd] cut into its heads' blocks of columns: block h is wo[:, h*hd:(h+1)*hd].   -> [H, D, hd]"""
    d, width = wo.shape
    if width % n_heads:
        raise ValueError(f"wo has {width} columns, not a multiple of {n_heads} heads")
    return wo.view(d, n_heads, width // n_heads).transpose(0, 1)  # [H, D, hd]


def head_writes(z: torch.Tensor, wo: torch.Tensor) -> torch.Tensor:
    """Each head's contribution to the attention output, in float32.   z [T, H, hd] (hook_z), wo [D, H*hd] -> [H, T, D]

    Row t of head h is wo[:, h*hd:(h+1)*hd] @ z[t, h]: summed over h it is hook_out[t].
    """
    blocks = wo_blocks(wo.float(), z.shape[1])  # [H, D, hd]
    return torch.einsum("hdk,thk->htd", blocks.to(z.device), z.float())  # [H, T, D]


def layer_head_writes(model: Transformer, cache: dict[str, torch.Tensor], layer: int) -> torch.Tensor:
    """head_writes for one layer of a run captured with HOOKS (first sequence of the batch).   -> [H, T, D]"""
    z = cache[f"layers.{layer}.attention.hook_z"][0]  # [T, H, hd]
    return head_writes(z, model.layers[layer].attention.wo.weight.detach())


def head_writes_at(model: Transformer, cache: dict[str, torch.Tensor], layer: int, position: int = -1) -> torch.Tensor:
    """Each head's vector at one position only (a 7B's [H, T, D] at 512 tokens would be 268 MB per layer).   -> [H, D]"""
    z = cache[f"layers.{layer}.attention.hook_z"][0, position][None]  # [1, H, hd]
    return head_writes(z, model.layers[layer].attention.wo.weight.detach())[:, 0]


def write_norms(writes: torch.Tensor, position: int = -1) -> torch.Tensor:
    """The length (L2 norm) of each head's vector at one position.   writes [H, T, D] -> [H]"""
    return writes[:, position].norm(dim=-1)


def attention_out_without(model: Transformer, ids: list[int], layer: int,
                          heads: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(layer `layer`'s attention output hook_out [T, D], the logits [T, V]), both float32, of the very run in which
    interventions.ablate_heads silences these heads of it: hook_out is read by a hook listening around ablate_heads'
    own forward pass."""
    name = f"layers.{layer}.attention.hook_out"
    seen: dict[str, torch.Tensor] = {}

    def keep(x: torch.Tensor, hook_name: str) -> None:
        seen[hook_name] = x.detach()

    with active_hooks([(name, keep)], model.hook_names()):
        logits = ablate_heads(model, ids, [(layer, h) for h in heads])
    return seen[name][0].float(), logits[0]


@dataclass
class AblationCheck:
    """Silencing one head, seen in its layer's attention output at one position."""
    write: torch.Tensor  # [D] the head's contribution, wo's block times its z
    removed: torch.Tensor  # [D] hook_out before the ablation minus hook_out after it
    largest_difference: float  # max |removed - write|: float rounding, nothing more
    kl_bits: float  # how far the next-token prediction after the last token moved (KL, bits)

    @property
    def norm(self) -> float:
        return float(self.write.norm())


def ablation_check(model: Transformer, ids: list[int], logits: torch.Tensor, cache: dict[str, torch.Tensor],
                   layer: int, head: int, position: int = -1) -> AblationCheck:
    """What ablate_heads takes out of the layer's attention output at `position`, next to what the head wrote there.
    logits [1, T, V] and cache: the clean run of ids, captured with HOOKS."""
    write = head_writes_at(model, cache, layer, position)[head]  # [D]
    before = cache[f"layers.{layer}.attention.hook_out"][0, position].float()  # [D]
    after, ablated = attention_out_without(model, ids, layer, [head])
    removed = before - after[position]
    return AblationCheck(write=write, removed=removed, largest_difference=float((removed - write).abs().max()),
                         kl_bits=compare_next_token(logits[0, -1], ablated[-1]).kl)


@dataclass
class HeadEffects:
    """Per head [n_layers, H]: the length of its vector at the last position, and the KL divergence (bits) of the
    next-token prediction with the head silenced from the prediction without; NaN for heads not silenced."""
    norms: torch.Tensor
    kl_bits: torch.Tensor


ABLATIONS_PER_RUN = 16  # heads silenced side by side in one batched run (one copy of the prompt each)


@torch.inference_mode()
def last_logits_silenced(model: Transformer, ids: list[int], heads: list[tuple[int, int]]) -> torch.Tensor:
    """The last position's logits [N, V] (float32) with each listed (layer, head) silenced alone: row i is the run
    in which only heads[i] has its slice of hook_z set to zero (what interventions.ablate_heads does to one head).
    The prompt runs as a batch of copies, ABLATIONS_PER_RUN at a time, each copy silencing its own head."""
    rows = []
    for first in range(0, len(heads), ABLATIONS_PER_RUN):
        part = heads[first:first + ABLATIONS_PER_RUN]

        def silence(layer: int, part=part):
            copies = [i for i, (l, _) in enumerate(part) if l == layer]
            chosen = [part[i][1] for i in copies]

            def hook(z: torch.Tensor, name: str) -> torch.Tensor:  # z [N, T, H, hd]
                z = z.clone()  # the captured tensor may be shared: never change it in place
                z[copies, :, chosen] = 0  # copy i loses head chosen[i], at every position
                return z
            return hook

        hooks = [(f"layers.{layer}.attention.hook_z", silence(layer)) for layer in sorted({l for l, _ in part})]
        tokens = torch.tensor([ids] * len(part), device=model.device)  # [N, T]
        rows.append(model.run_with_hooks(tokens, fwd_hooks=hooks, last_only=True)[:, -1].float())
    return torch.cat(rows) if rows else torch.empty(0, model.cfg.vocab_size)


@torch.inference_mode()
def head_effects(model: Transformer, ids: list[int], max_ablations: int | None = None) -> HeadEffects:
    """Every head's write at the last position (one captured run) and, for the max_ablations heads that write the
    longest vectors there (all heads when None), how far silencing it alone moves the next-token prediction (one
    copy of the prompt per head: 48 for the tiny model, 1,024 for a 7B)."""
    cfg = model.cfg
    logits, cache = model.run_with_cache(torch.tensor([ids], device=model.device), names_filter=HOOKS)
    norms = torch.stack([head_writes_at(model, cache, layer).norm(dim=-1).cpu()
                         for layer in range(cfg.n_layers)])  # [L, H]: each head's length at the last position
    order = sorted(((float(norms[l, h]), l, h) for l in range(cfg.n_layers) for h in range(cfg.n_heads)),
                   reverse=True)
    tried = [(l, h) for _, l, h in order[:max_ablations]]
    kl = torch.full_like(norms, float("nan"))
    before = logits[0, -1]
    for (layer, head), after in zip(tried, last_logits_silenced(model, ids, tried)):
        kl[layer, head] = compare_next_token(before, after).kl
    return HeadEffects(norms=norms, kl_bits=kl)
