"""The shipped reader: checksummed, small, read with onnxruntime, offsets into the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from shanxi_qa.answer.decide import DECISION_FEATURES, decide, decision_weights, span_share
from shanxi_qa.answer.read import (
    READER_FILE,
    Passage,
    ReaderError,
    answer_bounds,
    reader_meta,
    shared_reader,
    verify_model,
)

DOCUMENT = (
    "Harbor City opens new tram line\n\n"
    "Harbor City opened its first tram line on March 3, the transport bureau said. "
    "The line is 14 kilometers long and has 22 stops. Mayor Alan Smith cut the ribbon."
)


def test_the_shipped_reader_matches_its_checksum_and_is_small() -> None:
    verify_model()
    meta = reader_meta()
    assert READER_FILE.stat().st_size == meta["bytes"] <= 30 * 2**20
    assert "CC BY-SA 4.0" in meta["attribution"]


def test_a_damaged_reader_is_reported_in_one_line(tmp_path: Path) -> None:
    from shanxi_qa.answer.read import Reader

    broken = tmp_path / "reader.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(ReaderError, match="missing or damaged"):
        Reader(broken)
    with pytest.raises(ReaderError, match="checksum"):
        verify_model(broken)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Who cut the ribbon?", "Alan Smith"),
        ("When did Harbor City open its first tram line?", "March 3"),
        ("How many stops does the line have?", "22"),
    ],
)
def test_the_reader_finds_the_span_at_document_offsets(question: str, answer: str) -> None:
    start = DOCUMENT.index("Harbor City opened")
    passage = Passage("corpus/tram.txt", start, DOCUMENT[start:])
    reading = shared_reader().read(question, [passage])
    best = reading.spans[0]
    assert answer in DOCUMENT[best.start : best.end]
    assert len(DOCUMENT[best.start : best.end]) <= len(answer) + 12
    # Spans are whole words of the document, best first.
    assert [s.score for s in reading.spans] == sorted(
        (s.score for s in reading.spans), reverse=True
    )
    for span in reading.spans:
        assert not DOCUMENT[span.start - 1 : span.start + 1].isalnum()


def test_a_long_passage_is_read_in_overlapping_windows() -> None:
    filler = "The weather was mild and nothing else happened that day. " * 60
    text = filler + "The museum was founded by Clara Voss in 1911."
    reading = shared_reader().read("Who founded the museum?", [Passage("x", 0, text)])
    best = reading.spans[0]
    assert text[best.start : best.end] == "Clara Voss"


def test_the_decision_weights_cover_every_feature_and_rise_with_the_margin() -> None:
    weights = decision_weights()
    assert set(DECISION_FEATURES) <= set(weights) and 0 < weights["abstain_below"] < 1
    low = dict.fromkeys(DECISION_FEATURES, 0.0)
    high = {**low, "margin": 8.0, "margin_least": 8.0, "span_share": 1.0, "ranking": 1.0}
    assert 0.0 <= decide(low).confidence < decide(high).confidence <= 1.0
    assert span_share([2.0, 2.0]) == pytest.approx(0.5)
    assert span_share([]) == 0.0


def test_a_question_longer_than_the_window_is_still_read() -> None:
    question = "Who cut the ribbon? " + "please tell me " * 200
    passage = Passage("x", 0, "Mayor Alan Smith cut the ribbon.")
    reading = shared_reader().read(question, [passage])
    assert reading.spans and passage.text[reading.spans[0].start : reading.spans[0].end]


@pytest.mark.parametrize(
    ("text", "chosen", "answer"),
    [
        ("Run /bin/sync before you power off.", "bin/sync", "/bin/sync"),
        ("The shell is /usr/sbin/nologin for them.", "sbin/nologin", "/usr/sbin/nologin"),
        ("Its shadow file (/etc/shadow) is private.", "etc/shadow", "/etc/shadow"),
        ("Levels run from -1 to 9 in zlib.", "1 to 9", "-1 to 9"),
        ('The default is "-1".', "1", "-1"),
        ("Submodules are listed in .gitmodules at the top.", "gitmodules", ".gitmodules"),
        ("It opened in August.", "August.", "August"),
        ("It opened in 2010, he said.", "2010,", "2010"),
        ("She moved to the U.S.", "U.S.", "U.S."),
        ("The war lasted from 1990-1995 in all.", "1995", "1995"),
        ("The trams carry passengers.", "pass", "passengers"),
    ],
)
def test_answer_bounds_keep_the_text_of_the_document(text: str, chosen: str, answer: str) -> None:
    start = text.index(chosen)
    lo, hi = answer_bounds(text, start, start + len(chosen))
    assert text[lo:hi] == answer
