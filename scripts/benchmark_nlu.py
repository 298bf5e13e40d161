"""NLU benchmark on the held-out set: intent macro-F1 per language, confusions, city entities.

Run with `make benchmark`; writes docs/nlu-benchmark.md. The held-out examples in
tests/data/nlu_holdout/ are never used for training.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import time
from pathlib import Path
from typing import Any

import yaml
from sklearn.metrics import f1_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = ROOT / "tests" / "data" / "nlu_holdout"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\((\w+)\)|\{([^}]*)\})")


def load_holdout(folder: Path = HOLDOUT) -> list[dict[str, Any]]:
    """Held-out examples as dicts: text, intent, lang and annotated entities (label, text)."""
    examples = []
    for file in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(file.read_text(encoding="utf-8"))["nlu"]:
            lang = block["metadata"]["lang"]
            for line in block["examples"].splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                raw = line[2:]
                entities = []
                for m in _ANNOTATION.finditer(raw):
                    label = m.group(2) or yaml.safe_load("{" + m.group(3) + "}")["entity"]
                    entities.append((label, m.group(1)))
                text = _ANNOTATION.sub(lambda m: m.group(1), raw)
                examples.append(
                    {"text": text, "intent": block["intent"], "lang": lang, "entities": entities}
                )
    return examples


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def intent_macro_f1(
    examples: list[dict[str, Any]], parses: list[dict[str, Any]], lang: str
) -> float:
    """Intent macro-F1 over the held-out examples of one language."""
    rows = [(e, p) for e, p in zip(examples, parses, strict=True) if e["lang"] == lang]
    gold = [e["intent"] for e, _ in rows]
    pred = [p["intent"]["name"] for _, p in rows]
    return float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0))


def holdout_macro_f1(model: Path) -> dict[str, float]:
    """Intent macro-F1 per language of `model` on the held-out set (the quality gate's figure)."""
    examples = load_holdout()
    parses = asyncio.run(_parse_all(model, [e["text"] for e in examples]))
    return {lang: intent_macro_f1(examples, parses, lang) for lang in ("de", "en")}


def evaluate(model: Path) -> str:
    examples = load_holdout()
    started = time.perf_counter()
    parses = asyncio.run(_parse_all(model, [e["text"] for e in examples]))
    per_message_ms = (time.perf_counter() - started) / len(examples) * 1000
    lines = [
        "# NLU benchmark (held-out set)",
        "",
        f"Model: `{model.name}`; {len(examples)} held-out examples from `tests/data/nlu_holdout/`",
        "(never used for training). Reproduce with `make benchmark`.",
        "",
        "| language | examples | intent macro-F1 | accuracy | city entities found |",
        "|---|---|---|---|---|",
    ]
    details = []
    for lang in ("de", "en"):
        rows = [(e, p) for e, p in zip(examples, parses, strict=True) if e["lang"] == lang]
        gold = [e["intent"] for e, _ in rows]
        pred = [p["intent"]["name"] for _, p in rows]
        labels = sorted(set(gold))
        macro = intent_macro_f1(examples, parses, lang)
        accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
        wanted = sum(1 for e, _ in rows for label, _ in e["entities"] if label == "city")
        found = sum(
            min(
                sum(1 for label, _ in e["entities"] if label == "city"),
                sum(1 for ent in p["entities"] if ent["entity"] == "city"),
            )
            for e, p in rows
        )
        lines.append(f"| {lang} | {len(rows)} | {macro:.3f} | {accuracy:.3f} | {found}/{wanted} |")
        _, _, f1s, _ = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
        confusions = collections.Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
        details += ["", f"## {lang}: weakest intents", ""]
        details += [
            f"- {label}: F1 {f1:.2f}"
            for label, f1 in sorted(zip(labels, f1s, strict=True), key=lambda x: x[1])[:5]
        ]
        details += ["", f"## {lang}: confusion pairs (gold → predicted, count)", ""]
        details += [f"- {g} → {p}: {n}" for (g, p), n in confusions.most_common()] or ["- none"]
        errors = [
            (e["text"], e["intent"], p["intent"]["name"])
            for e, p in rows
            if e["intent"] != p["intent"]["name"]
        ]
        details += ["", f"<details><summary>{lang}: misclassified examples</summary>", ""]
        details += [f"- “{t}”: {g} → {p}" for t, g, p in errors] or ["- none"]
        details += ["", "</details>"]
    lines += [
        "",
        f"Mean parse time: {per_message_ms:.1f} ms per message (in-process, incl. CityMatcher).",
    ]
    return "\n".join(lines + details) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "nlu-benchmark.md")
    args = parser.parse_args()
    report = evaluate(args.model)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
