"""The toxic-span model's training targets: the SemEval gold where a post has one, else the
characters any rater marked; and trial posts recognised whatever their white space."""

from __future__ import annotations

from spectrum_rpc.training import spans as T


def test_a_post_without_gold_is_toxic_where_any_rater_marked_it():
    post = T.Post("1", "you are a stupid idiot", raters=3,
                  marked=[[(10, 16)], [], [(17, 22), (10, 16)]])
    assert post.toxic_chars().nonzero()[0].tolist() == [*range(10, 16), *range(17, 22)]


def test_the_semeval_gold_wins_over_the_raters_marks():
    post = T.Post("1", "you are a stupid idiot", raters=3, marked=[[(0, 3)]],
                  gold=[17, 18, 19, 20, 21])
    assert post.toxic_chars().nonzero()[0].tolist() == [17, 18, 19, 20, 21]


def test_a_post_nobody_marked_has_no_toxic_character():
    assert not T.Post("1", "a fine day", raters=3, marked=[[], [], []]).toxic_chars().any()


def test_texts_differing_in_case_or_white_space_are_the_same_post():
    assert T.same_text("Because  he's a\nMoron. ") == T.same_text("because he's a moron.")
    assert T.same_text("he's a moron") != T.same_text("hes a moron")
