"""The command line for real: subprocesses over the seed article and the real model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_DIR, offline_env

pytestmark = pytest.mark.model

SEED_SOURCE = "seeds/000_cb45a5397f502ac5.txt"
MINES_SENTENCE = "The report said that Shanxi now has a total of 268 smart coal mines, ranking it first nationwide."


def shanxi_qa(
    index: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "shanxi_qa", args[0], "--index", str(index), *args[1:]]
    if "--corpus" not in args:  # the index was built for the seed folder itself
        command[4:4] = ["--corpus", str(SEED_DIR)]
    return subprocess.run(
        command, input=stdin, capture_output=True, env=offline_env(), timeout=300, check=False
    )


def test_ask_answers_268_and_quotes_the_sentence_with_exact_offsets(seed_index: Path) -> None:
    result = shanxi_qa(seed_index, "ask", "--json", "how many smart coal mines?")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["answer"] == "268"
    assert record["abstained"] is False
    quote = record["quotes"][0]
    assert quote["text"] == MINES_SENTENCE
    assert quote["source"] == SEED_SOURCE
    cleaned = shanxi_qa(seed_index, "show", SEED_SOURCE).stdout.decode("utf-8")
    assert cleaned[quote["start"] : quote["end"]] == MINES_SENTENCE
    assert MINES_SENTENCE in quote["context"]


def test_text_output_has_the_answer_then_the_block_quote(seed_index: Path) -> None:
    result = shanxi_qa(seed_index, "ask", "how many smart coal mines?")
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "268"
    assert lines[2].startswith("> The report said that Shanxi now has a total of 268 smart coal")
    assert any(f"({SEED_SOURCE}, paragraph" in line for line in lines)


def test_batch_mode_prints_one_json_object_a_line(seed_index: Path) -> None:
    questions = b"how many smart coal mines?\n\nWhere is the huge solar farm?\n"
    result = shanxi_qa(seed_index, "ask", "--json", "-", stdin=questions)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["question"] for r in records] == [
        "how many smart coal mines?",
        "Where is the huge solar farm?",
    ]
    assert "Tianzhen" in records[1]["quotes"][0]["text"]


def test_unanswerable_question_abstains_and_shows_the_closest_passage(seed_index: Path) -> None:
    result = shanxi_qa(seed_index, "ask", "How many smart coal mines did Shanxi have in 2019?")
    text = result.stdout.decode()
    assert result.returncode == 0
    assert text.startswith("The documents do not answer this.")
    assert "Closest, but does not answer:" in text


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (("ask", ""), None, 2, "error: the question is empty"),
        (("ask", "   "), None, 2, "error: the question is empty"),
        (("ask", "x" * 60_000), None, 2, "error: the question is 60,000 characters long"),
        (("ask", "-"), b"\xff\xfe\x00\x01binary", 2, "error: stdin is not UTF-8 text"),
        (("ask", "-"), b"ok\x00\x00", 2, "error: stdin holds binary data"),
        (("ask", "--top-k", "0", "q"), None, 2, "error: --top-k must be greater than 0"),
        (("show", "nope.txt"), None, 2, "error: no document 'nope.txt' in the index"),
        (("ask", "--mode", "fuzzy", "q"), None, 2, "error: argument --mode: invalid choice"),
    ],
)
def test_bad_input_gets_one_line_and_an_exit_code(
    seed_index: Path, args: tuple[str, ...], stdin: bytes | None, code: int, message: str
) -> None:
    result = shanxi_qa(seed_index, *args, stdin=stdin)
    stderr = result.stderr.decode()
    assert result.returncode == code
    assert stderr.startswith(message), stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr


def test_unwritable_index_folder_is_a_runtime_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = shanxi_qa(blocker / "index", "ask", "how many smart coal mines?")
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert stderr.startswith(f"error: cannot write the index to {blocker / 'index'}")
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "question",
    ["<b>how many</b> smart coal mines?<script>alert(1)</script>", "山西有多少座智能煤矿？"],
)
def test_html_and_other_scripts_are_answered_or_abstained_normally(
    seed_index: Path, question: str
) -> None:
    result = shanxi_qa(seed_index, "ask", "--json", question)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["question"] == question
    assert record["abstained"] in (True, False)


def test_show_prints_the_cleaned_article(seed_index: Path) -> None:
    result = shanxi_qa(seed_index, "show", SEED_SOURCE)
    text = result.stdout.decode()
    assert text.startswith("Tech gains in Shanxi set pace for steady future\n\n")
    assert "to subsidize all nonprofit child care institutions" in text
    assert "\\$" not in text and "chal-lenging" not in text
    assert (SEED_DIR / "000_cb45a5397f502ac5.txt").read_bytes().count(b"chal-lenging") == 1


def test_batch_mode_reads_json_lines_with_history(seed_index: Path) -> None:
    lines = [
        {
            "question": "How long are they?",
            "history": ["How wide are the pipes of the vacuum tube?"],
        },
        "how many smart coal mines?",
        {
            "question": "And the year before?",
            "history": [
                "What was the transaction volume of Shanxi's green electricity in 2024?",
                "And in 2023?",
            ],
        },
        {"question": "By when?", "history": "not a list"},
        "{not json",
        '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "Where is the huge solar farm?",
    ]
    stdin = "\n".join(json.dumps(line) if isinstance(line, dict) else line for line in lines)
    result = shanxi_qa(seed_index, "ask", "--json", "-", stdin=stdin.encode())
    assert result.returncode == 2  # three bad lines (bad input), reported and skipped
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r.get("resolved_question") for r in records[:3]] == [
        "How long are the pipes of the vacuum tube?",
        None,
        "What was the transaction volume of Shanxi's green electricity in 2022?",
    ]
    assert records[0]["question"] == "How long are they?"
    # The diameter was the answer just given: the follow-up is answered with the length.
    assert records[0]["answer"] == "21 meters"
    assert records[0]["quotes"] and records[0]["quotes"][0]["source"] == SEED_SOURCE
    assert records[1]["answer"] == "268"
    assert "history" in records[3]["error"] and "not a JSON" in records[4]["error"]
    # A line nested 100,000 deep is refused in one line, and the batch goes on.
    assert records[5]["error"] == "a JSON line nested 100001 deep; at most 8"
    assert "Tianzhen" in records[6]["answer"]
    assert b"Traceback" not in result.stderr
    stderr = result.stderr.decode().splitlines()
    assert [line.split(":")[0] for line in stderr] == ["error", "error", "error"]
    assert stderr[0].startswith("error: question 4: ")


def test_text_output_shows_how_a_follow_up_was_read(seed_index: Path) -> None:
    line = {
        "question": "How does it rank?",
        "history": ["How many smart coal mines does Shanxi have?"],
    }
    result = shanxi_qa(seed_index, "ask", "-", stdin=json.dumps(line).encode())
    assert result.returncode == 0, result.stderr
    assert "read as: How does Shanxi rank?" in result.stdout.decode().splitlines()


def test_eval_conversations_prints_follow_ups_with_and_without_history(
    seed_index: Path, tmp_path: Path
) -> None:
    conversations = tmp_path / "conversations.jsonl"
    conversations.write_text(
        json.dumps(
            {
                "id": "c1",
                "turns": [
                    {
                        "question": "How wide are the pipes of the vacuum tube?",
                        "answers": ["6 meters"],
                    },
                    {"question": "How long are they?", "answers": ["21 meters"]},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    result = shanxi_qa(seed_index, "eval", "--conversations", str(conversations), "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert (scores["conversations"], scores["follow_ups"], scores["rewritten"]) == (1, 1, 1)
    assert set(scores["with"]) == set(scores["without"]) >= {"answer_hit", "short_answer_hit"}
    text = shanxi_qa(seed_index, "eval", "--conversations", str(conversations)).stdout.decode()
    assert "without" in text and "with" in text and "answer_hit" in text
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": []}\n', encoding="utf-8")
    failed = shanxi_qa(seed_index, "eval", "--conversations", str(bad))
    assert failed.returncode == 2
    assert failed.stderr.decode().startswith("error: ")
