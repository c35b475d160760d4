"""The matching core stays pure: no web framework, ORM or schema library is ever imported."""

import subprocess
import sys

MODULES = [
    "referral.matching",
    "referral.matching.text",
    "referral.matching.index",
    "referral.matching.places",
    "referral.matching.engine",
    "referral.matching.bundle",
    "referral.matching.explain",
    "referral.matching.safety",
    "referral.matching.urgent",
    "referral.matching.assessment",
    "referral.matching.pipeline",
    "referral.matching.lexical",
    "referral.matching.reading",
    "referral.matching.lexindex",
    "referral.matching.cues",
]
# The only third-party packages the core may import (pure-python text libraries included).
# geographiclib comes with geopy, cython_runtime with rapidfuzz, pkg_resources (when setuptools is
# installed) with jieba, which reads its dictionary through it.
ALLOWED = {
    "numpy",
    "rapidfuzz",
    "geopy",
    "geographiclib",
    "cython_runtime",
    "jieba",
    "snowballstemmer",
    "pkg_resources",
    "pypinyin",  # pypinyin: toneless pinyin keys of place names
    "pytz",
}  # geopy imports it when installed (flask-babel installs it): pure time-zone data, no I/O
# geopy's adapters import requests when it is installed (schemathesis and frictionless, dev dependencies,
# install it): imported, never called by the core (geocoders are used where data is written, geocoding.py)
ALLOWED |= {"requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet", "socks"}


def test_importing_the_core_never_imports_flask_sqlalchemy_or_marshmallow():
    code = (
        f"import sys, {', '.join(MODULES)}\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = {'flask', 'sqlalchemy', 'marshmallow', 'werkzeug'} & loaded\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_core_imports_only_the_standard_library_and_its_allowed_packages():
    code = (
        f"import sys, {', '.join([*MODULES, 'referral.matching.placenames', 'referral.matching.placefind'])}\n"
        "import referral.matching.taxonomy as t\n"
        "from referral.matching.types import NeedTerm\n"
        "t.Taxonomy([NeedTerm('a', None, {'zh': '自闭症', 'en': 'autism'})]).reader.read('自闭症 autism')\n"
        "roots = {m.split('.')[0] for m in sys.modules if not m.startswith('_')}\n"
        "print('\\n'.join(sorted(roots - set(sys.stdlib_module_names) - {'referral'})))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    found = [m for m in found if not m.endswith("__mypyc")]  # the runtime helper of a mypyc-compiled package
    assert set(found) <= ALLOWED, set(found) - ALLOWED
