"""The table of earlier answers that speculative drafts also come from: its file round-trips,
stays bounded, belongs to one vocabulary, and a damaged one is ignored, never an error."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from inference.draft_table import AnswerTable, NgramIndex, vocab_fingerprint
from inference.speculative import SEPARATOR, NgramDrafter, measure_acceptance

VOCAB = 1000


def table_with(*answers: list[int], **limits: int) -> AnswerTable:
    table = AnswerTable("1000-test", VOCAB, **limits)
    for a in answers:
        table.add(a)
    return table


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "t.drafts"
    table = table_with([1, 2, 3, 4], [5, 6, 7])
    table.save(path)
    loaded = AnswerTable.load(path, "1000-test", VOCAB)
    assert [a.tolist() for a in loaded.answers] == [[1, 2, 3, 4], [5, 6, 7]]
    index = loaded.index()
    assert index is not None and index.follow([2, 3], 5) == [4]  # not into the next answer
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it


def test_remember_keeps_the_file_current(tmp_path: Path) -> None:
    path = tmp_path / "t.drafts"
    table = AnswerTable.load(path, "1000-test", VOCAB)
    assert table.answers == [] and table.index() is None
    table.remember([7, 8, 9])
    table.remember([7, 8, 10, 11])
    again = AnswerTable.load(path, "1000-test", VOCAB)
    assert again.index().follow([7, 8], 3) == [10, 11]  # type: ignore[union-attr]  # latest


def test_bounded_to_the_most_recent_answers_and_tokens(tmp_path: Path) -> None:
    table = table_with(*[[i, i + 1, i + 2] for i in range(10)], max_answers=4)
    assert [a[0] for a in table.answers] == [6, 7, 8, 9]
    table = table_with([1] * 50, [2] * 30, [3] * 30, max_tokens=70)
    assert [a[0] for a in table.answers] == [2, 3] and table.tokens == 60
    table = table_with(list(range(100)), max_tokens=40)  # one long answer: its end is kept
    assert table.answers[0].tolist() == list(range(60, 100))
    path = tmp_path / "t.drafts"
    table_with(*[[i] * 100 for i in range(20)]).save(path)
    small = AnswerTable("1000-test", VOCAB, max_answers=3)
    for a in AnswerTable.load(path, "1000-test", VOCAB).answers:
        small.add(a)
    assert len(small.answers) == 3
    assert path.stat().st_size < 20 * 100 * 4 + 200  # four bytes a token and a short header


@pytest.mark.parametrize("damage", [
    lambda b: b"<html>not a table</html>",
    lambda b: b[:30],  # cut inside the header
    lambda b: b[:-6],  # cut inside the tokens
    lambda b: b.replace(b'"answers"', b'"answerz"'),
    lambda b: b.replace(b"[4, 3]", b"[4, 9]"),  # lengths that do not add up
    lambda b: b[:-4] + np.array([5000], "<i4").tobytes(),  # a token outside the vocabulary
    lambda b: b"",
])
def test_a_damaged_file_is_ignored_with_a_log_line(tmp_path: Path, damage: object,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.drafts"
    table_with([1, 2, 3, 4], [5, 6, 7]).save(path)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="shotclone.drafts"):
        table = AnswerTable.load(path, "1000-test", VOCAB)
    assert table.answers == []
    assert "not used" in caplog.text and str(path) in caplog.text
    table.remember([9, 9, 8])  # the next answer replaces the damaged file
    assert AnswerTable.load(path, "1000-test", VOCAB).answers[0].tolist() == [9, 9, 8]


def test_another_vocabularys_table_is_not_used(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    def texts(prefix: bytes) -> object:
        return lambda t: prefix + str(t).encode()

    gemma = vocab_fingerprint(VOCAB, texts(b"g"))  # type: ignore[arg-type]
    other = vocab_fingerprint(VOCAB, texts(b"o"))  # type: ignore[arg-type]
    assert gemma != other and gemma.startswith("1000-")
    assert vocab_fingerprint(VOCAB + 1, texts(b"g")) != gemma  # type: ignore[arg-type]
    mine = AnswerTable.for_vocabulary(tmp_path, VOCAB, texts(b"g"))  # type: ignore[arg-type]
    mine.remember([1, 2, 3])
    theirs = AnswerTable.for_vocabulary(tmp_path, VOCAB, texts(b"o"))  # type: ignore[arg-type]
    assert theirs.answers == [] and theirs.path != mine.path  # a file of its own
    assert mine.path is not None and theirs.path is not None
    theirs.path.write_bytes(mine.path.read_bytes())  # a table copied under the wrong name
    with caplog.at_level(logging.WARNING, logger="shotclone.drafts"):
        copied = AnswerTable.for_vocabulary(tmp_path, VOCAB, texts(b"o"))  # type: ignore[arg-type]
    assert copied.answers == [] and "another vocabulary" in caplog.text


def test_unwritable_folder_costs_only_a_log_line(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    table = AnswerTable.load(blocker / "t.drafts", "1000-test", VOCAB)  # a file as its folder
    with caplog.at_level(logging.WARNING, logger="shotclone.drafts"):
        table.remember([1, 2, 3])
    assert "not saved" in caplog.text and table.answers[0].tolist() == [1, 2, 3]


def test_index_finds_the_latest_continuation_and_never_crosses_answers() -> None:
    index = NgramIndex(np.array([4, 5, 6, 7, SEPARATOR, 4, 5, 8, SEPARATOR, 9], np.int64))
    assert index.follow([4, 5], 4) == [8]
    assert index.follow([5, 6], 4) == [7]
    assert index.follow([7], 4) == []  # an answer's last token has no continuation
    assert index.follow([3, 4, 5], 4) == [] and index.follow([42], 4) == []
    assert NgramIndex(np.zeros(0, np.int64)).follow([1], 3) == []


def test_the_prompt_and_answer_come_before_the_table() -> None:
    table = NgramIndex(np.array([1, 2, 3, 50, 51, SEPARATOR, 9, 1, 2, 3, 60], np.int64))
    here = NgramDrafter([1, 2, 3, 70, 71, SEPARATOR, 1, 2, 3], table=table)
    assert here.propose(2) == ([70, 71], 3)  # the same n-gram here: its own continuation
    longer = NgramDrafter([3, 80, SEPARATOR, 9, 1, 2, 3], table=table)
    assert longer.propose(2) == ([60], 4 + 4)  # a longer n-gram in the table beats "3" here
    nothing_here = NgramDrafter([5], table=table)
    nothing_here.append(50)
    assert nothing_here.propose(2) == ([51], 4 + 1)


def test_a_table_of_earlier_answers_saves_passes() -> None:
    earlier = [10, 11, 12, 13, 14, 15, 16, 17] * 3
    answer = [10, 11, 12, 13, 14, 15, 16, 17, 18]
    without = measure_acceptance([], answer, k=8)
    table = table_with(earlier).index()
    with_table = measure_acceptance([], answer, k=8, table=table)
    assert without.steps == len(answer) and with_table.steps == 2
