"""The review console's aiohttp app: sign-in, the conversation list, transcripts, review work,
exports and the overview. Served on its own port, never by the public web app."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from aiohttp import web
from aiohttp_session import get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.engine import Engine

from assistant.lang import Lang, normalise
from assistant.review import accounts, charts, csrf, edits, exports, indexer, queries, sessions
from assistant.review.filters import STATUSES, TIMEZONE, FilterError, Filters
from assistant.review.indexer import CHANNELS
from assistant.review.overview import overview
from assistant.review.schema import create_schema
from assistant.review.texts import label, text
from assistant.review.training import TrainingExamples
from assistant.settings import Settings
from assistant.web.pages import preferred_language

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "review_session"
# The key of the session's token (sessions.py) in the cookie's encrypted data.
SESSION_TOKEN = "sid"
# Paths that need no sign-in: the sign-in form, the health check for `serve`, the style sheet.
PUBLIC = ("/login", "/healthz", "/static/")
MAX_BODY_BYTES = 64 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")

ENGINE = web.AppKey("engine", Engine)
SETTINGS = web.AppKey("settings", Settings)
LIMITER = web.AppKey("limiter", accounts.SignInLimiter)
CSRF = web.AppKey("csrf", csrf.Tokens)
TEMPLATES = web.AppKey("templates", Environment)
INTENTS: web.AppKey[frozenset[str]] = web.AppKey("intents")
TRAINING = web.AppKey("training", TrainingExamples)
INDEX_LOCK = web.AppKey("index_lock", asyncio.Lock)
NEXT_SWEEP = web.AppKey("next_sweep", float)
# How often the index looks for conversations the retention purge took out of it.
SWEEP_SECONDS = 600.0

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def domain_intents(domain_file: Path) -> frozenset[str]:
    """The intents a correction may name: those of the domain."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return frozenset(
        next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents", [])
    )


