"""Dashboard pages. Thin: check the session, call a service, render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tradepilot.app.cached import cached_kpis, cached_quality, cached_status
from tradepilot.app.security import (
    SESSION_COOKIE,
    CsrfSession,
    CurrentSession,
    State,
    check_form_csrf,
    form_csrf_token,
    set_form_csrf_cookie,
    set_session_cookie,
)
from tradepilot.app.web.pages import country_map_payload, month_chart_payload, render
from tradepilot.app.web.settings import (
    country_choices,
    save_first_choices,
    settings_forms,
)
from tradepilot.auth.service import (
    authenticate,
    create_owner,
    create_token,
    end_session,
    has_owner,
    list_tokens,
    revoke_token,
    start_session,
)
from tradepilot.domain.errors import DataValidationError, MissingRateError
from tradepilot.ingest.quarantine import list_quarantine
from tradepilot.ingest.registry import formats
from tradepilot.ingest.service import list_import_runs

router = APIRouter(include_in_schema=False)
QUARANTINE_PAGE = 25


# --- first run, login, logout ----------------------------------------------------------


@router.get("/setup", response_class=HTMLResponse)
def setup_form(request: Request, state: State) -> Response:
    """First-run page: create the owner account (only while there is none)."""
    if has_owner(state.engine):
        return RedirectResponse("/login", status_code=303)
    return _form_page(request, "setup.html", countries=country_choices())


@router.post("/setup")
def setup_submit(
    request: Request,
    state: State,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    origin: Annotated[str, Form()] = "",
    cost_percent: Annotated[str, Form()] = "",
) -> Response:
    """Create the owner, save the origin and cost share if given, and log in."""
    check_form_csrf(request, csrf_token)
    if has_owner(state.engine):
        raise HTTPException(409, "the owner account already exists")
    error = "the two passwords differ" if password != confirm else None
    if error is None:
        try:
            save_first_choices(
                state.settings.home, origin=origin, cost_percent=cost_percent
            )
            create_owner(state.engine, email=email, password=password)
        except DataValidationError as exc:
            error = str(exc)
    if error:
        return render(
            request,
            "setup.html",
            status=422,
            error=error,
            csrf_token=csrf_token,
            email=email,
            origin=origin,
            cost_percent=cost_percent,
            countries=country_choices(),
        )
    user = authenticate(state.engine, email=email, password=password)
    assert user is not None
    return _logged_in(state, user)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: State) -> Response:
    """The login page."""
    if not has_owner(state.engine):
        return RedirectResponse("/setup", status_code=303)
    return _form_page(request, "login.html")


@router.post("/login")
def login_submit(
    request: Request,
    state: State,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the password (rate-limited per client) and start a session."""
    check_form_csrf(request, csrf_token)
    client = request.client.host if request.client else "unknown"
    wait = state.limiter.blocked(client)
    if wait:
        message = f"too many failed attempts; try again in {int(wait) + 1} s"
        return render(
            request,
            "login.html",
            status=429,
            error=message,
            csrf_token=csrf_token,
            email=email,
        )
    user = authenticate(state.engine, email=email, password=password)
    if user is None:
        state.limiter.failed(client)
        message = "wrong e-mail or password"
        return render(
            request,
            "login.html",
            status=401,
            error=message,
            csrf_token=csrf_token,
            email=email,
        )
    state.limiter.succeeded(client)
    return _logged_in(state, user)


