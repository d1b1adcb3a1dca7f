"""The web application: REST API, dashboard and owner login.

Build it with :func:`create_app` (no import-time globals)::

    from tradepilot.app import create_app
    app = create_app(load_settings())
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from tradepilot import __version__
from tradepilot.app import problems
from tradepilot.app.api.ask import router as ask_api
from tradepilot.app.api.automation import router as automation_api
from tradepilot.app.api.brief import router as brief_api
from tradepilot.app.api.customers import router as customers_api
from tradepilot.app.api.forecasts import router as forecasts_api
from tradepilot.app.api.imports import router as imports_api
from tradepilot.app.api.inbox import router as inbox_api
from tradepilot.app.api.ledger import router as ledger_api
from tradepilot.app.api.payments import router as payments_api
from tradepilot.app.api.recommend import router as recommend_api
from tradepilot.app.api.replenishment import router as replenishment_api
from tradepilot.app.api.risk import router as risk_api
from tradepilot.app.api.routes import router as api_router
from tradepilot.app.api.settings import router as settings_api
from tradepilot.app.api.text import router as text_api
from tradepilot.app.api.trade import router as trade_api
from tradepilot.app.security import LoginRequired, security_headers
from tradepilot.app.state import AppState
from tradepilot.app.web.alerts import router as alerts_web
from tradepilot.app.web.ask import router as ask_web
from tradepilot.app.web.automation import router as automation_web
from tradepilot.app.web.customers import router as customers_web
from tradepilot.app.web.forecasts import router as forecasts_web
from tradepilot.app.web.imports import router as imports_web
from tradepilot.app.web.inbox import router as inbox_web
from tradepilot.app.web.ledger import router as ledger_web
from tradepilot.app.web.markets import router as markets_web
from tradepilot.app.web.money import router as money_web
from tradepilot.app.web.pages import STATIC, error_page
from tradepilot.app.web.recommend import router as recommend_web
from tradepilot.app.web.restock import router as restock_web
from tradepilot.app.web.reviews import router as reviews_web
from tradepilot.app.web.routes import router as web_router
from tradepilot.app.web.settings import router as settings_web
from tradepilot.app.web.today import router as today_web
from tradepilot.auth.service import has_owner
from tradepilot.config import Settings
from tradepilot.workspace import open_store


def create_app(settings: Settings, *, secure_cookies: bool = False) -> FastAPI:
    """Build the app for the workspace of ``settings`` (migrating its store).

    Parameters
    ----------
    settings : Settings
        Workspace and database.
    secure_cookies : bool
        Mark cookies ``Secure`` (set it when serving over HTTPS).
    """
    state = AppState(
        settings=settings, engine=open_store(settings), secure_cookies=secure_cookies
    )
    app = FastAPI(
        title="TradePilot API",
        version=__version__,
        description="Operations co-pilot of a one-person cross-border shop. "
        "Authenticate with `Authorization: Bearer TOKEN` (`tradepilot token create`).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.tradepilot = state
    app.middleware("http")(security_headers)
    app.middleware("http")(_limit_body(state))
    problems.install(app)
    _install_http_errors(app)
    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(imports_api)
    app.include_router(imports_web)
    app.include_router(forecasts_api)
    app.include_router(forecasts_web)
    app.include_router(replenishment_api)
    app.include_router(restock_web)
    app.include_router(trade_api)
    app.include_router(markets_web)
    app.include_router(ledger_api)
    app.include_router(ledger_web)
    app.include_router(settings_api)
    app.include_router(settings_web)
    app.include_router(recommend_api)
    app.include_router(recommend_web)
    app.include_router(customers_api)
    app.include_router(customers_web)
    app.include_router(payments_api)
    app.include_router(money_web)
    app.include_router(text_api)
    app.include_router(reviews_web)
    app.include_router(risk_api)
    app.include_router(alerts_web)
    app.include_router(inbox_api)
    app.include_router(inbox_web)
    app.include_router(automation_api)
    app.include_router(ask_api)
    app.include_router(ask_web)
    app.include_router(automation_web)
    app.include_router(brief_api)
    app.include_router(today_web)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    return app


async def _favicon() -> Response:
    """Browsers ask for /favicon.ico whatever a page links: send them to the icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


Handler = Callable[[Request], Awaitable[Response]]


def _limit_body(state: AppState) -> Callable[[Request, Handler], Awaitable[Response]]:
    """Middleware refusing a body over the upload limit before reading it (413)."""

    async def limit(request: Request, call_next: Handler) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > state.max_upload_bytes + 65536:
            limit_mb = state.max_upload_bytes / 1e6
            if request.url.path.startswith("/api/"):
                return problems.problem(
                    413, "too large", f"the limit is {limit_mb:.0f} MB"
                )
            return Response(f"upload too large: the limit is {limit_mb:.0f} MB", 413)
        return await call_next(request)

    return limit


def _install_http_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        state: AppState = request.app.state.tradepilot
        target = "/login" if has_owner(state.engine) else "/setup"
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            response: JSONResponse = problems.problem(
                exc.status_code, "error", str(exc.detail)
            )
            for name, value in (exc.headers or {}).items():
                response.headers[name] = value
            return response
        return error_page(request, exc.status_code, str(exc.detail))
