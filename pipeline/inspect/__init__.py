"""inspect: `newsletter qa`, every edition in headless Chromium, and the gallery of screenshots.

    from pipeline.inspect import run_qa
    report = run_qa("2024-02-newsletter-2", strict=False)
    print(report.text()); sys.exit(report.exit_code)      # or json.dumps(report.as_dict())

The browser (Playwright and axe-core, the `qa` extra) is imported only when a run starts, so
importing this package costs nothing without it. Checks and severities: pipeline/inspect/
checks.py (the HTML itself) and pipeline/inspect/browser.py (layout, images, accessibility).
"""

from .findings import ERROR, WARNING, Finding, QaReport
from .run import check_build, run_qa

__all__ = ["run_qa", "check_build", "QaReport", "Finding", "ERROR", "WARNING"]
