"""Our reader against the real one: `conf.corosync` + `conf.coroparse` decide accept or
refuse, the line and the message exactly as corosync 3.1.7 does (reference 4.5).

Three sets: a fixed regression set with real corosync's recorded verdicts (runs anywhere:
tests/data/corosync_t/regressions.json, written by `python tests/corosync_corpus.py`),
the whole generated corpus against the live `corosync -t`, and hypothesis-generated text
against the live daemon.
"""

from __future__ import annotations

import base64
import grp
import json
import pwd
import shutil
from collections.abc import Callable

import pytest
from corosync_corpus import corosync_t, corpus, regression_inputs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import DATA
from prereq import require

from pvequorum.conf import coroparse, corosync

FIXTURE = DATA / "corosync_t" / "regressions.json"
CORPUS_SIZE = 2500


def _lookup(get: Callable[[str], object]) -> Callable[[str], bool]:
    def exists(name: str) -> bool:
        try:
            get(name)
        except (KeyError, UnicodeEncodeError, ValueError):
            return False
        return True

    return exists


HOST = coroparse.Accounts(_lookup(pwd.getpwnam), _lookup(grp.getgrnam))
RECORDING_HOST = coroparse.Accounts(lambda n: n == "root", lambda n: n == "root")


def ours(text: str, accounts: coroparse.Accounts) -> dict[str, object]:
    verdict = corosync.corosync_verdict(text, "F", accounts)
    if verdict is None:
        return {"ok": True}
    if verdict.aborts:
        return {"abort": True}
    return {"line": verdict.line, "message": verdict.message}


def _real(case: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in case.items() if k != "input"}


def test_the_fixture_holds_what_the_generator_makes() -> None:
    """The recorded inputs are today's regression inputs (re-record when they change)."""
    data = json.loads(FIXTURE.read_text())
    assert data["corosync"] == "Corosync Cluster Engine, version '3.1.7'"
    recorded = [
        base64.b64decode(str(c["input"])).decode("utf-8", "surrogateescape") for c in data["cases"]
    ]
    assert recorded == regression_inputs()


def test_every_recorded_verdict_is_ours() -> None:
    cases = json.loads(FIXTURE.read_text())["cases"]
    refused = [c for c in cases if "ok" not in c]
    assert len(cases) > 400 and len(refused) > 150  # the set exercises refusals
    wrong = []
    for case in cases:
        text = base64.b64decode(case["input"]).decode("utf-8", "surrogateescape")
        if ours(text, RECORDING_HOST) != _real(case):
            wrong.append((text[:80], _real(case), ours(text, RECORDING_HOST)))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab: x\n", {"line": 1, "message": 'Can\'t store key "ab" into icmap, returned error '
                     "is CS_ERR_NAME_TOO_LONG"}),
        ("totem.token: x\n", {"ok": True}),  # a plain string at the top level
        ("totem {\n  config_version: -1\n}\n", {"ok": True}),  # strtoull wraps
        ("\x00 ignored\n", {"ok": True}),
        ("totem {\n  version: 2\n", {"line": 2, "message": "Missing closing brace"}),
        ("resources {\n  system {\n    poll_period: x\n  }\n}\n", {"abort": True}),
    ],
)  # fmt: skip
def test_what_the_issue_measured(text: str, expected: dict[str, object]) -> None:
    assert ours(text, RECORDING_HOST) == expected


def _require_corosync() -> None:
    require(shutil.which("corosync") is not None, "needs `apt-get install corosync`")
    require(shutil.which("unshare") is not None, "needs util-linux's unshare")


def test_the_generated_corpus_against_real_corosync() -> None:
    _require_corosync()
    texts = corpus(CORPUS_SIZE)
    real = corosync_t(texts)
    wrong = [
        (i, texts[i][:120], r, ours(texts[i], HOST))
        for i, r in enumerate(real)
        if ours(texts[i], HOST) != r
    ]
    assert sum("ok" not in r for r in real) > CORPUS_SIZE // 3
    assert not wrong, f"{len(wrong)} of {CORPUS_SIZE} differ, first: {wrong[:3]}"


LINES = st.lists(
    st.one_of(
        st.sampled_from(["totem {", "quorum {", "nodelist {", "node {", "interface {", "}",
                         "logging {", "logger_subsys {", "uidgid {", "system {", "member {"]),
        st.builds(
            lambda k, v: f"{k}: {v}",
            st.sampled_from(["token", "two_node", "nodeid", "linknumber", "subsys", "uid",
                             "name", "ab", "a b", "crypto_model", "sched_rr", "memberaddr"]),
            st.sampled_from(["1", "-1", "x", "300", "root", "yes", "nss", "", "99999"]),
        ),
        st.text(alphabet="ab:{}# \t\x00\ré", max_size=12),
    ),
    max_size=14,
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(LINES)
def test_random_files_against_real_corosync(lines: list[str]) -> None:
    _require_corosync()
    text = "\n".join(lines) + "\n"
    assert ours(text, HOST) == corosync_t([text], workers=1)[0]
