"""The everyday sentences the tiny model is judged on (llama_edu/eval_data/everyday_sentences.txt) are written by
hand and kept apart from the story generator: the generator never reads them and never produces them."""

import inspect

from llama_edu import corpus, corpus_everyday, corpus_plots, corpus_telling, corpus_words, corpus_world
from llama_edu.evaluate import CONFIRM_SENTENCES, EVERYDAY_SENTENCES, everyday_sentences


def test_at_least_forty_distinct_sentences_of_what_a_class_types():
    sentences = everyday_sentences()
    assert len(sentences) >= 40 and len(set(sentences)) == len(sentences)
    assert all(s[-1] in '.?!"' for s in sentences)
    assert sum(any(c.isdigit() for c in s) for s in sentences) >= 5  # numbers, which the first corpus had none of
    assert sum("?" in s for s in sentences) >= 3 and sum('"' in s for s in sentences) >= 5  # questions, dialogue


def test_the_generator_never_reads_or_writes_them():
    for module in (corpus, corpus_everyday, corpus_plots, corpus_telling, corpus_words, corpus_world):
        source = inspect.getsource(module)
        assert EVERYDAY_SENTENCES.name not in source and "eval_data" not in source, module.__name__
    sample = "\n".join(corpus.generate_stories(2_000, seed=7))
    assert not [s for s in everyday_sentences() + everyday_sentences(CONFIRM_SENTENCES) if s in sample]


def test_the_second_set_is_forty_more_distinct_sentences():
    first, second = everyday_sentences(), everyday_sentences(CONFIRM_SENTENCES)
    assert len(second) >= 40 and len(set(second)) == len(second) and not set(first) & set(second)
    assert sum(any(c.isdigit() for c in s) for s in second) >= 5 and sum("?" in s for s in second) >= 3

