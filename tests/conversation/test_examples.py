"""Example questions that fit the documents present."""

from __future__ import annotations

import json
import os
from pathlib import Path

from shanxi_qa.conversation.examples import examples_for, made_for, written_for
from shanxi_qa.documents.load import load_document
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from tests.conftest import TINY_ARTICLE, FakeEncoder

ZOO = """\
City zoo opens a penguin house

The city zoo opened a new penguin house in May, the zoo's director Mary Lane said.

The house holds 40 penguins from three colonies, and 12 keepers look after them.
"""


def test_counts_are_made_from_numbers_followed_by_what_they_count(tmp_path: Path) -> None:
    path = tmp_path / "tram.txt"
    path.write_text(TINY_ARTICLE, encoding="utf-8")
    document = load_document(path, "corpus/tram.txt")
    # "14 kilometers long" measures; "March 3," and "2026" count nothing.
    assert made_for(document) == ["How many stops?", "How many electric buses?"]


def test_questions_written_for_a_document_are_found_where_its_file_really_is(
    tmp_path: Path,
) -> None:
    seeds, library = tmp_path / "seeds", tmp_path / "library"
    seeds.mkdir()
    library.mkdir()
    (seeds / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (seeds / ".examples.json").write_text(
        json.dumps({"tram.txt": ["When did the tram line open?", 7, ""]}), encoding="utf-8"
    )
    os.symlink("../seeds/tram.txt", library / "tram.txt")
    assert written_for(library, "tram.txt") == ["When did the tram line open?"]
    assert written_for(library, "other.txt") == []
    (seeds / ".examples.json").write_text("{not json", encoding="utf-8")
    assert written_for(library, "tram.txt") == []


def test_the_newest_document_comes_first_and_only_answered_questions_are_kept(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (corpus / ".examples.json").write_text(
        json.dumps({"tram.txt": ["When did the tram line open?", "Who is the mayor?"]}),
        encoding="utf-8",
    )
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    assert examples_for(pipeline) == ["When did the tram line open?", "Who is the mayor?"]

    from shanxi_qa.documents.corpus import add_documents

    zoo = tmp_path / "in" / "zoo.txt"
    zoo.parent.mkdir()
    zoo.write_text(ZOO, encoding="utf-8")
    add_documents([(zoo, "zoo.txt")], corpus, config.index_dir, encoder_factory=FakeEncoder)
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    found = examples_for(pipeline)
    asked = {q: pipeline.ask(q, source="zoo.txt") for q in made_for(pipeline.document("zoo.txt"))}
    answered = [q for q, a in asked.items() if not a.abstained]
    assert answered, asked  # the fake encoder still finds the penguins
    # One from each document in turn, the new one first.
    assert found[0] in answered and found[1] == "When did the tram line open?"
    assert len(found) == min(4, len(answered) + 2)
