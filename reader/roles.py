"""The role a sentence plays in a brief: finding, statistic, recommendation, forecast,
caveat or background; a forecast also gets the time it refers to, resolved against the run
date (a sentence about a time already past is not a forecast).

    sentence_role("Sales will double by 2030.", date(2026, 11, 30))
    -> Role(role=SentenceRole.FORECAST, when=TimeRef("by 2030", 2030-12-31, "2030", ...))

The method is rules over cue words, modal verbs, tense, numbers and time expressions, in the
order of the labelling guidelines' tie-break (recommendation > forecast > caveat > statistic
> finding > background): the first role whose cues a sentence carries wins. Rules were
chosen because they are fast (tens of thousands of sentences a second), explainable in a
report ("quoted because it recommends"), and scored on a hand-labelled dev set
(`scripts/data/sentence_roles_dev.jsonl`; `scripts/bench_roles.py` has the figures).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from reader.timex import TimeRef, latest, time_refs


class SentenceRole(StrEnum):
    FINDING = "finding"  # what is the case or was found, without a quantity at its core
    STATISTIC = "statistic"  # the point is a quantity: a number, share, effect size, p-value
    RECOMMENDATION = "recommendation"  # what someone should or should not do
    FORECAST = "forecast"  # what will happen after the run date, or at an unstated time
    CAVEAT = "caveat"  # a risk, limitation, warning, uncertainty or counter-consideration
    BACKGROUND = "background"  # context, definitions, method, history, framing, aims


@dataclass(frozen=True)
class Role:
    """A sentence's role; `when` is set for forecasts that state a time, else None."""

    role: SentenceRole
    when: TimeRef | None = None
    cue: str = ""  # the words that decided the role, for explanations and debugging

    @property
    def when_date(self) -> date | None:
        return self.when.end if self.when else None


def _words(*alternatives: str) -> str:
    return r"\b(?:" + "|".join(alternatives) + r")\b"


# -- recommendation -----------------------------------------------------------------------
_DEONTIC = re.compile(
    _words(
        r"should(?:n't| not)?",
        r"must(?:n't| not)?",
        r"ought(?:n't)? to",
        r"needs? to",
        r"have to (?:be |start|stop|invest)",
        r"we (?:strongly )?(?:recommend|propose|suggest|urge|advise)",
        r"(?:is|are) (?:strongly )?recommended",
        r"recommend(?:s|ed)? (?:that|against|the use|using|lifestyle)",
        r"to recommend",
        r"(?:is|are|remains?|be) (?:still |also )?warranted",
        r"(?:is|are) (?:essential|imperative|advisable|crucial|vital|critical|important|"
        r"necessary) (?:to|that) \w+",
        r"(?:are|is) (?:still )?(?:needed|required) to",
        r"(?:research|studies|work|trials) (?:is|are) (?:needed|required|necessary)",
        r"let's",
        r"let us",
        r"please",
        r"the only way to \w+ (?:\w+ ){0,4}is (?:to|for)",
        r"it is time to",
        r"(?:we|you|they|companies|firms|governments?|people|parents) (?:can|could) "
        r"(?:fix|avoid|prevent|start|stop)",
    ),
    re.IGNORECASE,
)
# "should" as expectation, not advice: "on paper GTM should be ahead", "should be affected".
_EPISTEMIC_SHOULD = re.compile(
    r"\bshould (?:be (?:ahead|affected|similar|higher|lower|larger|smaller|expected|possible|"
    r"able to (?!decide|choose|end|reach))|preferentially|amplify|impede|reduce|increase|"
    r"lead|produce|result|yield|favou?r)\b",
    re.IGNORECASE,
)
# Advice reported as what someone said: "press reports quoted the chief executive ...
# saying customers should always be able to reach a human".
_REPORTED_ADVICE = re.compile(
    r"\b(?:said|saying|says|quoted|told|acknowledg\w+|argued|wrote)\b.*\b(?:should|must)\b",
    re.IGNORECASE,
)
# A regularity stated as necessity: "When a general purpose technology arrives, firms must
# make large investments ..." describes what happens, it advises no one.
_GENERIC_MUST = re.compile(r"^(?:when|whenever|once|as)\b[^,]+,[^,]*\bmust\b", re.IGNORECASE)
_VERBS = """ask avoid begin build buy cancel change check choose clean compare consider
    create cut define delay direct do don't drop empty ensure evaluate expand find fix focus fund
    get give hire identify implement improve include increase invest judge keep limit make
    measure mist monitor move never pay plan point prefer prepare prioritise prioritize
    protect put raise read redesign reduce redirect remember remove replace require
    review rotate run see send set shift shrink start stop support take talk tell test
    think track train treat trim try turn use verify wait wipe water work write"""