@router.post("/logout")
def logout(request: Request, state: State, session: CsrfSession) -> Response:
    """End the session."""
    end_session(state.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _logged_in(state: State, user_id: int) -> Response:
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(
        response,
        start_session(state.engine, user_id=user_id),
        secure=state.secure_cookies,
    )
    return response


def _form_page(request: Request, template: str, **context: Any) -> Response:
    """A login/setup page with its double-submit CSRF token (field and cookie)."""
    token = form_csrf_token(request)
    response = render(request, template, csrf_token=token, **context)
    set_form_csrf_cookie(response, token)
    return response


# --- pages -----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, state: State, session: CurrentSession) -> Response:
    """KPI cards, revenue by month, revenue by country (table and world map)."""
    status = cached_status(state)
    try:
        kpis = cached_kpis(state)
    except MissingRateError as exc:
        return render(
            request,
            "overview.html",
            session=session,
            status_info=status,
            fx_error=str(exc),
        )
    currency = kpis.base_currency
    countries = sorted(kpis.by.get("country", []), key=lambda r: -r["revenue"])
    return render(
        request,
        "overview.html",
        session=session,
        status_info=status,
        kpis=kpis,
        countries=countries,
        month_chart=month_chart_payload(kpis.by.get("month", []), currency),
        country_map=country_map_payload(countries, currency),
    )


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, state: State, session: CurrentSession) -> Response:
    """Upload, recent import reports and the quarantine browser."""
    runs = list_import_runs(state.engine, limit=20)
    quarantine = list_quarantine(state.engine, limit=QUARANTINE_PAGE)
    return render(
        request,
        "imports.html",
        session=session,
        formats=formats(),
        runs=runs,
        quarantine=quarantine,
        offset=0,
        page=QUARANTINE_PAGE,
        reason="",
    )


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def import_job(
    request: Request, state: State, session: CurrentSession, job_id: str
) -> Response:
    """Progress of an upload (polled by htmx), then its report."""
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such import job")
    if job.state != "done":
        return render(request, "partials/job.html", session=session, job=job.public())
    return render(
        request,
        "partials/job.html",
        session=session,
        job=job.public(),
        runs=list_import_runs(state.engine, limit=20),
        quarantine=list_quarantine(state.engine, limit=QUARANTINE_PAGE),
        offset=0,
        page=QUARANTINE_PAGE,
        reason="",
    )


@router.get("/imports/quarantine", response_class=HTMLResponse)
def quarantine_fragment(
    request: Request,
    state: State,
    session: CurrentSession,
    offset: int = 0,
    reason: str = "",
) -> Response:
    """A page of the quarantine browser."""
    offset = max(offset, 0)
    quarantine = list_quarantine(
        state.engine, limit=QUARANTINE_PAGE, offset=offset, reason=reason or None
    )
    return render(
        request,
        "partials/quarantine.html",
        session=session,
        quarantine=quarantine,
        offset=offset,
        page=QUARANTINE_PAGE,
        reason=reason,
    )


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, state: State, session: CurrentSession) -> Response:
    """The data-quality report."""
    report = cached_quality(state)
    return render(request, "quality.html", session=session, report=report)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, state: State, session: CurrentSession) -> Response:
    """API tokens, and the forms of trade.toml and purchasing.toml."""
    saved = request.query_params.get("saved", "")
    return render(
        request,
        "settings.html",
        session=session,
        tokens=list_tokens(state.engine),
        **settings_forms(state.settings.home, saved=saved),
    )


@router.post("/settings/tokens", response_class=HTMLResponse)
def settings_create_token(
    request: Request, state: State, session: CsrfSession, name: Annotated[str, Form()]
) -> Response:
    """Create a token and show it once."""
    try:
        token = create_token(state.engine, name=name)
    except DataValidationError as exc:
        return render(
            request,
            "settings.html",
            status=422,
            session=session,
            tokens=list_tokens(state.engine),
            error=str(exc),
            **settings_forms(state.settings.home),
        )
    return render(
        request,
        "settings.html",
        session=session,
        tokens=list_tokens(state.engine),
        new_token=token,
        new_token_name=name,
        **settings_forms(state.settings.home),
    )


@router.post("/settings/tokens/{name}/revoke")
def settings_revoke_token(state: State, session: CsrfSession, name: str) -> Response:
    """Revoke a token."""
    revoke_token(state.engine, name=name)
    return RedirectResponse("/settings", status_code=303)
