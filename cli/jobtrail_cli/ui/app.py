"""The web app of ``jobtrail ui`` (Flask): its routes, who may read them, and what an error looks like.

Every request must come for ``127.0.0.1:PORT`` or ``localhost:PORT`` (the Host header: a site whose name
resolves to 127.0.0.1 cannot read the pages, against DNS rebinding) and carry the run's token: in the
URL the first time (``?token=…``, which a page then drops by redirecting to itself with an HttpOnly,
SameSite=Strict cookie, as Jupyter does), then the cookie, or an ``Authorization: Bearer`` header for
scripts. Without it: 403. Only GET and HEAD are answered: the pages read the table and never write.

Each page has a JSON twin, the same path with ``.json`` (``/jobs.json?kind=training``), holding the CLI's
``--json`` shapes. A bad parameter is a 400 page with the CLI's one-line message, an unknown job a 404, a
table that cannot be read (missing, no credentials, unreachable) a 503 with the CLI's reason; anything
else a 500 saying only that, its traceback logged on stderr. The server goes on serving after each.
"""

from __future__ import annotations

import hmac
import json
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote, urlencode

from flask import Flask, Response, redirect, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as AnyResponse

from jobtrail_cli.errors import EXIT_NOT_FOUND, EXIT_USAGE, UserError
from jobtrail_cli.render import dollars
from jobtrail_cli.timezone import displayed
from jobtrail_cli.ui import charts
from jobtrail_cli.ui.pages import REFRESH_SECONDS, Ambiguous, Pages, Redirect, kinds, statuses

#: The query parameter that carries the token the first time.
TOKEN_PARAMETER: Final = "token"  # noqa: S105 - the parameter's name, not a secret
#: What every response says about itself: nothing loaded from elsewhere, no inline script or style, no
#: framing, no referrer (the first URL holds the token), nothing kept in caches.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ALLOWED_METHODS: Final = ("GET", "HEAD")
JSON_SUFFIX: Final = ".json"


def cookie_name(port: int) -> str:
    """The token's cookie: one per port (a browser sends a host's cookies to each of its ports)."""
    return f"jobtrail-ui-{port}"