_NOT_NEXT = "of is are was were has have had can could will would may might and or to for"
_IMPERATIVE_VERBS = frozenset(_VERBS.split())
_NOT_IMPERATIVE_NEXT = frozenset(_NOT_NEXT.split())
# "Support tickets rose 18%", "Test results were mixed": a verb that is a noun here, the
# sentence's own verb coming third. ("Review the results", "Track which tickets rose" keep
# a determiner second and stay advice.)
_THIRD = "is are was were has have had rose fell grew remained"
_DETERMINING = """the a an this that these those which what who your our their his her its
    each every all any no some more fewer less"""
_THIRD_WORD_VERBS = frozenset(_THIRD.split())
_DETERMINERS = frozenset(_DETERMINING.split())
_CONDITIONAL_IMPERATIVE = re.compile(r"^\w+ [^,.;]+ and you(?:'ll| will| would)\b", re.I)
_DISCOURSE = re.compile(
    r"^(?:read|put|seen|taken|viewed|looked at)\s+(?:that|this|so|simply|differently|"
    r"another|together|in)\b[^,]{0,30},\s*",
    re.IGNORECASE,
)
_INTRO = re.compile(
    r"^(?:before|after|if|when|once|until|unless|for|to|in short|first|then|finally|instead"
    r"|where possible|in practice)\b[^,]{0,80},\s*",
    re.IGNORECASE,
)

# -- forecast -----------------------------------------------------------------------------
_FUTURE = re.compile(
    # "will" the verb, not the noun ("at will", "free will", "the will of").
    r"(?<!\bat )(?<!\bfree )(?<!\bthe )(?<!\bgood )\bwill\b(?! to\b)"
    r"|\bwon't\b|\b(?:i|we|you|they|it)'ll\b"
    + "|"
    + _words(
        r"(?:is|are|was|were) (?:un)?likely to(?! be \w+ed\b)",
        r"(?:is|are) (?:expected|projected|forecast|predicted|set|poised|due|going) to",
        r"(?:expects?|forecasts?|predicts?|predicted|projects?|anticipates?) that",
        r"(?:expects?|expected|forecasts?|projected|anticipates?) (?:it|them|the|a|an|to)",
        r"we expect",
        r"projected",
        r"in the (?:coming|next) (?:years?|decades?|months?)",
        r"in the future",
        r"eventually",
        r"soon",
        r"over the (?:next|coming)",
        r"from now",
        r"can be expected to",
    ),
    re.IGNORECASE,
)
_WILL = re.compile(r"\b(?:will|won't|going to|expected to|projected)\b", re.IGNORECASE)
_POSSIBLE_HARM = re.compile(
    r"\b(?:can|could|may|might)\b.*\b(?:problems?|consequences|harm|damage|confusion|risk)",
    re.IGNORECASE,
)
# "This review will evaluate ...", "we will first review": a document's plan, not a forecast.
_OUTLINE = re.compile(
    r"^(?:(?:in )?this (?:review|paper|article|study|report|chapter|section)|we|here we|"
    r"(?:first|then|finally),? we)\b.{0,40}\bwill\b(?: (?:first|then|also|briefly))? "
    r"(?:be )?(?:review|describ|discuss|evaluat|present|summari[sz]|examin|focus|consider|"
    r"outline|address|explor|report|show)"
    r"|\bwill be used to\b",
    re.IGNORECASE,
)

