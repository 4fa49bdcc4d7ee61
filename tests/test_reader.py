"""The reader model: loading, both heads on pairs written here, bad input, framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader import (
    MODEL_FILE,
    NO_SIDE,
    Reader,
    ReaderInputError,
    ReaderModelMissing,
    frame_options,
)
from reader.framing import option_questions

# Written for these tests (not ArgKP or SciFact rows): one question, a passage for each
# side, a neutral on-topic one, and one about something else entirely.
QUESTION = "Should our city ban cars from the historic centre?"
PRO = (
    "Since cars were kept out of the old town in Ghent, air pollution fell by a fifth and "
    "shops reported more visitors on foot. Banning cars from the centre makes it cleaner, "
    "safer and better for business, so the ban is worth it."
)
CON = (
    "A car ban in the centre would cut off elderly and disabled residents who cannot walk "
    "or cycle, and small shops would lose customers who drive in from the suburbs. Banning "
    "cars is unfair and harmful; the centre should stay open to them."
)
OFF_TOPIC = (
    "Preheat the oven to 180 degrees. Mix the flour, sugar and two eggs, pour the batter "
    "into a greased tin and bake for twenty-five minutes until golden."
)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


def test_model_file_ships_small_and_loads_offline(reader: Reader) -> None:
    assert MODEL_FILE.stat().st_size < 25 * 1024 * 1024
    assert reader.meta["base_model"] == "minilm"
    assert 0.0 < reader.threshold < 1.0


def test_relevance_ranks_on_topic_passages_above_an_off_topic_one(reader: Reader) -> None:
    pro, con, off = reader.read(QUESTION, [PRO, CON, OFF_TOPIC])
    for reading in (pro, con, off):
        assert 0.0 <= reading.relevance <= 1.0
    assert pro.relevance > off.relevance
    assert con.relevance > off.relevance
    assert off.relevance < reader.threshold


def test_off_topic_passage_takes_no_side(reader: Reader) -> None:
    pro, con, off = reader.read(QUESTION, [PRO, CON, OFF_TOPIC])
    assert pro.options == ["yes", "no"]
    assert off.leaning is None
    assert off.probabilities[NO_SIDE] > max(off.probabilities["yes"], off.probabilities["no"])
    assert off.probabilities[NO_SIDE] > pro.probabilities[NO_SIDE]
    for reading in (pro, con, off):
        assert sum(reading.probabilities.values()) == pytest.approx(1.0, abs=1e-3)


# The stance model reads the two sides of the car-ban question apart when it is framed as
# a choice, but under the yes/no framing it reads CON as "yes" (45% yes, 30% no): about one
# call in four is wrong on held-out arguments (docs/benchmarks.md, "Reader model"). The test
# states what it must do; strict, so it fails loudly once it does.
STANCE_GAP = pytest.mark.xfail(
    strict=True, reason="yes/no stance misreads this passage: see docs/benchmarks.md, Reader model"
)


@STANCE_GAP
def test_stance_reads_the_two_sides(reader: Reader) -> None:
    pro, con = reader.read(QUESTION, [PRO, CON])
    assert pro.leaning == "yes"
    assert con.leaning == "no"
    assert pro.probabilities["yes"] > con.probabilities["yes"]


def test_choice_question_follows_the_options_in_either_order(reader: Reader) -> None:
    forward = "Is banning cars from the historic centre beneficial or harmful?"
    backward = "Is banning cars from the historic centre harmful or beneficial?"
    pro_f, con_f = reader.read(forward, [PRO, CON])
    pro_b, con_b = reader.read(backward, [PRO, CON])
    assert pro_f.options == ["beneficial", "harmful"]
    assert pro_b.options == ["harmful", "beneficial"]
    assert pro_f.probabilities["beneficial"] > con_f.probabilities["beneficial"]
    assert pro_b.probabilities["beneficial"] > con_b.probabilities["beneficial"]


def test_empty_question_or_passage_is_refused(reader: Reader) -> None:
    with pytest.raises(ReaderInputError, match="question is empty"):
        reader.read("   ", [PRO])
    with pytest.raises(ReaderInputError, match="passage is empty"):
        reader.read(QUESTION, [PRO, "\n"])


def test_non_utf8_bytes_are_replaced_with_a_note(reader: Reader) -> None:
    reading, off = reader.read(QUESTION, [PRO.encode() + b" \xff\xfe caf\xe9", OFF_TOPIC])
    assert any("not UTF-8" in note for note in reading.notes)
    assert reading.relevance > off.relevance  # still read as the text it is
    assert not off.notes


def test_a_100_kb_passage_is_cut_to_the_window_with_a_note(reader: Reader) -> None:
    huge = (PRO + " ") * (100_000 // len(PRO) + 1)
    assert len(huge) > 100_000
    reading, short, off = reader.read(QUESTION, [huge, PRO, OFF_TOPIC])
    assert any("cut to the model's window" in note for note in reading.notes)
    assert not short.notes
    assert reading.relevance > off.relevance  # its start was read


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderModelMissing, match=r"train_reader\.py"):
        Reader.load(tmp_path / "absent.safetensors")


@pytest.mark.parametrize(
    ("question", "kind", "options"),
    [
        ("Is the gap an advantage or an imbalance?", "choice", ["advantage", "imbalance"]),
        (
            "Should we hire more engineers or invest in sales?",
            "choice",
            ["hire more engineers", "invest in sales"],
        ),
        ("Should we abandon school uniforms?", "yes_no", ["yes", "no"]),
        # Option A is as long as option B without their articles (was ["gap progress", ...]).
        ("Is the gap progress or a setback?", "choice", ["progress", "setback"]),
    ],
)
def test_question_framing(question: str, kind: str, options: list[str]) -> None:
    assert frame_options(question) == (kind, options)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "We see AI gains in engineering: is that an advantage or an imbalance?",
            (
                "We see AI gains in engineering: is that an advantage?",
                "We see AI gains in engineering: is that an imbalance?",
            ),
        ),
        ("Is the gap progress or a setback?", ("Is the gap progress?", "Is the gap a setback?")),
        (
            "Should we hire more engineers or invest in sales?",
            ("Should we hire more engineers?", "Should we invest in sales?"),
        ),
        ("Advantage or imbalance?", ("Advantage?", "Imbalance?")),
        ("Should we abandon school uniforms?", None),
    ],
)
def test_a_choice_question_as_two_yes_no_questions(
    question: str, expected: tuple[str, str] | None
) -> None:
    assert option_questions(question) == expected


def test_a_choice_reads_the_same_in_either_order(reader: Reader) -> None:
    # Read as "...an advantage?" and "...a liability?", the order the options are asked in
    # cannot change the reading (read directly, an unseen wording often came out reversed).
    one = reader.read("Is the car ban an advantage or a liability?", [PRO, CON])
    other = reader.read("Is the car ban a liability or an advantage?", [PRO, CON])
    for a, b in zip(one, other, strict=True):
        assert a.options == ["advantage", "liability"] and b.options == ["liability", "advantage"]
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-4)
        assert a.leaning == b.leaning
    assert one[0].probabilities["advantage"] > one[0].probabilities["liability"]
    assert one[1].probabilities["liability"] > one[1].probabilities["advantage"]


def test_debate_stances_use_the_model_and_fall_back_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from debate.stance import MODEL_METHOD, frame_question, read_stances

    frame = frame_question(QUESTION)
    passages = {"pro": PRO, "off": OFF_TOPIC}
    by_model = read_stances(frame, passages, question=QUESTION)
    assert {s.method for s in by_model.values()} == {MODEL_METHOD}
    assert by_model["off"].leaning is None  # below the relevance threshold: no side
    monkeypatch.setenv("AGORA_READER_MODEL", str(tmp_path / "absent.safetensors"))
    fallback = read_stances(frame, passages, question=QUESTION)
    assert all("heuristic" in s.method for s in fallback.values())
    # Without the question (how the extractive engine calls it today) the heuristic runs.
    assert all("heuristic" in s.method for s in read_stances(frame, passages).values())


def test_a_pair_is_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief's gate and the debate's stances read the same pairs: the second read comes
    from the cache, identical; other options are a different pair and are read. Each model
    runs only when asked: the stance alone never runs the reader."""
    reader = Reader.load()
    runs: list[tuple[str, int]] = []
    for name in ("_read_reader", "_read_stance"):
        original = getattr(reader, name)

        def counted(items, into, name=name, original=original):  # type: ignore[no-untyped-def]
            runs.append((name, len(items)))
            return original(items, into)

        monkeypatch.setattr(reader, name, counted)
    question = "Is the engineering gain an advantage or an imbalance?"
    passages = ["Teams shipped twice as fast with the assistant.", "Sales saw no gain at all."]
    stance_only = reader.read_pairs([(question, p) for p in passages], relevance=False)
    assert runs == [("_read_stance", 2)]
    assert all(r.relevance is None for r in stance_only)
    first = reader.read(question, passages)
    assert runs[1:] == [("_read_reader", 2)]  # the stances were read already
    again = reader.read(question, [passages[1], passages[0], passages[1]])
    assert len(runs) == 2
    assert again == [first[1], first[0], first[1]]
    assert [r.probabilities for r in stance_only] == [r.probabilities for r in first]
    swapped = reader.read(question, passages[:1], options=["imbalance", "advantage"])
    assert runs[2:] == [("_read_reader", 1), ("_read_stance", 1)]
    assert swapped[0].options == ["imbalance", "advantage"]
    assert reader.relevance(question, passages) == [r.relevance for r in first]
    assert len(runs) == 4


