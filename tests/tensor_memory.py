"""Peak tensor memory of a call, counted op by op: what the memory estimate (llama_edu/memory.py) is checked against.

tracemalloc does not see torch's allocations and RSS is noisy for a few MB, so every tensor an op returns is counted
once per storage, and released when the last tensor viewing that storage is freed (weakref finalizers). Storages
that existed before (weights, the input) are not counted. CPU only; what torch's allocator keeps around is not seen.
"""

import weakref

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class PeakTensorMemory(TorchDispatchMode):
    """with PeakTensorMemory(existing=model.parameters()) as m: model(ids)   -> m.peak bytes"""

    def __init__(self, existing=()):
        super().__init__()
        self.existing = {t.untyped_storage().data_ptr() for t in existing}
        self.live: dict[int, list[int]] = {}  # storage address -> [bytes, tensors viewing it]
        self.current = self.peak = 0

    def _release(self, ptr: int) -> None:
        entry = self.live.get(ptr)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            self.current -= entry[0]
            del self.live[ptr]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if not isinstance(t, torch.Tensor) or t.device.type == "meta":
                continue
            storage = t.untyped_storage()
            ptr = storage.data_ptr()
            if ptr == 0 or ptr in self.existing:
                continue
            if ptr in self.live:
                self.live[ptr][1] += 1
            else:
                self.live[ptr] = [storage.nbytes(), 1]
                self.current += storage.nbytes()
                self.peak = max(self.peak, self.current)
            weakref.finalize(t, self._release, ptr)
        return out
