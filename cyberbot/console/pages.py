"""The console's HTML pages: login, conversations, transcripts, leads, training, admin."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console import accounts
from cyberbot.console.access import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    identity,
    safe_next,
)
from cyberbot.console.audit import AUDIT_ACTIONS, recent_entries, record
from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversation_queries import ConversationFilter, channels
from cyberbot.console.conversations_view import (
    FilterError,
    conversation_page,
    parse_filter,
    query_lists,
    transcript_view,
    user_message,
)
from cyberbot.console.corrections import all_corrections, record_correction
from cyberbot.console.erasure import forget_conversation
from cyberbot.console.leads_view import (
    DELIVERY_LABELS,
    KIND_LABELS,
    LeadFilter,
    lead_detail,
    list_lead_page,
    mask_email,
    set_lead_status,
)
from cyberbot.console.models import ROLES
from cyberbot.console.rate_limit import LoginThrottle
from cyberbot.console.rendering import render
from cyberbot.console.review_export import export_corrections
from cyberbot.console.reviews import parse_tags, save_review
from cyberbot.console.sessions import create_session, csrf_ok, end_session
from cyberbot.leads.export import leads_csv
from cyberbot.leads.models import LEAD_STATUSES
from cyberbot.leads.store import list_leads
from cyberbot.security.client_address import client_address
from cyberbot.security.limits import refusals_since
from cyberbot.security.settings import settings

ROLE_LABELS = {"operator": "Operator", "admin": "Beheerder"}
SESSION_MAX_AGE = 12 * 3600
MAX_NOTE = 5000


# The conversation list shows how many messages and leads the abuse limits refused lately.
REFUSALS_DAYS = 7


def create_pages(context: ConsoleContext) -> Blueprint:
    pages = Blueprint("console_pages", url_prefix=PREFIX)
    throttle = LoginThrottle(context.engine)
    secure = context.settings.secure_cookie

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(function, *args, **kwargs)

    # ----- login and logout -------------------------------------------------------

    @pages.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return _login_page(request, secure, next_path=request.args.get("next"))

    @pages.post("/login")
    async def login(request: Request) -> HTTPResponse:
        form = request.form
        email = (form.get("email") or "").strip().lower()[:320]
        password = (form.get("password") or "")[:1024]
        next_path = form.get("next")
        if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf_token")):
            return _login_page(request, secure, next_path, status=403, email=email,
                               error="Het formulier is verlopen. Probeer het opnieuw.")
        address = client_ip(request)
        # Counted before the password is checked: parallel guesses cannot slip through.
        wait = await run(throttle.attempt, email, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return _login_page(
                request, secure, next_path, status=429, email=email,
                error=f"Te veel mislukte pogingen. Probeer het over {minutes} minuten opnieuw.",
                headers={"Retry-After": str(wait)},
            )
        operator = await run(accounts.authenticate, context.engine, email, password)
        if operator is None:
            await run(record, context.engine, "anoniem", "login_failed",
                      target=mask_email(email) or "***")
            return _login_page(request, secure, next_path, status=401, email=email,
                               error="Dit e-mailadres of wachtwoord klopt niet.")
        await run(throttle.succeeded, email, address)
        session = await run(create_session, context.engine, operator.id)
        await run(record, context.engine, operator.email, "login")
        reply = response.redirect(safe_next(next_path))
        _set_cookie(reply, SESSION_COOKIE, session.cookie_value, secure, SESSION_MAX_AGE)
        del reply.cookies[LOGIN_CSRF_COOKIE]
        return reply

    @pages.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        await run(end_session, context.engine, request.cookies.get(SESSION_COOKIE, ""))
        await run(record, context.engine, identity(request).operator.email, "logout")
        reply = response.redirect(PREFIX + "/login")
        del reply.cookies[SESSION_COOKIE]
        return reply

    @pages.get("/")
    async def home(_: Request) -> HTTPResponse:
        return response.redirect(PREFIX + "/conversations")

    @pages.get("/console.css")
    async def stylesheet(_: Request) -> HTTPResponse:
        return await response.file(Path(__file__).with_name("console.css"),
                                   mime_type="text/css", headers={"Cache-Control": "no-cache"})

    # ----- conversations ------------------------------------------------------------

    @pages.get("/conversations")
    async def conversation_list(request: Request) -> HTTPResponse:
        try:
            conversation_filter, form = parse_filter(query_lists(request))
        except FilterError as problem:
            conversation_filter, form = ConversationFilter(), {"tags": ()}
            error: str | None = str(problem)
        else:
            error = None
        try:
            page = await run(conversation_page, context, conversation_filter,
                             after=request.args.get("na"), before=request.args.get("voor"))
        except ValueError:
            return render(request, "message.html", status=400, heading="Ongeldige pagina",
                          message="Deze paginalink klopt niet. Begin opnieuw bij de eerste pagina.")
        known_channels = await run(channels, context.engine)
        since = (datetime.now(timezone.utc) - timedelta(days=REFUSALS_DAYS)).date()
        refusals = await run(refusals_since, context.engine, since)
        base = [(key, value) for key, value in request.query_args if key not in {"na", "voor"}]
        return render(
            request, "conversations.html", page=page, form=form, channels=known_channels,
            error=error, refusals=refusals, refusals_days=REFUSALS_DAYS,
            next_link=_link("/conversations", base, na=page.next_cursor),
            previous_link=_link("/conversations", base, voor=page.previous_cursor),
        )

    @pages.get("/conversations/<conversation_id:str>")
    async def transcript(request: Request, conversation_id: str) -> HTTPResponse:
        view = await run(transcript_view, context, conversation_id)
        if view is None:
            return render(request, "message.html", status=404, heading="Gesprek niet gevonden",
                          message="Dit gesprek bestaat niet (meer). Misschien is het gewist.")
        return render(request, "transcript.html", **view,
                      label_choices=context.labels().choices(),
                      low_confidence=context.settings.low_confidence_threshold,
                      notice=_notice(request))

    @pages.post("/conversations/<conversation_id:str>/review")
    async def review(request: Request, conversation_id: str) -> HTTPResponse:
        form = request.form
        await run(
            save_review, context.engine, conversation_id,
            reviewed=form.get("reviewed") == "ja",
            tags=parse_tags((form.get("tags") or "")[:500]),
            note=(form.get("note") or "")[:MAX_NOTE],
            operator=identity(request).operator.email,
        )
        return _back(conversation_id, "beoordeling")

    @pages.post("/conversations/<conversation_id:str>/corrections")
    async def correct(request: Request, conversation_id: str) -> HTTPResponse:
        form = request.form
        label = form.get("label") or ""
        labels = context.labels()
        try:
            event_id = int(form.get("event_id") or "")
        except ValueError:
            event_id = -1
        message = await run(user_message, context, conversation_id, event_id)
        if message is None or not labels.is_valid(label):
            return render(request, "message.html", status=400, heading="Correctie niet opgeslagen",
                          message="Dit bericht of deze intentie bestaat niet.",
                          back=f"{PREFIX}/conversations/{conversation_id}")
        operator = identity(request).operator.email
        await run(
            record_correction, context.engine,
            conversation_id=conversation_id, event_id=event_id, text=message["text"],
            predicted=message["predicted"], predicted_confidence=message["confidence"],
            corrected=label, operator=operator, labels=labels,
        )
        await run(record, context.engine, operator, "correction", target=conversation_id,
                  detail=f"{message['predicted'] or '-'} -> {label}")
        return _back(conversation_id, "correctie", anchor=f"bericht-{event_id}")

    @pages.post("/conversations/<conversation_id:str>/forget")
    async def forget(request: Request, conversation_id: str) -> HTTPResponse:
        if request.form.get("confirm") != "ja":
            return render(request, "message.html", status=400, heading="Niet gewist",
                          message="Vink 'Ik weet het zeker' aan om dit gesprek te wissen.",
                          back=f"{PREFIX}/conversations/{conversation_id}")
        report = await run(forget_conversation, context, conversation_id,
                           actor=identity(request).operator.email)
        return render(request, "message.html", heading="Gesprek gewist",
                      message=f"Gewist: {report.events_deleted} gebeurtenissen en "
                              f"{report.leads_deleted} lead(s).")

    # ----- leads --------------------------------------------------------------------

    @pages.get("/leads")
    async def lead_list(request: Request) -> HTTPResponse:
        status = request.args.get("status") or None
        kind = request.args.get("kind") or None
        try:
            lead_filter = LeadFilter(status=status, kind=kind)
            before = int(request.args["voor"][0]) if "voor" in request.args else None
        except ValueError:
            lead_filter, before = LeadFilter(), None
        page = await run(list_lead_page, context.engine, lead_filter, before_id=before)
        base = [(key, value) for key, value in request.query_args if key != "voor"]
        return render(
            request, "leads.html", page=page, statuses=LEAD_STATUSES, kind_labels=KIND_LABELS,
            delivery_labels=DELIVERY_LABELS, form={"status": status, "kind": kind},
            next_link=_link("/leads", base, voor=page.next_before_id),
        )

    @pages.get("/leads/export.csv")
    async def lead_export(request: Request) -> HTTPResponse:
        # Every lead with full contact details at once: an admin's right, audited.
        refused = _admin_only(request)
        if refused is not None:
            return refused
        records = await run(list_leads, context.engine)
        await run(record, context.engine, identity(request).operator.email, "export_leads",
                  detail=f"{len(records)} leads")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
        return response.text(
            leads_csv(records), content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="leads-{stamp}.csv"',
                     "Cache-Control": "no-store"},
        )

    @pages.get("/leads/<reference:str>")
    async def lead(request: Request, reference: str) -> HTTPResponse:
        found = await run(lead_detail, context.engine, reference,
                          actor=identity(request).operator.email, reveal=True)
        if found is None:
            return render(request, "message.html", status=404, heading="Lead niet gevonden",
                          message="Deze lead bestaat niet (meer).", back=PREFIX + "/leads")
        return render(request, "lead.html", lead=found, statuses=LEAD_STATUSES,
                      kind_labels=KIND_LABELS, delivery_labels=DELIVERY_LABELS,
                      notice=_notice(request))

    @pages.post("/leads/<reference:str>/status")
    async def lead_status(request: Request, reference: str) -> HTTPResponse:
        status = request.form.get("status") or ""
        if status not in LEAD_STATUSES:
            return render(request, "message.html", status=400, heading="Status niet gewijzigd",
                          message="Kies nieuw, in behandeling of afgerond.",
                          back=f"{PREFIX}/leads/{reference}")
        changed = await run(set_lead_status, context.engine, reference, status,
                            actor=identity(request).operator.email)
        if not changed:
            return render(request, "message.html", status=404, heading="Lead niet gevonden",
                          message="Deze lead bestaat niet (meer).", back=PREFIX + "/leads")
        return response.redirect(f"{PREFIX}/leads/{reference}?opgeslagen=status")

    # ----- training -----------------------------------------------------------------

    @pages.get("/review")
    async def review_list(request: Request) -> HTTPResponse:
        corrections = await run(all_corrections, context.engine)
        return render(request, "review.html", corrections=corrections)

    @pages.get("/review/export.yml")
    async def review_export(request: Request) -> HTTPResponse:
        corrections = await run(all_corrections, context.engine)
        export = await run(export_corrections, corrections,
                           context.settings.project_root / "data", labels=context.labels())
        await run(record, context.engine, identity(request).operator.email, "export_review",
                  detail=export.summary())
        return response.text(
            export.yaml_text, content_type="application/x-yaml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="nlu_corrections.yml"',
                     "Cache-Control": "no-store"},
        )

    # ----- administration (admins only) ---------------------------------------------

    @pages.get("/audit")
    async def audit(request: Request) -> HTTPResponse:
        if (refused := _admin_only(request)) is not None:
            return refused
        try:
            before = int(request.args["voor"][0]) if "voor" in request.args else None
        except ValueError:
            before = None
        entries = await run(recent_entries, context.engine, limit=100, before_id=before)
        next_link = _link("/audit", [], voor=entries[-1].id if len(entries) == 100 else None)
        return render(request, "audit.html", entries=entries, audit_actions=AUDIT_ACTIONS,
                      next_link=next_link)

    @pages.get("/operators")
    async def operator_list(request: Request) -> HTTPResponse:
        if (refused := _admin_only(request)) is not None:
            return refused
        return await _operators_page(request)

    @pages.post("/operators")
    async def operator_add(request: Request) -> HTTPResponse:
        if (refused := _admin_only(request)) is not None:
            return refused
        form = request.form
        email = (form.get("email") or "").strip()[:320]
        role = form.get("role") or ""
        try:
            added = await run(accounts.add_operator, context.engine, email, role,
                              (form.get("password") or "")[:1024])
        except ValueError as problem:
            return await _operators_page(request, error=str(problem), status=400)
        await run(record, context.engine, identity(request).operator.email, "operator_added",
                  target=added.email, detail=role)
        return await _operators_page(request, notice=f"{added.email} is toegevoegd.")

    @pages.post("/operators/<operator_id:int>")
    async def operator_change(request: Request, operator_id: int) -> HTTPResponse:
        if (refused := _admin_only(request)) is not None:
            return refused
        form = request.form
        role = form.get("role") or ""
        active = form.get("active") == "ja"
        me = identity(request).operator
        target = await run(accounts.get_operator_by_id, context.engine, operator_id)
        if target is None or role not in ROLES:
            return await _operators_page(request, error="Onbekende operator of rol.", status=400)
        if target.id == me.id and (role != "admin" or not active):
            return await _operators_page(
                request, status=400,
                error="U kunt uw eigen beheerdersrechten niet intrekken of uzelf uitschakelen.",
            )
        await run(accounts.set_role, context.engine, target.id, role)
        await run(accounts.set_active, context.engine, target.id, active)
        await run(record, context.engine, me.email, "operator_changed", target=target.email,
                  detail=f"rol {role}, {'actief' if active else 'uitgeschakeld'}")
        return await _operators_page(request, notice=f"{target.email} is bijgewerkt.")

    async def _operators_page(request: Request, status: int = 200, **values: Any) -> HTTPResponse:
        listed = await run(accounts.list_operators, context.engine)
        return render(request, "operators.html", status=status, accounts=listed,
                      role_labels=ROLE_LABELS, **values)

    return pages


def _login_page(
    request: Request,
    secure: bool,
    next_path: str | None,
    status: int = 200,
    email: str = "",
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    """The login form with a fresh double-submit CSRF token in a cookie and the form."""
    token = secrets.token_urlsafe(32)
    reply = render(request, "login.html", status=status, login_csrf=token, email=email,
                   error=error, next=safe_next(next_path))
    reply.headers.update(headers or {})
    _set_cookie(reply, LOGIN_CSRF_COOKIE, token, secure, 3600)
    return reply


def _set_cookie(reply: HTTPResponse, name: str, value: str, secure: bool, max_age: int) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = PREFIX
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


def client_ip(request: Request) -> str | None:
    """The client's address: the peer, or what a trusted proxy says (security.yml)."""
    config = settings()
    forwarded = request.headers.get(config.client_ip_header) if config.trusted_proxies else None
    return client_address(request.ip, forwarded, config.proxy_networks())


