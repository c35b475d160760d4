"""The needs taxonomy as the matcher sees it: terms by code, the hierarchy, labels, a phrase matcher
and the lexical reader of free text (reading.py), built once per taxonomy.

This module owns hierarchy walks (ancestors, descendants) and label fallback. It must not know
about services, places or scoring. Labels fall back to the term's first label, then to its code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from referral.matching.reading import Reader
from referral.matching.text import PhraseMatcher
from referral.matching.types import NeedTerm


class Taxonomy:
    """A read-only view of the needs taxonomy, built once per directory version."""

    def __init__(self, terms: Iterable[NeedTerm]):
        self.terms: dict[str, NeedTerm] = {t.code: t for t in terms}
        self.children: dict[str, list[str]] = {code: [] for code in self.terms}
        for term in self.terms.values():
            if term.parent in self.children:
                self.children[term.parent].append(term.code)
        for kids in self.children.values():
            kids.sort()
        self.codes: tuple[str, ...] = tuple(sorted(self.terms))
        self.matcher = PhraseMatcher((t.code, _phrases(t)) for t in self.terms.values())
        self._reader: Reader | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its lock and its reader (built again on first use: it shares the process's
        word lists, lexical.py), for an index built in another process (referral/buildaside.py)."""
        return {k: (None if k == "_reader" else v) for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __contains__(self, code: object) -> bool:
        return code in self.terms

    @property
    def reader(self) -> Reader:
        """The lexical reader of free text, built on first use (once per taxonomy)."""
        if self._reader is None:
            with self._lock:
                if self._reader is None:
                    self._reader = Reader(self.terms.values())
        return self._reader

    def ancestors(self, code: str) -> list[str]:
        """The code's parent, grandparent … up to its root (cycles and dangling parents stop the walk)."""
        found: list[str] = []
        parent = self.terms[code].parent
        while parent in self.terms and parent not in found and parent != code:
            found.append(parent)
            parent = self.terms[parent].parent
        return found

    def descendants(self, code: str) -> list[str]:
        """Every term below the code, depth first."""
        found: list[str] = []
        stack = list(reversed(self.children.get(code, [])))
        while stack:
            child = stack.pop()
            if child not in found and child != code:
                found.append(child)
                stack.extend(reversed(self.children[child]))
        return found

    def label(self, code: str, language: str) -> str:
        """The term's label in ``language``, else its first label, else its code."""
        labels = self.terms[code].labels if code in self.terms else {}
        return labels.get(language) or next(iter(labels.values()), code)


def _phrases(term: NeedTerm) -> list[str]:
    """Every label and synonym of a term, in every language."""
    phrases = list(term.labels.values())
    for synonyms in term.synonyms.values():
        phrases.extend(synonyms)
    return phrases
