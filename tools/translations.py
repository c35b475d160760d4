"""``make translations``: for each gettext catalogue of the package, extract the msgids from the code
(.pot), merge them into each language's .po, and compile the .mo (all committed, so a checkout and the
wheel need no build step). Translate the new entries of the .po files, then run it again.

The catalogues: the pages' words (referral/web, Flask-Babel), the API's problem titles and details
(referral/api, with the use cases', schemas' and core's error messages from the rest of referral/,
see referral/api/babel.cfg) and the matching core's sentences and labels (referral/matching, an extractor of its
tables). Tests import :data:`CATALOGUES` and :func:`extract` to prove every catalogue is complete and
current.

Usage: python tools/translations.py
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Catalogue:
    domain: str
    source: Path  # the package folder whose code holds the msgids
    keywords: tuple[str, ...] = ()  # markers besides gettext's own (_, gettext, pgettext …)
    also: tuple[Path, ...] = ()  # further package folders whose code holds msgids of this catalogue

    @property
    def mapping(self) -> Path:
        return self.source / "babel.cfg"

    @property
    def translations(self) -> Path:
        return self.source / "translations"

    def po(self, language: str) -> Path:
        return self.translations / language / "LC_MESSAGES" / f"{self.domain}.po"

    def languages(self) -> list[str]:
        return sorted(p.name for p in self.translations.iterdir() if self.po(p.name).is_file())


CATALOGUES = (
    Catalogue("messages", ROOT / "referral" / "web"),
    Catalogue("api", ROOT / "referral" / "api", keywords=("N_",), also=(ROOT / "referral",)),
    Catalogue("core", ROOT / "referral" / "matching"),
)


def extract(catalogue: Catalogue) -> set[tuple[str | None, str]]:
    """Every (context, msgid) the catalogue's code uses, as `pybabel extract` finds them."""
    with catalogue.mapping.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, **{k: None for k in catalogue.keywords}}
    found = set()
    for folder in (catalogue.source, *catalogue.also):
        for _file, _line, message, _comments, context in extract_from_dir(
            str(folder), method_map, options_map, keywords=keywords
        ):
            found.add((context, message if isinstance(message, str) else message[0]))
    return found


def compiled(po: Path) -> bytes:
    """The .mo of a .po, as `pybabel compile` writes it."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main() -> None:
    for catalogue in CATALOGUES:
        pot = _relative(catalogue.translations / f"{catalogue.domain}.pot")
        keywords = [arg for k in catalogue.keywords for arg in ("-k", k)]
        _pybabel(
            "extract",
            "-F",
            _relative(catalogue.mapping),
            *keywords,
            "-o",
            pot,
            "--sort-by-file",
            "--width",
            "120",
            "--project",
            "referral",
            "--copyright-holder",
            "the referral authors",
            _relative(catalogue.source),
            *map(_relative, catalogue.also),
        )
        _pybabel("update", "-D", catalogue.domain, "-i", pot, "-d", _relative(catalogue.translations), "--width", "120")
        # Written here rather than by `pybabel compile`, whose %-format check misreads a str.format text
        # such as "({percent}% sure)" as a "% s" placeholder and fails the run.
        for language in catalogue.languages():
            catalogue.po(language).with_suffix(".mo").write_bytes(compiled(catalogue.po(language)))
            print(f"compiled {catalogue.po(language).relative_to(ROOT)}")


def _relative(path: Path) -> str:
    """Paths as the .po files' "#:" comments show them: from the repository root."""
    return str(path.relative_to(ROOT))


def _pybabel(*args: str) -> None:
    subprocess.run([str(BIN / "pybabel"), *args], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
