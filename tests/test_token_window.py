"""The window of tokens a long prompt's figures show (llama_edu.prompts.token_window): always `size` positions inside
the sequence, the whole sequence when it is short, labels and tensors sliced alike."""

import pytest
import torch

from llama_edu.prompts import token_window
from llama_edu.viz.labels import position_labels


def test_a_sequence_no_longer_than_the_window_is_shown_whole():
    assert token_window(8, 24) == slice(0, 8)
    assert token_window(24, 24, first=5) == slice(0, 24)


def test_a_window_inside_the_sequence_starts_where_asked():
    assert token_window(83, 24, first=17) == slice(17, 41)  # tokens 17-40 of 83


def test_a_window_past_either_end_is_moved_back_inside_the_sequence():
    assert token_window(83, 24, first=80) == slice(59, 83)
    assert token_window(83, 24, first=-3) == slice(0, 24)


def test_every_window_has_size_positions():
    for first in range(-5, 100):
        window = token_window(83, 24, first)
        assert window.stop - window.start == 24 and 0 <= window.start and window.stop <= 83


def test_a_window_must_show_a_token():
    with pytest.raises(ValueError):
        token_window(10, 0)


def test_labels_of_a_window_keep_their_positions():
    pieces = [f"p{i}" for i in range(30)]
    window = token_window(len(pieces), 4, first=10)
    assert position_labels(pieces[window], first=window.start) == position_labels(pieces)[window] \
        == ["10:p10", "11:p11", "12:p12", "13:p13"]


def test_a_window_of_a_pattern_is_the_same_rows_and_columns():
    pattern = torch.arange(30 * 30).view(30, 30)
    window = token_window(30, 4, first=10)
    assert pattern[window, window].tolist() == [[row * 30 + col for col in range(10, 14)] for row in range(10, 14)]
