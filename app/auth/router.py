"""The login step of VISLZR and the caller's own identity (thin: app/auth/service does the work).

``/login?token=<one-time>`` exchanges the local admin's one-time token (printed by `hub serve`,
0600 under HUB_HOME/secrets) for an HttpOnly, SameSite=Strict session cookie and redirects to /.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from app.auth import service
from app.core.deps import DriverDep, SettingsDep
from app.core.principal import Unauthenticated, principal_of

router = APIRouter(tags=["auth"])

_LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>CommandCenter Hub: log in</title>
<style>body{{font:15px system-ui;margin:4rem auto;max-width:34rem;color:#222}}
input{{width:100%;padding:.4rem}}</style></head><body><h1>CommandCenter Hub</h1><p>{message}</p>
<p>Open the login URL that <code>hub serve</code> printed, or run <code>hub login</code> for a new one
and paste its token here.</p>
<form method="get" action="/login"><input name="token" autocomplete="off" aria-label="token">
<button type="submit">Log in</button></form></body></html>"""


class WhoAmI(BaseModel):
    id: str
    name: str
    kind: str
    scopes: list[str]
    limitedToProjects: bool


def _page(message: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_LOGIN_PAGE.format(message=escape(message)), status_code=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})  # fmt: skip


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login(
    settings: SettingsDep,
    driver: DriverDep,
    token: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if not token:
        return _page("Log in to continue.")
    if not service.redeem_login_token(settings, token):
        return _page(
            "That login link was already used or is not this hub's. Run `hub login` for a new one.", 401
        )
    session = await service.open_session(driver, settings=settings)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(service.SESSION_COOKIE, session.token, max_age=int(settings.session_ttl_s),
                        httponly=True, samesite="strict", secure=False, path="/")  # fmt: skip
    return response


@router.post("/logout", status_code=204, include_in_schema=False)
async def logout(request: Request, settings: SettingsDep, driver: DriverDep) -> Response:
    principal = principal_of(request)
    if principal is not None and principal.kind == "session":
        await service.revoke_key(driver, getattr(request.app.state, "redis", None),
                                 database=settings.neo4j_database, key_id=principal.key_id)  # fmt: skip
    response = Response(status_code=204)
    response.delete_cookie(service.SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/api/auth/whoami", response_model=WhoAmI)
async def whoami(request: Request) -> WhoAmI:
    principal = principal_of(request)
    if principal is None:
        raise Unauthenticated("no credential")
    return WhoAmI(id=principal.key_id, name=principal.name, kind=principal.kind,
                  scopes=sorted(s.value for s in principal.scopes),
                  limitedToProjects=not principal.all_projects)  # fmt: skip