def test_the_stance_model_gives_the_stance_and_the_head_stands_in_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With reader/stance.onnx the leanings and probabilities are the stance model's (its
    margin applied); without it, the reader's head, and `stance_source` says which."""
    from reader.stance import STANCE_FILE, StanceModel

    reader = Reader.load()
    assert reader.stance_source == "stance model" and STANCE_FILE.stat().st_size < 25 * 2**20
    model = StanceModel.load(STANCE_FILE)
    readings = reader.read(QUESTION, [PRO, CON])
    for reading, probs in zip(
        readings, model.probabilities(QUESTION, ["yes", "no"], [PRO, CON]), strict=True
    ):
        assert [reading.probabilities[k] for k in ("yes", "no", NO_SIDE)] == pytest.approx(
            probs, abs=1e-3
        )
        side = model.leaning(probs)
        assert reading.leaning == (None if side is None else ["yes", "no"][side])
    monkeypatch.setenv("AGORA_STANCE_MODEL", str(tmp_path / "absent.onnx"))
    head = Reader.load()
    assert head.stance_source == "reader" and head.stance_model is None
    by_head = head.read(QUESTION, [PRO, CON])
    assert [r.relevance for r in by_head] == [r.relevance for r in readings]  # same reader
    assert [r.probabilities for r in by_head] != [r.probabilities for r in readings]


def test_relevance_alone_never_runs_the_stance_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief's gate and --rerank ask only for relevance; a later stance read of the same
    pairs runs the stance model once, and the reader not again."""
    reader = Reader.load()
    runs: dict[str, list[int]] = {"reader": [], "stance": []}
    run, run_stance = reader._read_reader, reader._read_stance

    def counted(items, into):  # type: ignore[no-untyped-def]
        runs["reader"].append(len(items))
        return run(items, into)

    def counted_stance(items, into):  # type: ignore[no-untyped-def]
        runs["stance"].append(len(items))
        return run_stance(items, into)

    monkeypatch.setattr(reader, "_read_reader", counted)
    monkeypatch.setattr(reader, "_read_stance", counted_stance)
    relevance = reader.relevance(QUESTION, [PRO, CON, OFF_TOPIC])
    assert runs == {"reader": [3], "stance": []}
    readings = reader.read(QUESTION, [PRO, CON, OFF_TOPIC, PRO])
    assert runs == {"reader": [3], "stance": [3]}
    assert [r.relevance for r in readings[:3]] == relevance and readings[3] == readings[0]
    reader.read(QUESTION, [CON])
    assert runs == {"reader": [3], "stance": [3]}
