"""The story corpus is byte for byte the text it was before its word lists moved into llama_edu/corpus_data/, and
the second corpus (version 2, the shipped model's since issue 13) is the bytes the model was trained on.

The SHA-256 values below were computed with the code at commit 632811232de01e504e44c5c35086a7895eab2430, when the
word lists were still written out in llama_edu/corpus.py (one 3,995-line file). Any changed word, list order,
weight or rule changes the text and fails here; when a change is meant, recompute the values and say why in the
commit.

The first tiny model's tokenizer and model were trained on write_corpus(n_chars=24_000_000, seed=0, version=1);
the shipped ones since issue 13 on version 2 (TrainConfig's defaults; see assets/tiny/training_log.json). SentencePiece's encoding is a function of the
text alone, so identical bytes mean the shipped tokenizer encodes the corpus exactly as before, and training from
the same seed would give the same tokenizer: the byte-for-byte hash of that corpus covers the tokenizer too.
"""

import hashlib

import pytest

from llama_edu import corpus, corpus_telling
from llama_edu.corpus import generate_stories, write_corpus


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# "\n".join(generate_stories(n, seed)) at commit 6328112.
STORIES = {
    (1000, 0): "52d370fdbbc4159b09eac595209bece640b031823f151912e9ec883c19172ff8",  # every production, in 0.1 s
    (400, 1): "6c569b947f6e775c9c591121257abf903656a2c44dad7758ba152d666cd3d687",  # tests' tokenizer (conftest.py)
    (4000, 123): "bb80573b4655bdb04f7d3255c6e347f7bc3ba9f55ef4556d64dd69f56584b5cd",  # test_corpus.py's sample
}

# The files write_corpus(n_chars=24_000_000, seed=0) wrote at commit 6328112: the tiny model's corpus (train.txt is
# what its tokenizer was trained on). Writing them takes about 5 s.
TRAINING_CORPUS = {
    "train.txt": "ea156001a703fac32f071c96ff01630007f20d9fd2df2ad57551bcc909399769",
    "val.txt": "14942dbb78b4f00ae53e0a254da40441b5b7cdc73a760b24875b0a83185e3913",
}
TRAINING_STATS = {"train_chars": 23_520_484, "val_chars": 480_205, "n_stories": 44_756, "n_train_stories": 43_858,
                  "n_val_stories": 898, "distinct_words": 3_333}


@pytest.mark.parametrize("n, seed", list(STORIES))
def test_stories_are_the_same_text_as_before_the_split(n, seed):
    assert sha256("\n".join(generate_stories(n, seed=seed, version=1)).encode()) == STORIES[n, seed]


def test_the_training_corpus_is_the_same_bytes_as_before_the_split(tmp_path):
    stats = write_corpus(tmp_path, n_chars=24_000_000, seed=0, version=1)
    assert stats == TRAINING_STATS
    for name, digest in TRAINING_CORPUS.items():
        assert sha256((tmp_path / name).read_bytes()) == digest, name


def test_the_first_pinned_sample_uses_every_production(monkeypatch):
    """So that a changed rule or list anywhere in the grammar shows in the quick hash, not only in the 5 s one."""
    used = set()

    def counted(fn):
        def production(*args):
            text = fn(*args)
            if text:  # a production may decline (None) when it does not fit; that is not a use
                used.add(fn.__name__)
            return text
        return production

    every = {fn.__name__ for options in corpus_telling.RULES.values() for _, fn in options}
    assert len(every) == sum(corpus.production_counts().values()) == 122
    for kind, options in list(corpus_telling.RULES.items()):
        monkeypatch.setitem(corpus_telling.RULES, kind, [(weight, counted(fn)) for weight, fn in options])
    generate_stories(1000, seed=0, version=1)
    assert every - used == set()


# ---- version 2: the stories and everyday texts (llama_edu/corpus_everyday.py), the shipped model's corpus --------
STORIES_V2 = {(1000, 0): "4e50e81016e98d4dffd1705a32a872f9113cbb1e71500a66e45099ddde918ea8"}
TRAINING_CORPUS_V2 = {
    "train.txt": "91a8b2c6711213f645f1891f432fbd7465d1bf8354875c2a659833919603fbbd",
    "val.txt": "8ce3f51c250afc4136dfd901b3d761b0a0e7ba19531c8f69a8bbc7d845bd7b7c",
}
TRAINING_STATS_V2 = {"train_chars": 23_520_012, "val_chars": 480_188, "n_stories": 94_019, "n_train_stories": 92_135,
                     "n_val_stories": 1_884, "distinct_words": 4_086}


def test_version_2_stories_are_the_pinned_text():
    assert sha256("\n".join(generate_stories(1000, seed=0, version=2)).encode()) == STORIES_V2[1000, 0]


@pytest.mark.slow
def test_the_shipped_models_corpus_is_the_pinned_bytes(tmp_path):
    """What python -m llama_edu.train --out assets/tiny writes into data/tiny-v2 (about 10 s)."""
    stats = write_corpus(tmp_path, n_chars=24_000_000, seed=0, version=2)
    assert stats == TRAINING_STATS_V2
    for name, digest in TRAINING_CORPUS_V2.items():
        assert sha256((tmp_path / name).read_bytes()) == digest, name
