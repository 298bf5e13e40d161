"""The held-out multi-turn conversations of issue 7 through the real stack, against a threshold.

Starts `berlin-assistant serve` on free loopback ports, sends every conversation of
tests/conversations/heldout/ over the REST channel and writes var/results/conversation-eval.md.
The minimum pass rate per language lives in tests/conversations/thresholds.yml.
"""

from __future__ import annotations

import pytest

from tests.conversations.runner import LANGS, load_thresholds, run_and_report, summarise
from tests.stack import ROOT, Stack

pytestmark = pytest.mark.slow
REPORT = ROOT / "var" / "results" / "conversation-eval.md"


def test_heldout_conversations_pass_at_the_threshold_per_language(stack: Stack) -> None:
    results, report = run_and_report(
        stack.url,
        title="Held-out conversation evaluation (make test)",
        preamble=[
            "Written by `tests/test_heldout_conversations.py`; thresholds in "
            "`tests/conversations/thresholds.yml`."
        ],
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    summary = summarise(results)
    thresholds = load_thresholds()
    below = {
        lang: f"{summary.rate(lang):.1%} < {thresholds[lang]:.1%}"
        for lang in LANGS
        if summary.rate(lang) < thresholds[lang]
    }
    assert not below, f"held-out pass rate below threshold: {below}; see {REPORT}"
