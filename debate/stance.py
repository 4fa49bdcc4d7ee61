"""How the extractive engine reads the question and which way each passage leans.

This is a heuristic, and it is documented as one (every `PassageStance` says so in its
`method`). No generative model is involved, so nothing here "understands" a passage:

* **Choice questions** ("... an advantage or an imbalance?"): the options are the two
  phrases around the last " or " of the last clause. A passage leans toward an option by
  (1) explicit mentions of the option's words, sentence by sentence, counted against the
  option when a negation ("not", "no", "stop calling it", "rather than", ...) comes
  shortly before the mention; and (2) a weak embedding term: the passage's cosine to each
  option phrase, centred on the median over all passages of the run (single words have
  different baseline similarity, so only the relative lean means anything). Mentions
  dominate; the embedding term only breaks near-ties. Sentence embeddings cannot see
  negation, which is why they are not trusted on their own.
* **Yes/no questions**: options are ["yes", "no"]; a passage leans "yes" or "no" by the
  balance of supporting cue words (found, improved, increased, evidence that ...) and
  undercutting ones (however, did not, no evidence, slower, overstated ...). This detects
  framing, not entailment.

Scores inside ±`NEUTRAL` count as no leaning.

**The trained models come first.** Given the question, `read_stances` uses the reader
(reader/, issue 14): the stance model (reader/stance.onnx, a cross-encoder that reads
the question with its options and the passage together) says which option the passage
leans to, or no side, and a passage below the reader's calibrated relevance threshold takes
no side. Without the stance model's file the reader's own stance head is used, and without
the reader the heuristics above; every `PassageStance.method` says which one was used.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from debate.types import PassageStance, QuestionFrame
from reader.framing import frame_options

NEUTRAL = 0.15
EMBEDDING_WEIGHT = 4.0  # centred cosine differences are ~±0.1; this maps them to ~±0.4
_ARTICLES = {"a", "an", "the"}
_NEGATION = re.compile(
    r"\b(?:not|no|never|nor|isn't|aren't|wasn't|don't|doesn't|stop calling|rather than|"
    r"instead of|less of|hardly|without)\b[^.;:]{0,40}$",
    re.IGNORECASE,
)
_SUPPORT_CUES = (
    "found that", "shows", "showed", "improv", "increas", "faster", "gain", "benefit",
    "evidence that", "confirm", "succeed", "effective", "higher", "more productive",
)  # fmt: skip
_UNDERCUT_CUES = (
    "however", "did not", "didn't", "no evidence", "not ", "slower", "overstat", "decline",
    "fail", "risk", "mislead", "weak", "uncertain", "cannot", "lower", "worse", "flat",
)  # fmt: skip


def frame_question(question: str) -> QuestionFrame:
    """'A or B?' becomes a choice between A and B; anything else is yes/no."""
    kind, options = frame_options(question)
    return QuestionFrame(kind=kind, options=options)


def _stems(option: str) -> list[str]:
    """Content words of an option, cut to a stem so 'imbalance' matches 'imbalanced'."""
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", option)]
    content = [w for w in words if w not in _ARTICLES and len(w) > 2]
    return [w[: max(4, len(w) - 2)] for w in content]


def mention_score(text: str, options: Sequence[str]) -> float:
    """Signed count: mentions of options[0] minus options[1], negated mentions flipped."""
    score = 0.0
    for index, option in enumerate(options[:2]):
        sign = 1.0 if index == 0 else -1.0
        for stem in _stems(option):
            for match in re.finditer(rf"\b{re.escape(stem)}\w*", text, re.IGNORECASE):
                negated = _NEGATION.search(text[max(0, match.start() - 60) : match.start()])
                score += -sign if negated else sign
    return score


def cue_score(text: str) -> float:
    """Supporting minus undercutting cue words, normalised to [-1, 1]."""
    lower = text.lower()
    support = sum(lower.count(cue) for cue in _SUPPORT_CUES)
    undercut = sum(lower.count(cue) for cue in _UNDERCUT_CUES)
    return (support - undercut) / (support + undercut + 1)


MODEL_METHOD = (
    "stance model (question, options and passage read together; reader/stance.onnx); "
    "relevance gate by the reader model"
)
HEAD_METHOD = "reader model's stance head (question and passage read together; reader/reader.onnx)"


def read_stances(
    frame: QuestionFrame,
    passages: dict[str, str],
    passage_vectors: np.ndarray | None = None,
    option_vectors: np.ndarray | None = None,
    question: str | None = None,
) -> dict[str, PassageStance]:
    """Stance of each passage (chunk id -> text). With the question, the reader model reads
    them when its file is present; otherwise the heuristics: vectors are unit rows in the
    same order as `passages` and `frame.options`; without them only cue words are used."""
    if question is not None and passages:
        by_model = model_stances(question, frame, passages)
        if by_model is not None:
            return by_model
    keys = list(passages)
    if frame.kind == "yes_no":
        method = "yes/no cue words (supporting vs undercutting); a heuristic"
        scores = [cue_score(passages[key]) for key in keys]
    else:
        method = (
            "option mentions with negation, plus centred embedding similarity to each "
            "option; a heuristic"
        )
        mentions = np.array([mention_score(passages[key], frame.options) for key in keys])
        lean = np.tanh(mentions / 2.0)
        if passage_vectors is not None and option_vectors is not None and len(keys):
            sims = passage_vectors @ option_vectors[:2].T
            diff = sims[:, 0] - sims[:, 1]
            lean = lean + EMBEDDING_WEIGHT * (diff - np.median(diff)) * (np.abs(mentions) < 1)
        scores = [float(np.clip(value, -1.0, 1.0)) for value in lean]
    return {
        key: PassageStance(
            chunk_id=key,
            leaning=leaning_of(score, frame),
            score=round(score, 4),
            method=method,
        )
        for key, score in zip(keys, scores, strict=True)
    }


def model_stances(
    question: str, frame: QuestionFrame, passages: dict[str, str]
) -> dict[str, PassageStance] | None:
    """The trained models' stances, or None when the reader's file is missing."""
    from reader import Reader, ReaderModelMissing

    try:
        reader = Reader.shared()
    except ReaderModelMissing:
        return None
    keys = list(passages)
    readings = reader.read(question, [passages[key] for key in keys], options=frame.options[:2])
    stances = {}
    for key, reading in zip(keys, readings, strict=True):
        first, second = (reading.probabilities[o] for o in frame.options[:2])
        relevant = (reading.relevance or 0.0) >= reader.threshold  # read() always rates
        stances[key] = PassageStance(
            chunk_id=key,
            leaning=reading.leaning if relevant else None,
            score=round(first - second, 4),
            method=MODEL_METHOD if reader.stance_model is not None else HEAD_METHOD,
        )
    return stances


def brief_stances(
    question: str,
    frame: QuestionFrame,
    passages: dict[str, str],
    embed: Callable[[list[str]], np.ndarray],
) -> dict[str, PassageStance]:
    """Which way every brief passage leans, whichever engine debates: the reader model's
    reading, or the heuristics (which need the passages' and options' vectors, embedded
    only then)."""
    by_model = model_stances(question, frame, passages) if passages else None
    if by_model is not None:
        return by_model
    texts = list(passages.values())
    vectors = embed([*texts, *frame.options]) if texts else None
    if vectors is None:
        return {}
    return read_stances(frame, passages, vectors[: len(texts)], vectors[len(texts) :])


# How sure one model reading is, by its margin |p(A) - p(B)| (for a yes/no question,
# p(yes) - p(no)): on the tune motions the stance model's calls under NARROW were right
# NARROW_RIGHT of the time, and WIDE_RIGHT at WIDE or more (scripts/bench_stance_reading.py,
# "How sure a reading is"; choice questions read as two yes/no questions, as the product
# reads them). A count made of narrow readings says little, and the report says how many of
# its counted passages are narrow.
NARROW = 0.2
NARROW_RIGHT = 0.64
WIDE = 0.5
WIDE_RIGHT = 0.88
# The share of the stance model's calls that were right on business passages: every chunk of
# the demo library labelled by hand for three of its questions (scripts/bench_stance_business.py,
# data card docs/data-cards/stance-business.md; a dev figure). The report's stance-model risk
# quotes it: the model reads policy arguments well and reports and memos barely at all. The
# risk's wording ("only", "a coin would get half") assumes a poor figure: reword it with a
# better model.
BUSINESS_RIGHT = 0.41


def is_narrow(stance: PassageStance) -> bool:
    """Whether a passage's leaning is a narrow stance-model reading (see NARROW). The other
    readers' scores are on other scales, and their risks say how little they are worth."""
    return (
        stance.leaning is not None and stance.method == MODEL_METHOD and abs(stance.score) < NARROW
    )


