"""Classifier throughput: posts per second for normalize + classify over the shipped taxonomy.

Builds synthetic posts the length of real ones (15-45 words: handles, place names, filler,
and a keyword of a random category in a third of them, an emergency phrase in a few), then
times ``normalize_text``, the keyword classifier alone (``Classifier``, the baseline) and the
default classifier (``ModelClassifier``: the model weighed with the phrases), in the same run.
Also reports how long loading the taxonomy, building the matcher and training the model take
(once per process).

    python3 .ci/dev python benchmarks/classify.py --posts 20000
"""

from __future__ import annotations

import argparse
import random
import time

FILLER = ("sir please help jaldi kal raat abhi subah shaam mera meri mere bhai ghar gali mohalla market "
          "thana chauki road chauraha station colony sector near ke paas mein se ko hai hain tha "
          "the was is my our at in on from today yesterday kripya turant karyavahi karein dhanyavad "
          "मेरा मेरी घर गली बाजार थाना कल आज अभी रात सुबह कृपया तुरंत कार्यवाही करें धन्यवाद").split()
PLACES = ("hazratganj aliganj gomti-nagar chinhat alambagh aminabad charbagh indira-nagar jankipuram "
          "हजरतगंज अलीगंज आलमबाग चारबाग").split()
HANDLES = ["@uppolice", "@lkopolice", "@dgpup", "@112UttarPradesh", "@rajpolice"]


def posts(n: int, seed: int = 1) -> list[str]:
    from shikayat.taxonomy import shipped_taxonomy

    taxonomy = shipped_taxonomy()
    keywords = [k for cat in taxonomy for k in cat.keywords]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = [rng.choice(HANDLES), *rng.sample(FILLER, rng.randrange(10, 35)), rng.choice(PLACES)]
        if i % 3 == 0:
            parts.insert(rng.randrange(1, len(parts)), rng.choice(keywords))
        if i % 50 == 0:
            parts.insert(rng.randrange(1, len(parts)), rng.choice(taxonomy.emergency))
        if i % 4 == 0:
            parts.append(f"https://t.co/{rng.randrange(10**8):x}")
        out.append(" ".join(parts) + rng.choice(["", "!!", " 🙏", "।"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20000)
    args = parser.parse_args()

    from shikayat.taxonomy import build_taxonomy
    t0 = time.perf_counter()
    taxonomy = build_taxonomy([])
    load = time.perf_counter() - t0
    from shikayat.classify import Classifier
    from shikayat.complaint import detect_language
    from shikayat.textnorm import normalize_text
    from shikayat.learn import ModelClassifier
    from shikayat.training import shipped_examples
    t0 = time.perf_counter()
    classifier = Classifier(taxonomy)
    build = time.perf_counter() - t0
    shipped_examples()                           # reading the files is not training
    t0 = time.perf_counter()
    model = ModelClassifier(taxonomy, keywords=classifier)
    trained = time.perf_counter() - t0

    texts = posts(args.posts)
    words = sum(len(t.split()) for t in texts) / len(texts)
    t0 = time.perf_counter()
    normalized = [normalize_text(t) for t in texts]
    t_norm = time.perf_counter() - t0
    languages = [detect_language(t) for t in texts]
    t0 = time.perf_counter()
    [classifier.classify(n, lang) for n, lang in zip(normalized, languages, strict=True)]
    t_kw = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = [model.classify(n, lang) for n, lang in zip(normalized, languages, strict=True)]
    t_cls = time.perf_counter() - t0

    categorised = sum(r.category != "uncategorised" for r in results) / len(results)
    critical = sum(r.priority.value == "critical" for r in results) / len(results)
    print(f"taxonomy: {len(taxonomy)} categories, {classifier.size} phrases; "
          f"load {load * 1000:.0f} ms, matcher build {build * 1000:.0f} ms, model training {trained * 1000:.0f} ms "
          f"({model.model.features} features; once per process)")
    print(f"{len(texts)} posts, {words:.1f} words on average; {categorised:.0%} categorised, {critical:.0%} critical")
    print(f"normalize_text:       {len(texts) / t_norm:>9,.0f} posts/s  ({t_norm / len(texts) * 1e6:.1f} µs/post)")
    print(f"keyword classifier:   {len(texts) / t_kw:>9,.0f} posts/s  ({t_kw / len(texts) * 1e6:.1f} µs/post)  baseline")
    print(f"classify (default):   {len(texts) / t_cls:>9,.0f} posts/s  ({t_cls / len(texts) * 1e6:.1f} µs/post)")
    both = t_norm + t_cls
    print(f"normalize + classify: {len(texts) / both:>9,.0f} posts/s  ({both / len(texts) * 1e6:.1f} µs/post)")


if __name__ == "__main__":
    main()
