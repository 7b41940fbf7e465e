"""The one lexicon every part of Analyst uses: words and stems, stopwords, sentences, report verbs,
negation. Fix a rule here and search, attribution, claims, the judge and the fronts all follow."""
from retrieval.text.lexicon import (
    CALENDAR, MONTHS, NEGATION, OPPOSITES, REPORT_VERBS, STOPWORDS, SUBORDINATE_END, WEEKDAYS, clip, content_words,
    normalise, opposite_terms, possessive, stem, stems, tokenize, uses, words,
)
from retrieval.text.sentences import Sentence, is_list_item_gap, line_spans, sentence_ends, sentence_spans, split_sentences

__all__ = [
    "CALENDAR", "MONTHS", "NEGATION", "OPPOSITES", "REPORT_VERBS", "STOPWORDS", "SUBORDINATE_END", "Sentence",
    "WEEKDAYS", "clip", "content_words", "is_list_item_gap", "line_spans", "normalise", "opposite_terms",
    "possessive", "sentence_ends", "sentence_spans", "split_sentences", "stem", "stems", "tokenize", "uses", "words",
]
