"""Word and line statistics for a built-in text: the example `scripts/try.sh` measures.

Run it under rcov with branch coverage:

    python -m rcov.instrument --branch examples/text_stats.py

Some branches never run with this text (there are no empty words, no numbers
above a thousand), so the report shows missing lines and partial branches.
"""

from __future__ import annotations

import sys
from collections import Counter

TEXT = """\
The quick brown fox jumps over the lazy dog.
The dog sleeps; the fox runs away!

Foxes and dogs: 2 animals, 1 story.
"""


def words(line: str) -> list[str]:
    out = []
    for raw in line.split():
        word = raw.strip(".,;:!?").lower()
        if not word:
            continue
        out.append(word)
    return out


def classify(word: str) -> str:
    if word.isdigit():
        if int(word) > 1000:
            return "big number"
        return "number"
    elif len(word) <= 3:
        return "short"
    else:
        return "long"


def summarize(text: str) -> dict[str, object]:
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    blank = 0
    for line in text.splitlines():
        if not line.strip():
            blank += 1
            continue
        for word in words(line):
            counts[word] += 1
            kinds[classify(word)] += 1
    return {
        "lines": len(text.splitlines()),
        "blank": blank,
        "distinct": len(counts),
        "top": counts.most_common(3),
        "kinds": dict(sorted(kinds.items())),
    }


def main(argv: list[str]) -> int:
    text = TEXT
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
    stats = summarize(text)
    for key, value in stats.items():
        print(f"{key:>8}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