def _admin_only(request: Request) -> HTTPResponse | None:
    if identity(request).operator.role == "admin":
        return None
    return render(request, "message.html", status=403, heading="Geen toegang",
                  message="Alleen beheerders kunnen deze pagina gebruiken.")


def _link(path: str, base: list[tuple[str, str]], **cursor: object) -> str | None:
    """A link to ``path`` with the current filters and one paging cursor, if any."""
    key, value = next(iter(cursor.items()))
    if value is None:
        return None
    return f"{PREFIX}{path}?{urlencode([*base, (key, str(value))])}"


def _back(conversation_id: str, what: str, anchor: str = "") -> HTTPResponse:
    target = f"{PREFIX}/conversations/{quote(conversation_id, safe='')}?opgeslagen={what}"
    return response.redirect(target + (f"#{anchor}" if anchor else ""))


_NOTICES = {
    "beoordeling": "De beoordeling is opgeslagen.",
    "correctie": "De correctie is opgeslagen.",
    "status": "De status is opgeslagen.",
}


def _notice(request: Request) -> str | None:
    return _NOTICES.get(request.args.get("opgeslagen") or "")


def _export_summary(export: Any) -> str:
    written = sum(export.written.values())
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(export.skipped.items()))
    return f"{written} voorbeelden" + (f"; overgeslagen: {skipped}" if skipped else "")
