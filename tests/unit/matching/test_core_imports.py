"""The matching core stays pure: no web framework, ORM or schema library is ever imported."""

import subprocess
import sys

MODULES = [
    "referral.matching", "referral.matching.text", "referral.matching.index", "referral.matching.places",
    "referral.matching.engine", "referral.matching.bundle", "referral.matching.explain",
    "referral.matching.safety", "referral.matching.urgent", "referral.matching.assessment", "referral.matching.reading",
]


def test_importing_the_core_never_imports_flask_sqlalchemy_or_marshmallow():
    code = (
        f"import sys, {', '.join(MODULES)}\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = {'flask', 'sqlalchemy', 'marshmallow', 'werkzeug'} & loaded\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# Third-party libraries the core may use: all pure or numeric, none of them I/O.
ALLOWED = {"numpy", "rapidfuzz", "geopy", "pypinyin",  # pypinyin: toneless pinyin keys of place names
           "geographiclib", "cython_runtime",  # what geopy.distance and compiled extensions bring along
           "pytz"}  # geopy imports it when installed (flask-babel installs it): pure time-zone data, no I/O


def test_the_core_imports_only_the_standard_library_and_its_allowed_libraries():
    modules = [*MODULES, "referral.matching.placenames", "referral.matching.placefind"]
    code = (
        f"import sys, {', '.join(modules)}\n"
        "outside = {m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) - {'referral', '_distutils_hack'}\n"
        f"extra = {{m for m in outside if not m.startswith('_')}} - {ALLOWED!r}\n"
        "assert not extra, extra\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
