"""Quality of the ai service's answers and recommendations on the labelled set (services/ai/eval/).

    uv run python bench/ai_quality.py          # the figures with the weights the service uses
    uv run python bench/ai_quality.py --tune   # choose the weights on the dev half, then the same figures

Prints recall@1, recall@3 and MRR per language (overall, and per half: dev = the stores the weights were
chosen on, test = the others), how many unanswerable questions are recognised, and recommendation
hit-rate@5 on held-out orders against a popularity baseline. Uses the models the packages ship; loads no
database. Asserts nothing."""

import argparse
import resource
import time

from matjip_ai.domain.questions import FUSION, RELEVANCE
from matjip_ai.evaluation.dataset import all_reviews, load_stores
from matjip_ai.evaluation.metrics import by
from matjip_ai.evaluation.recommendations import recommendation_figures
from matjip_ai.evaluation.retrieval import outcomes, prepare
from matjip_ai.evaluation.tuning import choose
from matjip_ai.text.models import load_text_models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="choose fusion and relevance on the dev half first")
    arguments = parser.parse_args()

    started = time.perf_counter()
    models = load_text_models()
    print(f"models: {models.embedder.name} + {models.analyzer.name}, loaded in {time.perf_counter() - started:.1f} s")
    stores = load_stores()
    questions = [q for s in stores for q in s.questions]
    print(
        f"labelled set: {len(stores)} stores ({', '.join(sorted({s.kind for s in stores}))}), "
        f"{all_reviews(stores)} reviews, {len(questions)} questions "
        f"({sum(q.language.value == 'ko' for q in questions)} Korean, "
        f"{sum(q.language.value == 'en' for q in questions)} English; "
        f"{sum(not q.answerable for q in questions)} that no review answers)"
    )
    started = time.process_time()
    prepared = prepare(stores, models.embedder, models.analyzer)
    print(f"embedded and analysed the set in {time.process_time() - started:.1f} s of CPU")

    fusion, relevance = FUSION, RELEVANCE
    if arguments.tune:
        choice = choose(prepared, RELEVANCE)
        fusion, relevance = choice.fusion, choice.relevance
        print(f"chosen on dev: {fusion}, {relevance}")
    else:
        print(f"service weights: {fusion}, {relevance}")

    found = outcomes(prepared, fusion, relevance)
    split_of = {p.store.key: p.store.split for p in prepared}
    print("\nquestions (recall@k: the share of answerable questions with a labelled review in the top k)")
    for language, figures in by(found, lambda o: o.question.language.value).items():
        print(f"  all  {language}  {figures.line()}")
    for half in ("dev", "test"):
        part = [o for o in found if split_of[o.question.store_key] == half]
        for language, figures in by(part, lambda o: o.question.language.value).items():
            print(f"  {half:<4} {language}  {figures.line()}")

    print("\nrecommendations (held-out last order of each simulated customer; weights chosen on the even ones)")
    parities: tuple[tuple[str, int | None], ...] = (("all ", None), ("even", 0), ("odd ", 1))
    for name, parity in parities:
        print(f"  {name} {recommendation_figures(stores, models.embedder, half=parity).report()}")
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
