"""Regenerate rag/retrieve/data/english_frequency.txt from the wordfreq package (dev-time only:
`pip install wordfreq && python scripts/make_english_frequency.py`).

The file lists common English words by Zipf frequency band (one band per line: "5.5 word word ...");
query understanding uses it to tell an untranslated everyday word ("working", "bring", "new") from a
rare one that names something ("citadel", "undersea"). Data: wordfreq by Robyn Speer, CC BY-SA 4.0.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

OUT = Path(__file__).resolve().parent.parent / "rag" / "retrieve" / "data" / "english_frequency.txt"
MIN_ZIPF = 3.5


def main() -> None:
    bands: dict[float, list[str]] = defaultdict(list)
    for word in top_n_list("en", 60000):
        if not re.fullmatch(r"[a-z]+", word):
            continue
        z = zipf_frequency(word, "en")
        if z >= MIN_ZIPF:
            bands[round(z * 2) / 2].append(word)  # half-Zipf bands
    lines = [
        "# English words by Zipf frequency band (wordfreq 3.1, CC BY-SA 4.0, Robyn Speer et al.);",
        "# regenerate with scripts/make_english_frequency.py. Words not listed are rarer than 3.5.",
    ]
    for band in sorted(bands, reverse=True):
        lines.append(f"{band:.1f} " + " ".join(sorted(bands[band])))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{sum(len(v) for v in bands.values())} words → {OUT}")


if __name__ == "__main__":
    main()