def create_app(pages: Pages, *, token: str, port: int) -> Flask:
    """The app serving ``pages`` on ``127.0.0.1:port`` to requests that carry ``token``."""
    app = Flask(__name__)
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    expected = token.encode()

    def carries_token() -> bool:
        given = [
            request.args.get(TOKEN_PARAMETER),
            request.cookies.get(cookie_name(port)),
            request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or None,
        ]
        return any(value is not None and hmac.compare_digest(value.encode(), expected) for value in given)

    @app.before_request
    def guard() -> AnyResponse | None:
        # A refusal before the token is checked says nothing of the table (``bare``).
        if request.headers.get("Host", "") not in hosts:
            return error_response(
                HTTPStatus.FORBIDDEN, f"this server answers for 127.0.0.1:{port} only", bare=True
            )
        if not carries_token():
            return error_response(
                HTTPStatus.FORBIDDEN,
                "this page needs the token: open the URL `jobtrail ui` printed",
                bare=True,
            )
        if request.method not in ALLOWED_METHODS:
            refused = error_response(HTTPStatus.METHOD_NOT_ALLOWED, "jobtrail ui only reads: GET and HEAD")
            refused.headers["Allow"] = ", ".join(ALLOWED_METHODS)
            return refused
        if TOKEN_PARAMETER in request.args and not request.path.endswith(JSON_SUFFIX):
            # Out of the address bar and the history: the cookie carries the token from now on.
            moved = redirect(here(without=TOKEN_PARAMETER))
            moved.set_cookie(cookie_name(port), token, httponly=True, samesite="Strict", path="/")
            return moved
        return None

    @app.after_request
    def secured(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_template_filter(dollars, "dollars")

    @app.context_processor
    def everywhere() -> dict[str, Any]:
        return {
            "where": pages.where,
            "zone": displayed().name,
            "status_class": charts.status_class,
            "kinds": kinds(),
            "statuses": statuses(),
        }

    @app.get("/")
    def home() -> AnyResponse:
        return redirect("/jobs")

    @app.get("/jobs")
    @app.get("/jobs.json")
    def jobs() -> Response | str:
        page = pages.jobs(params())
        if wants_json():
            answer = json_response(page.document())
            if page.next_json:
                answer.headers["Link"] = f'<{page.next_json}>; rel="next"'
            return answer
        return render_template("jobs.html", page=page, title="Jobs")

    @app.get("/jobs/<kind>/<path:name>")
    def job(kind: str, name: str) -> AnyResponse | str:
        suffix = JSON_SUFFIX if name.endswith(JSON_SUFFIX) else ""  # a job's name holds no dot
        page = pages.job(kind, name.removesuffix(JSON_SUFFIX), params(), suffix=suffix)
        if suffix:
            return json_response(page.document())
        return render_template(
            "job.html",
            page=page,
            title=page.summary.job_name,
            refresh=REFRESH_SECONDS if page.running else None,
            svg=Markup,
        )

    @app.get("/overview")
    @app.get("/overview.json")
    def overview() -> Response | str:
        page = pages.overview(params())
        if wants_json():
            return json_response(page.document())
        return render_template("overview.html", page=page, title="Overview", svg=Markup)

    @app.errorhandler(Redirect)
    def moved(found: Redirect) -> AnyResponse:
        return redirect(found.location)

    @app.errorhandler(UserError)
    def refused(error: UserError) -> Response:
        status = {EXIT_USAGE: HTTPStatus.BAD_REQUEST, EXIT_NOT_FOUND: HTTPStatus.NOT_FOUND}.get(
            error.exit_code, HTTPStatus.SERVICE_UNAVAILABLE
        )
        choices = error.choices if isinstance(error, Ambiguous) else []
        return error_response(status, str(error), choices)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = HTTPStatus(error.code or 500)
        if status == HTTPStatus.NOT_FOUND:
            return error_response(status, f"no such page: {request.path} (the pages: /jobs, /overview)")
        return error_response(status, error.description or status.phrase)

    @app.errorhandler(Exception)
    def failed(error: Exception) -> Response:
        # The path only: the query string may hold the token.
        app.logger.error("%s %s failed", request.method, request.path, exc_info=error)
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "something went wrong on the server: its log says what"
        )

    return app


def params() -> dict[str, list[str]]:
    """The request's query parameters but the token, each with every value given."""
    return {name: values for name, values in request.args.lists() if name != TOKEN_PARAMETER}


def here(*, without: str) -> str:
    """The request's path and query, without the parameter ``without``, always on this server: the path
    keeps one leading slash (a browser reads ``//host/…`` as another site) and is quoted, so a tab or a
    backslash after it (``/%09/host``, ``/%5C/host``, which a browser or ``urlsplit`` would fold into
    ``//host``) stays a character of the path."""
    kept = [(name, value) for name, value in request.args.items(multi=True) if name != without]
    path = quote(request.path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")
    return "/" + path + (f"?{urlencode(kept)}" if kept else "")


def wants_json() -> bool:
    return request.path.endswith(JSON_SUFFIX)


def json_response(document: object, status: int = HTTPStatus.OK) -> Response:
    """``document`` as the CLI prints it with ``--json`` (indented, NaN refused)."""
    body = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return Response(body, status=status, mimetype="application/json")


def error_response(
    status: HTTPStatus, message: str, choices: list[tuple[str, str]] | None = None, *, bare: bool = False
) -> Response:
    """An error as a page (or JSON, for a ``.json`` path): the status and its one-line reason; ``bare``:
    without the header that names the table."""
    if wants_json():
        document: dict[str, Any] = {"status": int(status), "error": message}
        if choices:
            document["choices"] = [{"job": label, "url": url} for label, url in choices]
        return json_response(document, status)
    page = render_template(
        "error.html", status=status, message=message, choices=choices or [], title=status.phrase, bare=bare
    )
    return Response(page, status=status, mimetype="text/html")