def session_key(secret: str | None) -> bytes:
    """The 32-byte key of the session cookies: from the settings, or new for this process."""
    if not secret:
        return secrets.token_bytes(32)
    try:
        key = base64.urlsafe_b64decode(secret.encode() + b"=" * (-len(secret) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError("ASSISTANT_REVIEW_SECRET must be 32 bytes in url-safe base64")
    return key


def create_app(settings: Settings, engine: Engine, nlu_dir: Path | None = None) -> web.Application:
    """Build the console.

    Args:
        settings: `review_secret`, `review_session_hours`, `review_secure_cookies`,
            `review_low_confidence` and `domain_file` are used.
        engine: the tracker store's database (Rasa's `events` plus our `review_*` tables).
        nlu_dir: the training data that corrections are checked against (default: `data/nlu`
            beside the domain file).
    """
    create_schema(engine)
    key = session_key(settings.review_secret)
    lifetime = dt.timedelta(hours=settings.review_session_hours)
    storage = EncryptedCookieStorage(
        key,
        cookie_name=COOKIE,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=settings.review_secure_cookies,
    )
    app = web.Application(
        middlewares=[session_middleware(storage), _guard], client_max_size=MAX_BODY_BYTES
    )
    app[ENGINE] = engine
    app[SETTINGS] = settings
    app[LIMITER] = accounts.SignInLimiter()
    app[CSRF] = csrf.Tokens(key, lifetime)
    app[INTENTS] = domain_intents(settings.domain_file)
    app[TRAINING] = TrainingExamples(nlu_dir or settings.domain_file.parent / "data" / "nlu")
    app[INDEX_LOCK] = asyncio.Lock()
    app[NEXT_SWEEP] = 0.0
    app[TEMPLATES] = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.on_response_prepare.append(_safe_headers)  # type: ignore[arg-type]
    r = app.router
    r.add_get("/healthz", health)
    r.add_get("/login", login_form)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/", home)
    r.add_get("/conversations", conversation_list)
    r.add_get("/conversation", conversation_view)
    r.add_post("/conversation/tag", tag_add)
    r.add_post("/conversation/untag", tag_remove)
    r.add_post("/conversation/status", status_set)
    r.add_post("/conversation/note", note_add)
    r.add_post("/conversation/correct", correction_add)
    r.add_post("/conversation/uncorrect", correction_remove)
    r.add_post("/conversation/delete", conversation_delete)
    r.add_get("/conversation/story.yml", story_export)
    r.add_get("/export/conversations.csv", list_export)
    r.add_get("/export/conversations.jsonl", list_export)
    r.add_get("/export/nlu.yml", nlu_export)
    r.add_get("/overview", overview_page)
    r.add_get("/users", users_page)
    r.add_post("/users/remove", user_remove)
    r.add_post("/users/sign-out", user_sign_out)
    r.add_static("/static/", HERE / "static", show_index=False)
    return app


# ------------------------------------------------------------------ plumbing


async def _safe_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        # Pages and exports hold visitors' words: no copy in any cache.
        response.headers["Cache-Control"] = "no-store"


def _public(path: str) -> bool:
    return path in PUBLIC or path.startswith("/static/")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in for everything but PUBLIC; a CSRF token on every state-changing request."""
    session = await get_session(request)
    asked = normalise(request.query.get("lang", ""))
    if asked:
        session["lang"] = asked
    lang: Lang = session.get("lang") or preferred_language(
        request.headers.get("Accept-Language"), request.app[SETTINGS].default_language
    )
    request["lang"] = lang
    if not _public(request.path):
        token = session.get(SESSION_TOKEN)
        user = await _db(request, sessions.user_of, token) if isinstance(token, str) else None
        if user is None:
            session.pop(SESSION_TOKEN, None)
            if request.method == "GET" and not request.path.startswith("/export/"):
                raise web.HTTPFound("/login?" + _urlencode({"next": request.path_qs}))
            raise _plain(request, web.HTTPUnauthorized, "sign_in_required")
        request["user"] = user
    if request.method not in ("GET", "HEAD"):
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge as exc:
            exc.text = text("too_large", lang) + "\n"
            exc.headers["Content-Language"] = lang
            raise
        except ValueError:
            raise _plain(request, web.HTTPBadRequest, "bad_form") from None
        if not request.app[CSRF].valid(session, form.get(csrf.FIELD)):
            raise _plain(request, web.HTTPForbidden, "csrf_failed")
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
        # aiohttp's own answer to an unknown path or method ("404: Not Found"), in words.
        if exc.text == f"{exc.status}: {exc.reason}":
            key = "page_not_found" if exc.status == 404 else "method_not_allowed"
            exc.text = text(key, lang) + "\n"
            exc.headers["Content-Language"] = lang
        raise


def _plain(
    request: web.Request, error: Callable[..., web.HTTPException], key: str, **values: object
) -> web.HTTPException:
    """A plain-text error answer in the console's language."""
    lang: Lang = request["lang"]
    return error(text=text(key, lang, **values) + "\n", headers={"Content-Language": lang})


def _urlencode(values: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


async def _db(request: web.Request, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(connection, *args)` in a transaction, off the event loop."""
    engine = request.app[ENGINE]

    def work() -> T:
        with engine.begin() as conn:
            return fn(conn, *args)

    return await asyncio.to_thread(work)


async def _refresh(request: web.Request) -> None:
    """Bring our index up to date with new events (one query when there are none); every
    SWEEP_SECONDS also rebuild what the retention purge took out of it."""
    app = request.app
    async with app[INDEX_LOCK]:
        sweep = time.monotonic() >= app[NEXT_SWEEP]
        await asyncio.to_thread(indexer.refresh, app[ENGINE], sweep)
        if sweep:
            app[NEXT_SWEEP] = time.monotonic() + SWEEP_SECONDS


async def _render(
    request: web.Request, template: str, status: int = 200, **values: Any
) -> web.Response:
    lang: Lang = request["lang"]
    session = await get_session(request)
    html = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            lang=lang,
            t=functools.partial(text, lang=lang),
            user=request.get("user"),
            csrf=request.app[CSRF].issue(session),
            path=request.path,
            path_qs=request.path_qs,
            local_time=exports.shown_time,
            label=functools.partial(label, lang=lang),
            **values,
        )
    )
    return web.Response(
        text=html,
        content_type="text/html",
        charset="utf-8",
        status=status,
        headers={"Content-Language": lang},
    )


def _sender(request: web.Request, form: Any = None) -> str:
    sender = (form or request.query).get("id", "")
    if not isinstance(sender, str) or not sender or len(sender) > 255:
        raise _plain(request, web.HTTPBadRequest, "id_required")
    return sender


def _back(sender: str, **extra: str) -> web.HTTPFound:
    return web.HTTPFound("/conversation?" + _urlencode({"id": sender, **extra}))


def _require_admin(request: web.Request) -> None:
    if not request["user"].is_admin:
        raise _plain(request, web.HTTPForbidden, "forbidden")


# ------------------------------------------------------------------ sign-in


async def health(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/conversations"


async def login_form(request: web.Request) -> web.StreamResponse:
    return await _render(
        request, "login.html", error=None, name="", next=_safe_next(request.query.get("next"))
    )


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name = str(form.get("name") or "").strip().lower()[:64]
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    address = request.remote or "unknown"
    limiter = request.app[LIMITER]
    wait = await _db(request, limiter.retry_after, name, address)
    if wait:
        response = await _render(
            request,
            "login.html",
            status=429,
            name=name,
            next=target,
            error=text("sign_in_limited", request["lang"], seconds=wait),
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = await _db(request, accounts.authenticate, name, password)
    if user is None:
        await _db(request, limiter.failed, name, address)
        logger.warning("Failed console sign-in from %s", address)
        return await _render(
            request,
            "login.html",
            status=401,
            name=name,
            next=target,
            error=text("sign_in_failed", request["lang"]),
        )
    await _db(request, limiter.succeeded, name)
    lang = request["lang"]
    lifetime = request.app[SETTINGS].review_session_hours * 3600.0
    token = await _db(request, sessions.start, user.name, lifetime)
    session = await new_session(request)  # a new token on sign-in (no fixation)
    session[SESSION_TOKEN] = token
    session["lang"] = lang
    logger.info("Console sign-in: %s", user.name)
    raise web.HTTPFound(target)


async def logout(request: web.Request) -> web.StreamResponse:
    """End this session, or with `everywhere=1` every session of the account."""
    form = await request.post()
    session = await get_session(request)
    if form.get("everywhere") == "1":
        ended = await _db(request, accounts.end_sessions, request["user"].name)
        logger.info("Console sign-out everywhere: %s (%d sessions)", request["user"].name, ended)
    else:
        await _db(request, sessions.end, session[SESSION_TOKEN])
    session.invalidate()
    raise web.HTTPFound("/login")


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/conversations")


# ------------------------------------------------------------------ list and exports


def _filters(request: web.Request) -> tuple[Filters, str | None]:
    try:
        return Filters.from_query(request.query), None
    except FilterError as exc:
        lang: Lang = request["lang"]
        message = text(
            "filter_error",
            lang,
            field=text(_FILTER_LABELS.get(exc.field, exc.field), lang),
            message=text(exc.key, lang, **exc.values),
        )
        return Filters(), message


# The list form's label of each filter, for the messages about a wrong value.
_FILTER_LABELS = {
    "date_from": "date_from",
    "date_to": "date_to",
    "channel": "channel",
    "language": "language",
    "intent": "intent",
    "tag": "tag",
    "status": "status",
    "q": "search",
}


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


async def conversation_list(request: web.Request) -> web.StreamResponse:
    filters, error = _filters(request)
    await _refresh(request)
    low = request.app[SETTINGS].review_low_confidence
    page = await _db(request, queries.list_conversations, filters, low, _page_number(request))
    known_tags = await _db(request, queries.all_tags)
    return await _render(
        request,
        "list.html",
        status=400 if error else 200,
        filters=filters,
        error=error,
        page=page,
        channels=CHANNELS,
        statuses=STATUSES,
        intents=sorted(request.app[INTENTS] | {indexer.FALLBACK_INTENT}),
        known_tags=known_tags,
        query=request.query,
    )


async def list_export(request: web.Request) -> web.StreamResponse:
    filters, error = _filters(request)
    if error:
        headers = {"Content-Language": request["lang"]}
        raise web.HTTPBadRequest(text=error + "\n", headers=headers)
    await _refresh(request)
    low = request.app[SETTINGS].review_low_confidence
    rows = await _db(request, lambda conn: list(exports.all_rows(conn, filters, low)))
    if request.path.endswith(".csv"):
        body, kind, name = exports.to_csv(rows), "text/csv", "conversations.csv"
    else:
        body, kind, name = exports.to_jsonl(rows), "application/x-ndjson", "conversations.jsonl"
    return web.Response(
        text=body,
        content_type=kind,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def nlu_export(request: web.Request) -> web.StreamResponse:
    body = await _db(request, exports.nlu_yaml, request.app[TRAINING])
    return web.Response(
        text=body,
        content_type="application/yaml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="review_corrections.yml"'},
    )


# ------------------------------------------------------------------ one conversation


async def conversation_view(request: web.Request) -> web.StreamResponse:
    sender = _sender(request)
    found = await _db(request, queries.transcript, sender)
    if found is None:
        return await _render(
            request, "message.html", status=404, message=text("not_found", request["lang"])
        )
    error = request.query.get("error")
    intents: frozenset[str] = request.app[INTENTS]
    training = request.app[TRAINING]
    conflicts = await asyncio.to_thread(
        lambda: {
            turn.event_id: training.conflicts(
                exports.training_example(turn.text, None), turn.correction["intent"]
            )
            for turn in found.turns
            if turn.correction
        }
    )
    return await _render(
        request,
        "conversation.html",
        c=found,
        conflicts=conflicts,
        statuses=STATUSES,
        intents=sorted(intents),
        error=text(error, request["lang"])
        if error and error.startswith("error_") and error in _ERROR_KEYS
        else None,
        saved=request.query.get("saved") == "1",
    )


_ERROR_KEYS = {
    "error_tag",
    "error_status",
    "error_note",
    "error_intent",
    "error_city",
    "error_message",
}


async def _edit(
    request: web.Request, change: Callable[..., None], *fields: str
) -> web.StreamResponse:
    form = await request.post()
    sender = _sender(request, form)
    values = [str(form.get(f) or "") for f in fields]
    exists = await _db(request, queries.has_conversation, sender)
    if not exists:
        raise _plain(request, web.HTTPNotFound, "not_found")
    try:
        await _db(request, change, sender, *values, request["user"].name)
    except edits.EditError as exc:
        raise _back(sender, error=str(exc)) from None
    raise _back(sender, saved="1")


async def tag_add(request: web.Request) -> web.StreamResponse:
    return await _edit(request, edits.add_tag, "tag")


async def tag_remove(request: web.Request) -> web.StreamResponse:
    return await _edit(request, lambda conn, s, tag, _user: edits.remove_tag(conn, s, tag), "tag")


async def status_set(request: web.Request) -> web.StreamResponse:
    return await _edit(request, edits.set_status, "status")


async def note_add(request: web.Request) -> web.StreamResponse:
    return await _edit(request, edits.add_note, "body")


async def correction_add(request: web.Request) -> web.StreamResponse:
    intents = request.app[INTENTS]

    def change(conn: Any, sender: str, event: str, intent: str, city: str, user: str) -> None:
        turn = queries.user_message(conn, sender, int(event)) if event.isdigit() else None
        if turn is None:
            raise edits.EditError("error_message")
        edits.correct(conn, turn, sender, intent, city, intents, user)

    return await _edit(request, change, "event_id", "intent", "city")


async def correction_remove(request: web.Request) -> web.StreamResponse:
    def change(conn: Any, sender: str, event: str, _user: str) -> None:
        if event.isdigit():
            edits.remove_correction(conn, sender, int(event))

    return await _edit(request, change, "event_id")


async def conversation_delete(request: web.Request) -> web.StreamResponse:
    _require_admin(request)
    form = await request.post()
    sender = _sender(request, form)
    if form.get("confirm") != "yes":
        raise _back(sender)
    async with request.app[INDEX_LOCK]:
        deleted = await asyncio.to_thread(edits.erase, request.app[ENGINE], sender)
    logger.info("Conversation erased on request by %s (%d events)", request["user"].name, deleted)
    return await _render(request, "message.html", message=text("deleted", request["lang"]))


async def story_export(request: web.Request) -> web.StreamResponse:
    sender = _sender(request)
    found = await _db(request, queries.transcript, sender)
    if found is None:
        raise _plain(request, web.HTTPNotFound, "not_found")
    return web.Response(
        text=exports.test_story(found),
        content_type="application/yaml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="test_story.yml"'},
    )


# ------------------------------------------------------------------ overview and users


def _period(request: web.Request) -> tuple[dt.date, dt.date]:
    today = dt.datetime.now(TIMEZONE).date()
    try:
        last = dt.date.fromisoformat(request.query.get("date_to") or today.isoformat())
        first = dt.date.fromisoformat(
            request.query.get("date_from") or (last - dt.timedelta(days=29)).isoformat()
        )
    except ValueError:
        raise _plain(request, web.HTTPBadRequest, "period_dates") from None
    if first > last or (last - first).days > 366:
        raise _plain(request, web.HTTPBadRequest, "period_length")
    return first, last


async def overview_page(request: web.Request) -> web.StreamResponse:
    first, last = _period(request)
    await _refresh(request)
    low = request.app[SETTINGS].review_low_confidence
    o = await _db(request, overview, first, last, low)
    lang: Lang = request["lang"]
    every = max(1, len(o.per_day) // 10)
    label = {f"ch_{c}": text(f"ch_{c}", lang) for c in CHANNELS}
    figures = {
        "per_day": charts.columns(
            "per-day",
            text("per_day", lang),
            [(d.strftime("%d.%m."), n) for d, n in o.per_day],
            every=every,
        ),
        "languages": charts.horizontal_bars(
            "languages",
            text("by_language", lang),
            [(text(f"lang_{k}", lang) if k in ("de", "en") else k, n) for k, n in o.languages],
        ),
        "channels": charts.horizontal_bars(
            "channels",
            text("by_channel", lang),
            [(label.get(f"ch_{k}", k), n) for k, n in o.channels],
        ),
        "intents": charts.horizontal_bars("intents", text("top_intents", lang), o.top_intents),
        "thumbs": charts.split_bar(
            "thumbs",
            text("thumbs", lang),
            [(text("m_up", lang), o.thumbs_up), (text("m_down", lang), o.thumbs_down)],
        ),
        "fallback": charts.split_bar(
            "fallback",
            text("fallback_rate", lang),
            [(text("m_fallback", lang), o.uncertain), ("OK", o.messages - o.uncertain)],
        ),
    }
    return await _render(request, "overview.html", o=o, figures=figures)


async def users_page(request: web.Request) -> web.StreamResponse:
    _require_admin(request)
    found = await _db(request, accounts.list_users)
    return await _render(request, "users.html", users=found)


async def user_remove(request: web.Request) -> web.StreamResponse:
    _require_admin(request)
    form = await request.post()
    name = str(form.get("name") or "")
    if name == request["user"].name:
        raise _plain(request, web.HTTPBadRequest, "remove_self")
    try:
        await _db(request, accounts.remove_user, name)
    except accounts.AccountError:
        raise _plain(request, web.HTTPBadRequest, "no_such_user") from None
    raise web.HTTPFound("/users")


async def user_sign_out(request: web.Request) -> web.StreamResponse:
    """An admin ends every session of an account (e.g. a lost laptop)."""
    _require_admin(request)
    form = await request.post()
    name = str(form.get("name") or "")
    if await _db(request, accounts.get_user, name) is None:
        raise _plain(request, web.HTTPBadRequest, "no_such_user")
    ended = await _db(request, accounts.end_sessions, name)
    logger.info("Sessions of %s ended by %s (%d)", name, request["user"].name, ended)
    raise web.HTTPFound("/users")


def run(
    settings: Settings, engine: Engine, host: str = "127.0.0.1", port: int | None = None
) -> None:
    """Serve the console until SIGINT or SIGTERM (loopback only; a TLS proxy in front)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    port = port or settings.review_port
    logger.info("Review console on http://%s:%s/", host, port)
    web.run_app(create_app(settings, engine), host=host, port=port, print=None, access_log=None)