# -- caveat -------------------------------------------------------------------------------
_CAVEAT = re.compile(
    r"^(?:however|but|although|though|nonetheless|nevertheless)\b|"
    + _words(
        r"however",
        r"limitations?",
        r"(?:was|were|is|are) limited",
        r"may not",
        r"might not",
        r"could not",
        r"cannot",
        r"can't",
        r"does not (?:prove|settle|mean|show|establish|guarantee)",
        r"do not (?:prove|settle|mean|show|establish|guarantee)",
        r"none of (?:this|these|them)",
        r"no guarantee",
        r"(?:real|serious|major|big|significant|the|a) risks? (?:of|that)",
        r"risks? of \w+ing",
        r"risky",
        r"caution",
        r"uncertain(?:ty|ties)?",
        r"unclear",
        r"unknown",
        r"not (?:yet )?(?:clear|known|understood)",
        r"ill-defined",
        r"lacking",
        r"(?:is|are) (?:mixed|inconsistent|conflicting)",
        r"not consistent",
        r"small sample",
        r"modest size",
        r"confound(?:ed|ing|s)?",
        r"bias(?:ed|es)?",
        r"generali[sz]e",
        r"imperfect",
        r"unreliable",
        r"silent",
        r"backfire",
        r"erode",
        r"harm(?:less)?",
        r"danger(?:ous)?",
        r"threat",
        r"downside",
        r"trouble",
        r"warn(?:s|ed|ing)?",
        r"careful to call",
        r"correlations?,? not",
        r"only a few",
        r"(?:require|need)s? further (?:investigation|research|study)",
        r"hard to (?:tell|prove|know|say)",
        r"too (?:costly|expensive)",
        r"very costly",
        r"criticised|criticized",
        r"not reassuring",
        r"smaller than it looks",
        r"degrad\w+",
        r"confidently wrong",
        r"stop at the edge",
        r"one segment",
        r"no change",
        r"may (?:see|get|cause|lead|increase|reduce)",
        r"could (?:allow|cause|lead|backfire|harm|increase)",
        r"can cause",
        r"serious consequences",
        r"at (?:a )?(?:greater|higher|increased) risk",
    ),
    re.IGNORECASE,
)

# -- statistic ----------------------------------------------------------------------------
_QUANTITY = re.compile(
    r"\d(?:[\d,.]*\d)?\s*(?:%|percent|per cent|percentage points?|-fold|fold|times)"
    r"|\b(?:p|P)\s*[<=>]\s*0?\.\d|\b(?:CI|OR|RR|HR|IQR|SD|SE|r|R2|R\^2|β|beta)\s*[=:,]"
    r"|\b(?:hazard|odds|risk) ratios?\b|\bconfidence interval"
    r"|\b(?:one|two|three|a) (?:third|quarter|fifth|half|tenth)s?\b"
    r"|\b(?:more|less|over|nearly|almost|about|under) than half\b|\b(?:over|nearly|about) half\b"
    r"|\b(?:two|three|four|five|ten)-fold\b"
    r"|\b(?:nine|eight|seven|six|five|four|three|two|one) in (?:ten|five|four|three)\b"
    r"|\b\d[\d,.]*\s*(?:million|billion|trillion|thousand|hours?|minutes?|days?|"
    r"working days|requests|conversations|agents)\b"
    r"|\b(?:from|to|of|by|averaged?|reaches|was|were|rose|fell)\s+\d[\d,.]*\b(?!\s*(?:years? old))"
    r"|\(\s*(?:Q\d: )?\d[\d,.]*\s*\)",
)
_YEAR_ONLY = re.compile(r"\b(?:19|20)\d\d\b")

