"""The toxic-span model's training targets: the SemEval gold where a post has one, else the
characters any rater marked; and trial posts recognised whatever their white space."""

from __future__ import annotations

import numpy as np

from spectrum_rpc.engine import spans as S
from spectrum_rpc.training import spans as T


def test_a_post_without_gold_is_toxic_where_any_rater_marked_it():
    post = T.Post("1", "you are a stupid idiot", raters=3,
                  marked=[[(10, 16)], [], [(17, 22), (10, 16)]])
    # the whole array: a character two raters marked is 1, not 2
    expected = np.zeros(len(post.text))
    expected[10:16] = expected[17:22] = 1.0
    np.testing.assert_array_equal(post.toxic_chars(), expected)


def test_the_semeval_gold_wins_over_the_raters_marks():
    post = T.Post("1", "you are a stupid idiot", raters=3, marked=[[(0, 3)]],
                  gold=[17, 18, 19, 20, 21])
    assert post.toxic_chars().nonzero()[0].tolist() == [17, 18, 19, 20, 21]


def test_a_post_nobody_marked_has_no_toxic_character():
    assert not T.Post("1", "a fine day", raters=3, marked=[[], [], []]).toxic_chars().any()


def test_texts_differing_in_case_or_white_space_are_the_same_post():
    assert T.same_text("Because  he's a\nMoron. ") == T.same_text("because he's a moron.")
    assert T.same_text("he's a moron") != T.same_text("hes a moron")


def test_the_recipe_says_which_posts_teach_toxicity():
    posts = [T.Post("1", "you idiot", gold=[4, 5, 6, 7, 8]),
             T.Post("2", "you moron", raters=3, marked=[[(4, 9)], [], []])]
    blank = S.SpanModel(np.zeros((T.DIM, len(T.LABELS)), np.float32), np.zeros(len(T.LABELS)),
                        T.LABELS, np.full(len(T.LABELS), 0.5), np.zeros((0, 2)), (), {})
    table = T.tabulate(posts, blank)
    assert table.post == [0, 0, 1, 1]
    assert T.toxicity_rows(table, T.RECIPES["spans-1"]).tolist() == [True, True, False, False]
    assert T.toxicity_rows(table, T.RECIPES["spans-2"]).tolist() == [True, True, True, True]
    assert T.DEFAULT_RECIPE == "spans-2"  # the shipped spans.npz's recipe (`make models`)
