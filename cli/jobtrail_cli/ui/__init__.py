"""``jobtrail ui``: the history table as pages in the browser, served on this machine.

- ``server``: werkzeug's threaded server on 127.0.0.1, the run's token, a request log without it;
- ``app``: the Flask app: its routes (``/jobs``, ``/jobs/KIND/NAME``, ``/overview``, each with a ``.json``
  twin), the token and Host checks, the security headers, the error pages;
- ``pages``: what each page shows, read as the CLI's commands read it (``HistoryQueries`` through the
  run's ``Wiring``, the CLI's parsers, views and cost totals);
- ``charts``: the pictures, SVG drawn on the server (no JavaScript, nothing fetched);
- ``templates/`` and ``static/``: the pages' HTML (Jinja2) and their one stylesheet (package data).
"""
