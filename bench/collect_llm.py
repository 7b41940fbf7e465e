"""Ask the model about every labelled pair once (answers go to bench/cache/llm-probs.json), in a
seeded shuffled order that interleaves splits and labels, so that a run cut short still leaves a
balanced sample for calibration and evaluation. `python -m bench.collect_llm LLM_BASE_URL`"""
from __future__ import annotations

import random
import sys

from bench.disputes import CachedLLM, load_items


def main(url: str) -> None:
    from retrieval.contradictions.judge import Judge

    items, _ = load_items()
    random.Random(11).shuffle(items)
    llm = CachedLLM(url)
    for n, it in enumerate(items, 1):
        reg = it.registry
        Judge(llm, names=reg.display, aliases=reg.alias_items()).llm_probabilities(it.a, it.b)
        print(n, it.split, it.label, llm.calls, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
