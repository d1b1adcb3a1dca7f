"""Who may do what: API tokens, browser sessions, CSRF, security headers.

* API clients send ``Authorization: Bearer TOKEN`` (tokens stored hashed).
* Browsers log in and get an HttpOnly, SameSite=Lax session cookie; every form and
  every htmx request carries the session's CSRF token (a hidden field or the
  ``X-CSRF-Token`` header). The login and setup forms, which have no session yet,
  use a double-submit cookie.
* Every response carries a Content-Security-Policy without inline-script holes
  (scripts only from the package's static files), ``nosniff`` and frame denial.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tradepilot.app.state import AppState
from tradepilot.auth.secrets import new_secret, same
from tradepilot.auth.service import Session, check_token, get_session

SESSION_COOKIE = "tp_session"
CSRF_COOKIE = "tp_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

# Plotly sets element styles at run time, so styles allow 'unsafe-inline';
# scripts do not: only files served from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

bearer = HTTPBearer(
    auto_error=False, description="An API token: tradepilot token create"
)


def app_state(request: Request) -> AppState:
    """The :class:`AppState` of the running app."""
    state: AppState = request.app.state.tradepilot
    return state


State = Annotated[AppState, Depends(app_state)]


def require_token(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Dependency of every API route: a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    if not check_token(state.engine, credentials.credentials):
        raise HTTPException(
            401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )


class LoginRequired(Exception):
    """Raised by web dependencies; handled by a redirect to the login page."""


def current_session(request: Request, state: State) -> Session:
    """Dependency of every web page but login, setup and static files."""
    session = get_session(state.engine, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired()
    return session


CurrentSession = Annotated[Session, Depends(current_session)]


async def check_csrf(request: Request, session: CurrentSession) -> Session:
    """Dependency of every state-changing web route: the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not same(sent, session.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")
    return session


CsrfSession = Annotated[Session, Depends(check_csrf)]


def form_csrf_token(request: Request) -> str:
    """The double-submit token of the login/setup form: the cookie's, or a new one."""
    return request.cookies.get(CSRF_COOKIE) or new_secret()


def set_form_csrf_cookie(response: Response, token: str) -> None:
    """Send the double-submit token as a cookie (the form carries it as a field)."""
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")


def check_form_csrf(request: Request, sent: str | None) -> None:
    """Refuse a login/setup post whose hidden token does not match its cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not same(cookie, sent):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")


def set_session_cookie(response: Response, cookie: str, *, secure: bool) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=7 * 24 * 3600,
    )


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Middleware adding :data:`HEADERS` to every response."""
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".gz")


def check_upload(state: AppState, upload: UploadFile) -> None:
    """Refuse uploads of the wrong type or over the size limit (413)."""
    name = (upload.filename or "").lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise HTTPException(
            415,
            f"expected a {', '.join(UPLOAD_SUFFIXES)} file, got {upload.filename!r}",
        )
    size = upload.size if upload.size is not None else 0
    if size > state.max_upload_bytes:
        raise HTTPException(
            413,
            f"the file is {size / 1e6:.0f} MB; the limit is"
            f" {state.max_upload_bytes / 1e6:.0f} MB",
        )
