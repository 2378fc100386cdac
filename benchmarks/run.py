"""Build benchmark: medians for `newsletter build` and its stages, and ratios against
Node's mjml + juice when node is available.

    python benchmarks/run.py [--rounds N] [--issue ISSUE]

Node baseline: `npm install --prefix benchmarks` once (mjml and juice, pinned in
benchmarks/package.json). Without node or those modules the Node columns are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.build import edition_status, render_issue  # noqa: E402
from pipeline.issue import load_issue  # noqa: E402
from pipeline.localize import make_edition  # noqa: E402
from pipeline.render import Renderer, _edition_tree, compile_mjml, inline_css, templates_dir_for  # noqa: E402
from pipeline.segments import extract_segments  # noqa: E402


def median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# Python as users run it: bytecode cached in __pycache__ (some sandboxes set
# PYTHONDONTWRITEBYTECODE, which makes every process recompile the package's sources).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def whole_process_ms(cmd: list[str], rounds: int, before=None) -> float:
    subprocess.run(cmd, check=True, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(rounds):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--issue", default=None)
    args = parser.parse_args()
    n = args.rounds

    issue = load_issue(args.issue, ROOT / "newsletters")
    languages = [issue.project.source_language, *issue.target_languages]
    segments = extract_segments(issue)
    texts = {lang: edition_status(issue, lang, segments)[1] for lang in languages}
    editions = {lang: make_edition(issue, lang, lambda s, t=texts[lang]: t.get(s.id, s.source)) for lang in languages}
    templates = templates_dir_for(issue.project.root)
    renderer = Renderer(templates)
    mjml_docs = {lang: renderer.mjml(_edition_tree(ed)) for lang, ed in editions.items()}
    compiled = compile_mjml(mjml_docs["en"])
    inline_css(compiled)  # warm premailer/cssutils

    print(f"issue {issue.id}: {len(languages)} editions, {len(segments)} segments, rounds={n}\n")
    stage = {
        "load + validate issue": median_ms(lambda: load_issue(issue.id, ROOT / "newsletters"), n),
        "localize 10 editions (memory + Babel)": median_ms(
            lambda: [make_edition(issue, lang, lambda s, t=texts[lang]: t.get(s.id, s.source)) for lang in languages], n),
        "Jinja2 -> MJML (one document)": median_ms(lambda: renderer.mjml(_edition_tree(editions["en"])), n),
        "mjml-python compile (one document)": median_ms(lambda: compile_mjml(mjml_docs["en"]), n),
        "premailer inline, warm (one document)": median_ms(lambda: inline_css(compiled), n),
        "fill 10 languages into a skeleton": median_ms(lambda: [renderer.html(ed) for ed in editions.values()], n),
        "plain text, 10 editions": median_ms(lambda: [renderer.text(ed) for ed in editions.values()], n),
    }
    naive = median_ms(lambda: [inline_css(compile_mjml(doc)) for doc in mjml_docs.values()], max(3, n // 3))
    preview = Renderer(templates)
    render_issue(issue, languages, preview)
    # A preview server's save: re-read and validate the issue file, then rebuild every edition.
    reload = lambda: load_issue(issue.id, ROOT / "newsletters")  # noqa: E731
    warm_same_layout = median_ms(lambda: render_issue(reload(), languages, preview), n)
    warm_new_layout = median_ms(lambda: render_issue(reload(), languages, Renderer(templates)), max(3, n // 3))

    out = Path(tempfile.mkdtemp(prefix="nl-bench-"))
    newsletter = [sys.executable, "-m", "pipeline.cli", "build", issue.id, "--out", str(out)]
    fresh_out = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
    cold = whole_process_ms(newsletter + ["--no-cache"], max(3, n // 3), before=fresh_out)
    new_folder = whole_process_ms(newsletter, n, before=fresh_out)  # the project's .cache/ is warm
    warm_cache = whole_process_ms(newsletter, n)

    for name, value in stage.items():
        print(f"  {name:<44} {value:8.1f} ms")
    print()
    print(f"  {'naive warm: MJML+premailer per language x10':<44} {naive:8.1f} ms")
    print(f"  {'(a) warm rebuild, same layout (preview save)':<44} {warm_same_layout:8.1f} ms")
    print(f"  {'(a) warm rebuild, layout changed':<44} {warm_new_layout:8.1f} ms")
    print(f"  {'(b) newsletter build process, no cache':<44} {cold:8.1f} ms")
    print(f"  {'(b) build process, new --out, cache warm':<44} {new_folder:8.1f} ms")
    print(f"  {'(b) build process, same --out, cache warm':<44} {warm_cache:8.1f} ms")

    node = shutil.which("node")
    modules = ROOT / "benchmarks" / "node_modules"
    if not node or not (modules / "mjml").is_dir() or not (modules / "juice").is_dir():
        print("\nNode baseline skipped: needs node and `npm install --prefix benchmarks`.")
        return
    docs_dir = Path(tempfile.mkdtemp(prefix="nl-bench-mjml-"))
    for lang, doc in mjml_docs.items():
        (docs_dir / f"{lang}.mjml").write_text(doc, "utf-8")
    script = str(ROOT / "benchmarks" / "node_build.js")
    result = subprocess.run([node, script, str(docs_dir), str(n + 3)], check=True, capture_output=True, text=True)
    node_warm = statistics.median(json.loads(result.stdout)["times_ms"][3:])
    node_process = whole_process_ms([node, script, str(docs_dir), "1", str(docs_dir)], max(3, n // 3))
    print()
    print(f"  {'Node mjml+juice warm, 10 documents':<44} {node_warm:8.1f} ms")
    print(f"  {'Node mjml+juice whole process':<44} {node_process:8.1f} ms")
    print()
    print(f"  (a) warm, same layout:   {node_warm / warm_same_layout:5.1f}x faster than Node warm (goal >= 5x)")
    print(f"  (a) warm, layout change: {node_warm / warm_new_layout:5.1f}x faster than Node warm")
    print(f"  (b) process, cached:     {node_process / warm_cache:5.1f}x faster than Node process (goal >= 2x)")
    print(f"  (b) process, new --out:  {node_process / new_folder:5.1f}x faster than Node process")
    print(f"  (b) process, no cache:   {node_process / cold:5.1f}x faster than Node process")
    print(f"  naive Python warm vs Node warm: {node_warm / naive:5.1f}x")


if __name__ == "__main__":
    main()
