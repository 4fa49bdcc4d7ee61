"""Claim–passage features for the citation judge: sentences with offsets, then evidence cues.

The judge decides whether a passage backs a claim without an NLI model (none ships its
weights on PyPI and nothing may be downloaded). It aligns the claim with the passage's
sentences and measures, for the best-aligned sentences, what a careful reader checks:

* is every content word of the claim there (coverage by the best 1, 2, 3 sentences, and by
  the whole passage, weighted by how informative each word is),
* do the numbers, dates and names agree, or does the passage state different ones,
* does the best sentence say the opposite (negation, direction of change) or hedge,
* how close the claim and the best sentence are in embedding space.

Sentences come from ``ingest.text.split_passage``, the splitter chunking and the debate
share. Everything here is plain Python and numpy: the embedding similarities are computed by the
caller (``audit.judge``) and passed in as a matrix, so these functions are cheap to test.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.text import normalize


def _wordlist(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------------------------
# Words, numbers, cues

STOPWORDS = frozenset(
    _wordlist(
        """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself nor of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves one two three may might must shall also however thus therefore although though
    et al per via upon within among amongst whether either etc use used using"""
    )
)
NEGATIONS = frozenset(
    _wordlist(
        """not no never none neither nor without cannot cant dont doesnt didnt isnt arent wasnt
    werent wont wouldnt couldnt shouldnt hasnt havent hadnt lack lacks lacked lacking fail
    fails failed absent absence unable nothing nobody"""
    )
)
HEDGES = frozenset(
    _wordlist(
        """may might could possibly possible perhaps likely unlikely suggest suggests suggested
    suggesting appear appears appeared seem seems seemed potential potentially probably
    speculate hypothesize hypothesized putative approximately about around roughly"""
    )
)
UP_WORDS = frozenset(
    _wordlist(
        """increase increases increased increasing rise rises rising rose raise raises raised higher
    high more greater enhance enhances enhanced enhancing promote promotes promoted elevate
    elevated elevates upregulate upregulates upregulated upregulation improve improves improved
    activate activates activated induce induces induced stimulate stimulates stimulated gain
    grew grow grows growth accelerate accelerates accelerated positive positively exceed
    exceeds"""
    )
)
DOWN_WORDS = frozenset(
    _wordlist(
        """decrease decreases decreased decreasing reduce reduces reduced reducing reduction lower
    low less fewer inhibit inhibits inhibited inhibition suppress suppresses suppressed impair
    impairs impaired downregulate downregulates downregulated downregulation attenuate
    attenuates attenuated block blocks blocked prevent prevents prevented diminish diminishes
    diminished decline declines declined fall falls fell drop drops dropped loss lose lost
    negative negatively slow slows slowed worsen worsens worsened"""
    )
)
ABSOLUTES = frozenset(
    _wordlist(
        """only all every always never none entire entirely exclusively solely sole any
    everyone everything nobody nothing completely totally"""
    )
)
NUMBER_WORDS = {
    "zero": 0.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0,
    "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "eleven": 11.0, "twelve": 12.0,
    "twenty": 20.0, "thirty": 30.0, "forty": 40.0, "fifty": 50.0, "hundred": 100.0,
    "half": 0.5, "third": 3.0, "fourth": 4.0, "fifth": 5.0, "once": 1.0, "twice": 2.0,
    "thousand": 1000.0, "million": 1e6, "billion": 1e9,
}  # fmt: skip

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z0-9\-]+|[A-Z0-9]{2,}[a-z]?)\b")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Crude suffix stripping so that 'increases', 'increased', 'increasing' meet."""
    for suffix, keep in (
        ("ational", "ate"), ("ization", "ize"), ("ies", "y"), ("ied", "y"), ("ing", ""),
        ("edly", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""), ("e", ""),
    ):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            return word[: len(word) - len(suffix)] + keep
    return word


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens (apostrophes dropped: "don't" -> "dont")."""
    return [w.lower().replace("'", "").replace("’", "") for w in _WORD.findall(text)]


def content_terms(tokens: Sequence[str]) -> list[str]:
    """Stems of the tokens that carry content (no stop words, no bare numbers)."""
    return [
        stem(w)
        for w in tokens
        if w not in STOPWORDS and w not in NEGATIONS and not w[0].isdigit() and len(w) > 1
    ]


def numbers(text: str) -> set[float]:
    """Numeric values stated in a text (digits; a few number words)."""
    found: set[float] = set()
    for match in _NUMBER.finditer(text):
        raw = match.group().replace(",", "").replace("−", "-")
        try:
            found.add(abs(float(raw)))
        except ValueError:
            continue
    for token in words(text):
        if token in NUMBER_WORDS:
            found.add(NUMBER_WORDS[token])
    return found


def names(text: str) -> set[str]:
    """Stems of capitalised words and acronyms not at the start of a sentence (a cheap NER)."""
    out: set[str] = set()
    for match in _CAPITALISED.finditer(text):
        token = match.group(1).lower()
        if token not in STOPWORDS and not token[0].isdigit():
            out.add(stem(token))
    return out


def _flag(tokens: Sequence[str], vocabulary: frozenset[str]) -> float:
    return 1.0 if any(t in vocabulary for t in tokens) else 0.0


# --------------------------------------------------------------------------------------------
# Features

# name -> why it helps (one line each; the order is the order of the feature vector)
FEATURES: dict[str, str] = {
    "cos_best": "embedding similarity of the claim and its closest sentence: paraphrase support",
    "cos_top2": "mean similarity of the two closest sentences: support spread over sentences",
    "cos_passage": "similarity of the claim and the passage as a whole: topical relevance",
    "cos_margin": "best minus median sentence similarity: one sentence stands out as evidence",
    "cov1": "informativeness-weighted share of claim words in the best sentence",
    "cov2": "same, in the best two sentences together: claims split over adjacent sentences",
    "cov3": "same, in the best three sentences together",
    "cov_all": "same, anywhere in the passage: a word nowhere in the passage is unsupported",
    "cov1_plain": "unweighted share of claim words in the best sentence",
    "soft1": "claim words matched by their closest word (embedding) in the best sentence: synonyms",
    "soft3": "same, matching words anywhere in the best three sentences",
    "soft_all": "same, matching words anywhere in the passage",
    "soft_min3": "the worst-matched informative claim word in the best three sentences: the gap",
    "missing_max_idf": "how informative the most informative missing claim word is",
    "missing_count": "log count of claim words missing from the whole passage",
    "bigram_cov": "share of the claim's adjacent word pairs found adjacent in the passage",
    "num_claim": "the claim states a number or date (then numbers must agree)",
    "num_match": "share of the claim's numbers that the passage states",
    "num_conflict": "claim numbers absent but the best sentences state other numbers",
    "name_claim": "the claim names capitalised entities",
    "name_match": "share of the claim's names that the passage mentions",
    "neg_claim": "the claim contains a negation",
    "neg_mismatch": "negation in exactly one of claim and best sentence: likely contradiction",
    "dir_conflict": "claim says up where the best sentence says down, or the reverse",
    "absolute_gap": "the claim says only/all/never/every where the best sentence does not: "
    "an overstatement, the commonest way a close paraphrase contradicts its source",
    "hedge_claim": "the claim hedges (may, suggests): weaker claims are easier to back",
    "hedge_sent": "the best sentence hedges: a hedged passage backs a firm claim only partly",
    "claim_len": "log number of claim content words: long claims have more to back",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

DEFAULT_IDF = 6.0  # idf of a word missing from the document-frequency table: a rare word


@dataclass(frozen=True, slots=True)
class PreparedText:
    """Token-level views of one text, computed once and reused across pairs."""

    tokens: tuple[str, ...]
    terms: frozenset[str]
    term_list: tuple[str, ...]
    numbers: frozenset[float]
    names: frozenset[str]


@lru_cache(maxsize=200_000)
def prepare(text: str) -> PreparedText:
    """Tokens, content-term stems, numbers and names of a text, read in its normalised form
    (``ingest.text.normalize``: a word hyphenated at a line end is one word again, curly
    apostrophes and ligatures are plain). Cached: sentences recur."""
    text = normalize(text)
    tokens = tuple(words(text))
    term_list = tuple(content_terms(tokens))
    return PreparedText(
        tokens=tokens,
        terms=frozenset(term_list),
        term_list=term_list,
        numbers=frozenset(numbers(text)),
        names=frozenset(names(text)),
    )


def lexical_scores(
    claim: PreparedText,
    sentences: Sequence[PreparedText],
    idf: Mapping[str, float],
    default_idf: float = DEFAULT_IDF,
) -> np.ndarray:
    """Per sentence: informativeness-weighted share of claim terms it contains (0..1)."""
    weights = {t: idf.get(t, default_idf) for t in claim.terms}
    total = sum(weights.values()) or 1.0
    return np.array(
        [sum(w for t, w in weights.items() if t in s.terms) / total for s in sentences],
        dtype=np.float32,
    )


def choose_best(cosines: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """Sentence order, best first: similarity and coverage count equally."""
    return np.argsort(-(cosines + lexical), kind="stable")


def pair_features(
    claim_text: str,
    passage_text: str,
    sentences: Sequence[str],
    cosines: np.ndarray,
    passage_cosine: float,
    idf: Mapping[str, float],
    default_idf: float = DEFAULT_IDF,
    alignment: np.ndarray | None = None,
    piece_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Feature vector (in FEATURE_NAMES order) and the index of the best sentence.

    ``cosines`` holds the claim's embedding similarity to each sentence, ``passage_cosine``
    its similarity to the passage's mean sentence vector. ``alignment[i, j]`` (optional) is
    how close the j-th content word-piece of the claim comes to any word-piece of sentence i
    (cosine of word vectors), ``piece_weights[j]`` how much that claim piece matters.
    """
    claim = prepare(claim_text)
    prepared = [prepare(s) for s in sentences]
    if not prepared:
        features = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
        features[FEATURE_NAMES.index("claim_len")] = math.log1p(len(claim.terms))
        return features, -1
    lexical = lexical_scores(claim, prepared, idf, default_idf)
    order = choose_best(cosines, lexical)
    best = prepared[int(order[0])]
    top = [prepared[int(i)] for i in order[:3]]
    weights = {t: idf.get(t, default_idf) for t in claim.terms}
    total = sum(weights.values()) or 1.0

    def coverage(texts: Sequence[PreparedText]) -> float:
        found = frozenset().union(*(t.terms for t in texts))
        return sum(w for t, w in weights.items() if t in found) / total

    passage_terms = frozenset().union(*(p.terms for p in prepared))
    missing = [t for t in claim.terms if t not in passage_terms]
    claim_bigrams = set(zip(claim.term_list, claim.term_list[1:], strict=False))
    passage_bigrams = {b for p in prepared for b in zip(p.term_list, p.term_list[1:], strict=False)}

    passage_numbers = frozenset().union(*(p.numbers for p in prepared))
    top_numbers = frozenset().union(*(p.numbers for p in top))
    claim_numbers = claim.numbers
    matched_numbers = sum(1 for n in claim_numbers if n in passage_numbers)
    passage_names = frozenset().union(*(p.names | p.terms for p in prepared))

    soft1 = soft3 = soft_all = soft_min3 = 0.0
    if alignment is not None and piece_weights is not None and alignment.shape[1] > 0:
        total_weight = float(piece_weights.sum()) or 1.0
        clipped = np.clip(alignment, 0.0, 1.0)
        top3 = clipped[order[:3]].max(axis=0)
        soft1 = float(clipped[order[0]] @ piece_weights) / total_weight
        soft3 = float(top3 @ piece_weights) / total_weight
        soft_all = float(clipped.max(axis=0) @ piece_weights) / total_weight
        informative = piece_weights >= np.median(piece_weights)
        soft_min3 = float(top3[informative].min())

    claim_up, claim_down = _flag(claim.tokens, UP_WORDS), _flag(claim.tokens, DOWN_WORDS)
    best_up, best_down = _flag(best.tokens, UP_WORDS), _flag(best.tokens, DOWN_WORDS)
    sorted_cos = np.sort(cosines)[::-1]

    values = {
        "cos_best": float(sorted_cos[0]),
        "cos_top2": float(sorted_cos[:2].mean()),
        "cos_passage": float(passage_cosine),
        "cos_margin": float(sorted_cos[0] - np.median(cosines)),
        "cov1": coverage(top[:1]),
        "cov2": coverage(top[:2]),
        "cov3": coverage(top),
        "cov_all": coverage(prepared),
        "cov1_plain": len(claim.terms & best.terms) / max(1, len(claim.terms)),
        "soft1": soft1,
        "soft3": soft3,
        "soft_all": soft_all,
        "soft_min3": soft_min3,
        "missing_max_idf": max((weights[t] for t in missing), default=0.0) / default_idf,
        "missing_count": math.log1p(len(missing)),
        "bigram_cov": len(claim_bigrams & passage_bigrams) / max(1, len(claim_bigrams)),
        "num_claim": 1.0 if claim_numbers else 0.0,
        "num_match": matched_numbers / len(claim_numbers) if claim_numbers else 0.0,
        "num_conflict": (
            (len(claim_numbers) - matched_numbers) / len(claim_numbers)
            if claim_numbers and top_numbers
            else 0.0
        ),
        "name_claim": 1.0 if claim.names else 0.0,
        "name_match": (
            sum(1 for n in claim.names if n in passage_names) / len(claim.names)
            if claim.names
            else 0.0
        ),
        "neg_claim": _flag(claim.tokens, NEGATIONS),
        "neg_mismatch": abs(_flag(claim.tokens, NEGATIONS) - _flag(best.tokens, NEGATIONS)),
        "dir_conflict": (
            1.0
            if (claim_up and best_down and not best_up)
            or (claim_down and best_up and not best_down)
            else 0.0
        ),
        "absolute_gap": (
            1.0 if any(t in ABSOLUTES and t not in best.tokens for t in claim.tokens) else 0.0
        ),
        "hedge_claim": _flag(claim.tokens, HEDGES),
        "hedge_sent": _flag(best.tokens, HEDGES),
        "claim_len": math.log1p(len(claim.terms)),
    }
    return np.array([values[name] for name in FEATURE_NAMES], dtype=np.float32), int(order[0])