def leaning_of(score: float, frame: QuestionFrame) -> str | None:
    """The option one stance score leans to; None inside the ±`NEUTRAL` band."""
    if score > NEUTRAL:
        return frame.options[0]
    if score < -NEUTRAL:
        return frame.options[1]
    return None


def lean_of_set(leanings: Sequence[str | None]) -> str | None:
    """Which way a set of passages leans: the option more of them lean to; None when none
    takes a side or the sides tie. The one rule for a turn, a brief, a claim's citations
    and a report item alike, and for one passage it is that passage's own leaning, so a
    passage and the set it forms never disagree (whatever measured the leanings: the
    reader model or the heuristic)."""
    ranked = Counter(leaning for leaning in leanings if leaning).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def evidence_probability(same: int, sided: int) -> float:
    """The chance the next passage that takes a side takes this one, given `same` of
    `sided` did: Laplace's rule of succession, (same + 1) / (sided + 2). The one formula
    behind the panel's confidences and the report's evidence-balance probabilities."""
    return (same + 1) / (sided + 2)


def leading_side(counts: Mapping[str, int], first: str, second: str) -> str:
    """The option more passages lean to; the first one on a tie (what the panel's
    confidences refer to, in the debate and in the report)."""
    return first if counts.get(first, 0) >= counts.get(second, 0) else second


CLEAR_LEAD = 0.8  # how sure a count must make us that most such passages lean one way


def lead_certainty(leading: int, trailing: int) -> float:
    """How likely it is that most passages like these lean the leading way: P(p > 1/2)
    for p ~ Beta(leading + 1, trailing + 1), a uniform prior updated by the counts.

    For integer counts that equals P(Binomial(leading + trailing + 1, 1/2) <= leading),
    computed exactly, without scipy. 9 to 8 gives 0.59 (too close to call), 12 to 5 gives
    0.95, 3 to 0 gives 0.94, 1 to 0 gives 0.75.
    """
    trials = leading + trailing + 1
    return sum(math.comb(trials, k) for k in range(leading + 1)) / 2**trials


def clear_lead(leading: int, trailing: int) -> bool:
    """Whether a count of sided passages is lopsided enough to name a verdict."""
    return leading > trailing and lead_certainty(leading, trailing) >= CLEAR_LEAD