# -- background ---------------------------------------------------------------------------
_SECTION = re.compile(
    r"^(?:BACKGROUND|OBJECTIVES?|CONTEXT|DESIGN|METHODS?|PATIENTS AND METHODS|SETTING|"
    r"PARTICIPANTS|MAIN OUTCOME MEASURES?|SUBJECTS|MEASUREMENTS|AIMS?|PURPOSE|INTRODUCTION)\b"
)
_BACKGROUND = re.compile(
    r"^(?:in|during|by) (?:1[0-9]|20)\d\d\b.*\b(?:spent|observed|wrote|argued|compared|began)\b"
    r"|^(?:in this (?:review|paper|article|study)|here,? we|we (?:studied|investigated|"
    r"examined|conducted|analy[sz]ed|report|address|obtained|recruited|describe|review)|"
    r"the aim|the purpose|the objective|this report|this review)\b"
    + "|"
    + _words(
        r"(?:was|were) (?:recruited|enrolled|excluded|randomi[sz]ed|collected|calculated|"
        r"measured|assessed|contacted|screened|defined|analy[sz]ed|reviewed|obtained)",
        r"(?:enrolled|recruited|randomi[sz]ed|surveyed|interviewed|followed) "
        r"(?:\d[\d,]*|some|about|over)",
        r"ran (?:an?|several) (?:online |pre-registered |randomi[sz]ed )?(?:experiment|trial)",
        r"(?:is|are) defined as",
        r"refers to",
        r"measures the",
        r"studied",
        r"compared",
        r"analysed|analyzed",
        r"working paper",
        r"(?:first )?circulated",
        r"formalised|formalized",
        r"commercially available",
        r"is the largest",
        r"comes? from",
        r"(?:18|19)\d0s",
        r"history",
        r"historical",
        r"illustrative",
        r"fictional",
        r"reanalysis",
        r"systematic review and meta-analysis",
        r"(?:primary|secondary) outcome",
        r"there is increasing interest",
    ),
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"%|\bp\s*[<=]|\b(?:estimated|found|reported|rose|fell|increased|decreased|reduced|"
    r"cut|higher|lower|more|less|fewer|improv\w+|double\w*|halved)\b",
    re.IGNORECASE,
)
# A finite verb a heading lacks; plural nouns make "-s" useless here, "-ed" is kept.
_VERB_HINT = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|may|might|will|would|"
    r"shall|should|must|\w+ed)\b",
    re.IGNORECASE,
)
# A caveat that governs the whole sentence, even one that says "will": "However, ... will
# not be uniformly effective", "there's no guarantee that children will ...".
_LEADING_CAVEAT = re.compile(
    r"^(?:however|but|although|though)\b|\bno guarantee\b|\bnot guaranteed\b|"
    r"\b(?:unclear|uncertain|unknown) (?:whether|if|how)\b",
    re.IGNORECASE,
)


# -----------------------------------------------------------------------------------------


def _recommends(text: str) -> str | None:
    """The cue that makes `text` advice, or None."""
    match = _DEONTIC.search(text)
    if match is not None:
        epistemic = _EPISTEMIC_SHOULD.search(text)
        reported = _REPORTED_ADVICE.search(text)
        generic = _GENERIC_MUST.search(text)
        if not (epistemic or reported or generic):
            return match.group(0)
    if _CONDITIONAL_IMPERATIVE.search(text):
        return None  # "Ask a sales leader and you will hear ...": a scene, not advice
    # An imperative opens the sentence ("Measure the net.") or follows an opening clause
    # ("Before rebalancing anything, measure the net."); a discourse marker ("Read that
    # way, ...") is a verb that instructs no one, so only what follows it can.
    marker = _DISCOURSE.match(text)
    stripped = text[marker.end() :] if marker else _INTRO.sub("", text, count=1)
    for clause, opening in ((text, not marker), (stripped, stripped != text)):
        words = re.findall(r"[A-Za-z']+", clause)
        if not opening or len(words) < 2 or words[0].lower() not in _IMPERATIVE_VERBS:
            continue
        capital = clause[:1].isupper() or clause is stripped
        if capital and words[1].lower() not in _NOT_IMPERATIVE_NEXT and not _noun_first(words):
            return words[0]
    return None


