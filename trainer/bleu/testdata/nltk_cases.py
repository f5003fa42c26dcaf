"""Regenerate the NLTK cross-check cases of trainer/bleu (run with Debian's python3-nltk):

    /usr/bin/python3 trainer/bleu/testdata/nltk_cases.py [--data DIR]

DIR (default: shared/data/tatoeba-en-de beside the repository) holds the Tatoeba English->German
test split test.src / test.tgt. The script writes, next to itself,
  ref.txt           the German references (test.tgt, 500 lines),
  long_ref.txt      the references with at least 8 13a tokens (for the long_* cases),
  src.txt           the English sources (test.src),
  <case>.hyp        one hypothesis set per case (perturbations of the references, see CASES),
  nltk_cases.tsv    NLTK's corpus_bleu x 100 on 13a-tokenised text (mt_ref.py's tok13a) with NLTK's
                    n-gram statistics, one line per case (read by nltk_test.go).
Everything is seeded: re-running it gives the same files and figures.
"""
import argparse
import os
import random
import re
import warnings
from collections import Counter

import nltk
from nltk.translate.bleu_score import corpus_bleu, modified_precision, closest_ref_length

HERE = os.path.dirname(os.path.abspath(__file__))


def tok13a(line):  # verbatim from shared/bench/mt_ref.py
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    line = re.sub(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", r" \1 ", line)
    line = re.sub(r"([^0-9])([\.,])", r"\1 \2 ", line)
    line = re.sub(r"([\.,])([^0-9])", r" \1 \2", line)
    line = re.sub(r"([0-9])(-)", r"\1 \2 ", line)
    return line.split()


def drop_words(lines, p, rng, keep=1):
    """Drop each word with probability p, keeping at least `keep` words (the first ones)."""
    out = []
    for l in lines:
        w = l.split()
        kept = [x for x in w if rng.random() >= p]
        out.append(" ".join(kept if len(kept) >= min(keep, len(w)) else w[:keep]))
    return out


def swap_words(lines, p, rng):
    out = []
    for l in lines:
        w = l.split()
        for i in range(len(w) - 1):
            if rng.random() < p:
                w[i], w[i + 1] = w[i + 1], w[i]
        out.append(" ".join(w))
    return out


def truncate(lines, frac, keep=1):
    out = []
    for l in lines:
        w = l.split()
        out.append(" ".join(w[: max(keep, int(len(w) * frac))]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "tatoeba-en-de"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    with open(os.path.join(args.data, "test.tgt"), encoding="utf-8") as f:
        refs = [l.rstrip("\n") for l in f]
    with open(os.path.join(args.data, "test.src"), encoding="utf-8") as f:
        srcs = [l.rstrip("\n") for l in f]
    rng = random.Random(20261129)
    shuffled = refs[:]
    rng.shuffle(shuffled)
    cases = {
        "identity": refs,
        "drop10": drop_words(refs, 0.10, rng),
        "drop30": drop_words(refs, 0.30, rng),
        "swap20": swap_words(refs, 0.20, rng),
        "truncate60": truncate(refs, 0.6),
        "lower": [l.lower() for l in refs],
        "copysource": srcs,
        "shuffled": shuffled,
        "half50": [r if i % 2 == 0 else s for i, (r, s) in enumerate(zip(refs, srcs))],
        "first50": refs[:50],
    }
    # "long" cases: the pairs whose reference has at least 8 13a tokens, perturbed so that every
    # hypothesis keeps at least 4 tokens; there NLTK's per-sentence denominator floor of 1 never
    # applies, so NLTK and sacreBLEU must agree wherever no order has zero matches.
    idx = [i for i, r in enumerate(refs) if len(tok13a(r)) >= 8]
    lrefs = [refs[i] for i in idx]
    lsrcs = [srcs[i] for i in idx]
    lshuf = lrefs[:]
    rng.shuffle(lshuf)
    long_cases = {
        "long_drop10": drop_words(lrefs, 0.10, rng, keep=4),
        "long_drop30": drop_words(lrefs, 0.30, rng, keep=4),
        "long_swap20": swap_words(lrefs, 0.20, rng),
        "long_truncate60": truncate(lrefs, 0.6, keep=4),
        "long_lower": [l.lower() for l in lrefs],
        "long_half50": [r if i % 2 == 0 else s for i, (r, s) in enumerate(zip(lrefs, lsrcs))],
        "long_shuffled": lshuf,
    }
    with open(os.path.join(HERE, "long_ref.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lrefs) + "\n")
    with open(os.path.join(HERE, "ref.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(refs) + "\n")
    with open(os.path.join(HERE, "src.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(srcs) + "\n")
    rows = [f"# NLTK {nltk.__version__} corpus_bleu x 100 and its n-gram statistics per case, written by nltk_cases.py:",
            "# name, hypothesis lines, bleu, numerators of orders 1-4, denominators of orders 1-4, hyp_len, ref_len (tab-separated)."]
    for name, hyps in list(cases.items()) + list(long_cases.items()):
        with open(os.path.join(HERE, name + ".hyp"), "w", encoding="utf-8") as f:
            f.write("\n".join(hyps) + "\n")
        r = (lrefs if name.startswith("long_") else refs)[: len(hyps)]
        rt = [[tok13a(x)] for x in r]
        ht = [tok13a(x) for x in hyps]
        score = 100.0 * corpus_bleu(rt, ht)
        num, den = [], []
        for n in range(1, 5):
            ps = [modified_precision(a, b, n) for a, b in zip(rt, ht)]
            num.append(sum(p.numerator for p in ps))
            den.append(sum(p.denominator for p in ps))
        hl = sum(len(h) for h in ht)
        rl = sum(closest_ref_length(a, len(b)) for a, b in zip(rt, ht))
        rows.append("\t".join([name, str(len(hyps)), repr(score)] + [str(x) for x in num + den] + [str(hl), str(rl)]))
    with open(os.path.join(HERE, "nltk_cases.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
