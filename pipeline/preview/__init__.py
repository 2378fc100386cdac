"""`newsletter preview`: one warm process that watches an issue, rebuilds it and reloads the pages.

    from pipeline.preview import make_app, serve, run_preview

`make_app(newsletters_dir, issue_ref)` is the WSGI app (state and `.rebuild()` for tests),
`serve(app, host, port)` the loop, `run_preview(issue_ref, host, port, newsletters_dir)` both
plus the file watcher (what the CLI calls). Marks exist only here: see `marks`.
"""

from .server import PreviewApp, make_app, make_server, run_preview, serve
from .watcher import Watcher

__all__ = ["PreviewApp", "make_app", "make_server", "serve", "run_preview", "Watcher"]