def _noun_first(words: list[str]) -> bool:
    """The first word is a noun of the subject: "Support tickets rose", "Test results were"."""
    if len(words) < 3 or words[1].lower() in _DETERMINERS:
        return False
    third = words[2].lower()
    return third in _THIRD_WORD_VERBS or (words[1].lower().endswith("s") and third.endswith("ed"))


def _heading(text: str) -> bool:
    """A title or heading rather than a sentence: capitalised, no closing stop, and short
    or without a verb. (Lower-case text without a stop is a sentence typed casually, as in
    argument corpora.)"""
    if _SECTION.match(text):
        return True
    if text.rstrip()[-1:] in ".!?\"'”)" or not text[:1].isupper():
        return False
    return len(text.split()) <= 6 or not _VERB_HINT.search(text)


def _is_statistic(text: str) -> str | None:
    # Years are dates, not quantities: "In 2024, 76% said" counts; "in 2023" alone does not.
    match = _QUANTITY.search(_YEAR_ONLY.sub("YEAR", text))
    return match.group(0) if match else None


def sentence_role(sentence: str, run_date: date, written: date | None = None) -> Role:
    """The role of one sentence read on `run_date` (`written`: the document's date, when
    known, anchors relative times such as "next year")."""
    text = " ".join(sentence.split())
    if not text:
        return Role(SentenceRole.BACKGROUND, cue="empty")
    refs = time_refs(text, run_date, written)
    target = latest(refs)
    advice = _recommends(text)
    if advice:
        return Role(SentenceRole.RECOMMENDATION, cue=advice)
    if _CONDITIONAL_IMPERATIVE.search(text):
        return Role(SentenceRole.BACKGROUND, cue="scene")
    future = _FUTURE.search(text)
    ahead = target is not None and target.end >= run_date
    if target is not None and not ahead:
        future = None  # every stated time is past: what was forecast then is history now
    outline = _OUTLINE.search(text)
    if outline:
        return Role(SentenceRole.BACKGROUND, cue=outline.group(0))
    if future is not None and _POSSIBLE_HARM.search(text) and not _WILL.search(text):
        future = None  # "can cause problems in the future": a risk, not a prediction
    if future is not None and not ahead and _LEADING_CAVEAT.search(text):
        future = None
    dated = ahead and target is not None and not target.relative and not _heading(text)
    if future is not None or dated:
        when = target if ahead else None
        return Role(SentenceRole.FORECAST, when=when, cue=future.group(0) if future else "")
    caveat = _CAVEAT.search(text)
    if caveat:
        return Role(SentenceRole.CAVEAT, cue=caveat.group(0))
    if _heading(text):
        return Role(SentenceRole.BACKGROUND, cue="heading")
    if _SECTION.match(text):
        return Role(SentenceRole.BACKGROUND, cue="section")
    method = _BACKGROUND.search(text)
    quantity = _is_statistic(text)
    # Counts that describe a method ("we studied 151 men") are background; a measured
    # result (a share, a p-value, a change) is a statistic even inside a method sentence.
    if quantity and not (method and not _RESULT.search(text)):
        return Role(SentenceRole.STATISTIC, cue=quantity)
    if method:
        return Role(SentenceRole.BACKGROUND, cue=method.group(0))
    short = len(text.split()) <= 8 or ":" in text
    if text[:1].isupper() and short and not _VERB_HINT.search(text):
        return Role(SentenceRole.BACKGROUND, cue="title")  # a title with a full stop
    return Role(SentenceRole.FINDING)


def sentence_roles(
    sentences: Iterable[str], run_date: date, written: date | None = None
) -> list[Role]:
    """`sentence_role` for many sentences (one document's, when `written` is given)."""
    return [sentence_role(s, run_date, written) for s in sentences]
