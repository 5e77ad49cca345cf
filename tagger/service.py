"""The editors' door: an HTTP API and a tagging page over ``Tagger.tag``, and a feedback store.

``create_app()`` builds the FastAPI app; the model is loaded once per worker process when the
app starts (the lifespan), not per request. ``tagger serve`` runs it on uvicorn through
:func:`app_from_env`, which reads the same settings from ``TAGGER_*`` environment variables so
that every worker of ``--workers N`` builds the same app.

Safety, by default: the CLI listens on 127.0.0.1; with ``TAGGER_API_KEY`` set every ``/v1``
route needs ``Authorization: Bearer <key>`` (compared in constant time); bodies over
``max_body`` bytes get 413; story text is never logged, and feedback keeps only a SHA-256 of the
text unless ``keep_text`` is set.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tagger.errors import BadInputError, TaggerError
from tagger.feedback import FeedbackStore
from tagger.pipeline import MODEL_ARRAYS
from tagger.settings import DEFAULT_FEEDBACK_DB, MAX_BODY_BYTES, MAX_TEXT_CHARS
from tagger.tagger import Tagger
from tagger.tags import ENTITY_LABELS, Tags

log = logging.getLogger("tagger.service")

STATIC = Path(__file__).resolve().parent / "static"
MAX_BATCH = 64

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# -- request bodies: pydantic validates them, so a wrong type is a 422 naming the field --------
def _valid_unicode(value: str) -> str:
    """JSON may carry lone surrogates (``"\\ud800"``): they cannot be tagged, stored or answered."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"not valid Unicode: lone surrogate at character {exc.start}") from None
    return value


Text = Annotated[str, AfterValidator(_valid_unicode)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TagRequest(_Body):
    text: Text = Field(description="The story: headline and body, plain text.")
    top_k: int | None = Field(
        None, ge=1, le=1000, description="Keep at most this many entities and topics."
    )
    min_score: float | None = Field(
        None, ge=0.0, le=1.0, description="Drop topics below this score (the model stops at 0.25)."
    )


class BatchRequest(_Body):
    texts: list[Text] = Field(min_length=1, max_length=MAX_BATCH, description="1 to 64 stories.")
    top_k: int | None = Field(None, ge=1, le=1000)
    min_score: float | None = Field(None, ge=0.0, le=1.0)


class FeedbackTag(BaseModel):
    """A topic (``slug``) or an entity (``name`` + ``label``); other keys of a tag are ignored,
    so a client can post back the tag exactly as ``/v1/tag`` returned it."""

    model_config = ConfigDict(extra="ignore")
    slug: Text | None = Field(None, min_length=1, max_length=200)
    name: Text | None = Field(None, min_length=1, max_length=500)
    label: Text | None = Field(None, max_length=500)
    id: Text | None = Field(None, max_length=200)
    iptc: Text | None = Field(None, max_length=200)
    score: float | None = None
    salience: float | None = None

    @model_validator(mode="after")
    def _topic_or_entity(self) -> FeedbackTag:
        if not self.slug and not (self.name and self.label):
            raise ValueError("give 'slug' for a topic, or 'name' and 'label' for an entity")
        if not self.slug and self.label not in ENTITY_LABELS:
            raise ValueError(f"entity label must be one of {', '.join(ENTITY_LABELS)}")
        return self


class FeedbackRequest(_Body):
    text: Text | None = Field(None, min_length=1, description="The story the tag was for.")
    text_id: Text | None = Field(
        None, min_length=1, max_length=200, description="The CMS's id of the story, instead of it."
    )
    tag: FeedbackTag
    verdict: Literal["accept", "reject", "add"]

    @model_validator(mode="after")
    def _text_or_id(self) -> FeedbackRequest:
        if self.text is None and self.text_id is None:
            raise ValueError("give 'text' or 'text_id'")
        return self


# -- the body-size limit: a pure ASGI middleware, so nothing reads an oversized body -------------
class BodySizeLimit:
    """Answer 413 to a request whose body is over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._reject(send)
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body is over the limit of {self.max_bytes} bytes"},
            status_code=413,
        )
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:  # pragma: no cover - JSONResponse never reads the request
    return {"type": "http.disconnect"}


# -- the app --------------------------------------------------------------------------------------
class ServiceState:
    """What one worker holds: the tagger, its lock, the feedback store, the model's identity."""

    def __init__(self, tagger: Tagger, feedback: FeedbackStore) -> None:
        self.tagger = tagger
        self.feedback = feedback
        # spaCy pipelines are not documented as thread-safe; requests run in a thread pool
        self.lock = threading.Lock()
        manifest = tagger.manifest
        files = manifest.get("files") or {}
        checksum = files.get(MODEL_ARRAYS, "")
        self.model = {
            "name": manifest.get("name", "entities-only"),
            "version": f"{manifest.get('name', 'entities-only')}@{checksum[:12] or 'none'}",
            "created": manifest.get("created"),
        }
        concepts = tagger.topic_model.concepts if tagger.topic_model is not None else []
        self.topics = {c.slug: c for c in concepts}


bearer = HTTPBearer(auto_error=False, description="The value of TAGGER_API_KEY.")


def authorised(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """With an API key configured, a request must carry it (compared in constant time)."""
    key: str = request.app.state.api_key
    if not key:
        return
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8")):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


SECRET_QUERY_NAMES = frozenset({"api_key", "apikey", "key", "token", "access_token", "auth"})


def no_key_in_url(request: Request) -> None:
    """A key in the URL ends up in logs, proxies and browser history: refuse it and say where."""
    if SECRET_QUERY_NAMES & {name.lower() for name in request.query_params}:
        raise HTTPException(
            status_code=400,
            detail="do not put the API key in the URL; send 'Authorization: Bearer <key>'",
        )


class HideQueryStrings(logging.Filter):
    """Drops the query string from uvicorn's access-log lines: URLs may carry secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def hide_query_strings() -> None:
    """Install :class:`HideQueryStrings` on uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideQueryStrings) for f in access.filters):
        access.addFilter(HideQueryStrings())


def service(request: Request) -> ServiceState:
    """The worker's loaded state (set by the lifespan)."""
    return request.app.state.service


State = Annotated[ServiceState, Depends(service)]


def _limit(tags: Tags, top_k: int | None, min_score: float | None) -> dict[str, Any]:
    data = tags.to_dict()
    if min_score is not None:
        data["topics"] = [t for t in data["topics"] if t["score"] >= min_score]
    if top_k is not None:
        data["entities"] = data["entities"][:top_k]
        data["topics"] = data["topics"][:top_k]
    return data


# -- answers: pydantic models, so /docs shows the shape of every response ---------------------------
class MentionOut(BaseModel):
    start: int
    end: int
    text: str


class EntityOut(BaseModel):
    name: str
    label: str
    id: str | None
    count: int
    salience: float
    mentions: list[MentionOut]
    suggested: bool


class PassageOut(BaseModel):
    start: int
    end: int


class TopicOut(BaseModel):
    slug: str
    label: str
    iptc: str | None
    score: float
    evidence: list[str]
    passage: PassageOut | None


class ModelInfo(BaseModel):
    name: str
    version: str
    created: str | None


class TagsOut(BaseModel):
    entities: list[EntityOut]
    topics: list[TopicOut]


class TagResponse(TagsOut):
    model: ModelInfo


class BatchResponse(BaseModel):
    results: list[TagsOut]
    model: ModelInfo


class TaxonomyTopic(BaseModel):
    slug: str
    label: str
    iptc: str | None
    scope: str


class TaxonomyResponse(BaseModel):
    topics: list[TaxonomyTopic]
    entity_labels: list[str]


class ModelResponse(ModelInfo):
    versions: dict[str, Any] | None
    training_data: dict[str, Any] | None
    params: dict[str, Any] | None
    metrics: dict[str, Any] | None
    checksums: dict[str, str] | None


class FeedbackResponse(BaseModel):
    model_config = ConfigDict(extra="allow")  # the stored row, as FeedbackStore.add returns it


class HealthResponse(BaseModel):
    status: str
    model: str


router = APIRouter()
V1: list[Any] = [Depends(no_key_in_url), Depends(authorised)]


@router.post("/v1/tag", dependencies=V1, tags=["tagging"], response_model=TagResponse)
def tag(body: TagRequest, state: State) -> dict[str, Any]:
    """Entities and topics of one story (the ``Tags.to_dict()`` shape) and the model."""
    limit = MAX_TEXT_CHARS
    if len(body.text) > limit:
        raise _too_long(("text",), body.text, limit)
    with state.lock:
        tags = state.tagger.tag(body.text)
    return {**_limit(tags, body.top_k, body.min_score), "model": state.model}


@router.post("/v1/tag/batch", dependencies=V1, tags=["tagging"], response_model=BatchResponse)
def tag_batch(body: BatchRequest, state: State) -> dict[str, Any]:
    """Up to 64 stories at once, answers in input order."""
    limit = MAX_TEXT_CHARS
    for i, text in enumerate(body.texts):
        if len(text) > limit:
            raise _too_long(("texts", i), text, limit)
    with state.lock:
        results = list(state.tagger.tag_many(body.texts))
    return {
        "results": [_limit(t, body.top_k, body.min_score) for t in results],
        "model": state.model,
    }


@router.get("/v1/taxonomy", dependencies=V1, tags=["model"], response_model=TaxonomyResponse)
def taxonomy(state: State) -> dict[str, Any]:
    """The topics the model can suggest (and an editor can add), and the entity labels."""
    return {
        "topics": [
            {"slug": c.slug, "label": c.label, "iptc": c.iptc, "scope": c.scope}
            for c in state.topics.values()
        ],
        "entity_labels": list(ENTITY_LABELS),
    }


@router.get("/v1/model", dependencies=V1, tags=["model"], response_model=ModelResponse)
def model(state: State) -> dict[str, Any]:
    """The model's version, training data, cross-validated metrics and file checksums."""
    manifest = state.tagger.manifest
    return {
        **state.model,
        "versions": manifest.get("versions"),
        "training_data": manifest.get("training_data"),
        "params": manifest.get("params"),
        "metrics": manifest.get("metrics"),
        "checksums": manifest.get("files"),
    }


@router.post(
    "/v1/feedback",
    dependencies=V1,
    tags=["feedback"],
    status_code=201,
    response_model=FeedbackResponse,
)
def feedback(body: FeedbackRequest, state: State) -> dict[str, Any]:
    """Store an editor's verdict on a tag: accept, reject, or add (a tag not suggested)."""
    limit = MAX_TEXT_CHARS
    if body.text is not None and len(body.text) > limit:
        raise _too_long(("text",), body.text, limit)
    tag = body.tag.model_dump(exclude_none=True)
    if body.tag.slug and body.tag.slug not in state.topics:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "tag", "slug"),
                    "msg": f"unknown topic {body.tag.slug!r}: see GET /v1/taxonomy",
                    "type": "value_error",
                }
            ]
        )
    stored = state.feedback.add(
        body.verdict, tag, text=body.text, text_id=body.text_id,
        model_version=state.model["version"],
    )  # fmt: skip
    return stored


@router.get("/healthz", tags=["service"], response_model=HealthResponse)
def healthz(request: Request) -> dict[str, Any]:
    """Liveness and readiness: 200 once the model is loaded."""
    state = getattr(request.app.state, "service", None)
    if state is None:
        raise HTTPException(status_code=503, detail="model not loaded yet")
    return {"status": "ok", "model": state.model["version"]}


def _too_long(field: tuple[str | int, ...], text: str, limit: int) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "loc": ("body", *field),
                "msg": f"text is {len(text)} characters; the limit is {limit} characters",
                "type": "string_too_long",
                "ctx": {"max_length": limit},
            }
        ]
    )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def create_app(
    model_path: str | Path | None = None,
    feedback_db: str | Path | None = None,
    api_key: str | None = None,
    *,
    keep_text: bool = False,
    max_body: int = MAX_BODY_BYTES,
    tagger: Tagger | None = None,
) -> FastAPI:
    """The service. ``api_key=None`` reads ``TAGGER_API_KEY`` ("" means open); ``tagger`` gives
    an already loaded model instead of ``model_path`` (tests share one that way)."""
    key = os.environ.get("TAGGER_API_KEY", "") if api_key is None else api_key
    db_path = Path(feedback_db or DEFAULT_FEEDBACK_DB)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = tagger if tagger is not None else Tagger.load(model_path)
        state = ServiceState(loaded, FeedbackStore(db_path, keep_text=keep_text))
        app.state.service = state
        log.info(
            "tagger service: model %s, %d topics; feedback in %s (%s)",
            state.model["version"],
            len(state.topics),
            db_path,
            "text kept" if keep_text else "text hashed, not kept",
        )
        if key:
            log.info("tagger service: /v1 routes require the API key (Authorization: Bearer)")
        else:
            log.warning(
                "tagger service: no TAGGER_API_KEY set, so the service is OPEN: anyone who can "
                "reach this port can use the /v1 API"
            )
        yield

    app = FastAPI(
        title="tagger",
        summary="Entity and topic suggestions for news stories, run by the newsroom itself.",
        version=_package_version(),
        lifespan=lifespan,
    )
    app.state.api_key = key
    hide_query_strings()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 naming each field; never echoes the input (it may be a whole story)."""
        detail = []
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            msg = str(error.get("msg", "invalid"))
            if error.get("type") == "json_invalid":
                msg = f"{msg}: {error.get('ctx', {}).get('error', 'malformed JSON')}"
                loc = ["body"]
            detail.append(
                {
                    "field": ".".join(loc[1:] if loc[:1] == ["body"] and len(loc) > 1 else loc),
                    "loc": loc,
                    "msg": msg,
                    "type": error.get("type"),
                }
            )
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(TaggerError)
    async def tagger_error(request: Request, exc: TaggerError) -> JSONResponse:
        status = 422 if isinstance(exc, BadInputError | TypeError) else 500
        return JSONResponse({"detail": str(exc)}, status_code=status)

    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodySizeLimit, max_bytes=max_body)
    return app


def _package_version() -> str:
    import tagger

    return tagger.__version__


def app_from_env() -> FastAPI:
    """The app from ``TAGGER_MODEL``, ``TAGGER_FEEDBACK_DB``, ``TAGGER_KEEP_TEXT``,
    ``TAGGER_MAX_BODY`` and ``TAGGER_API_KEY``: uvicorn's factory for ``tagger serve``."""
    logger = logging.getLogger("tagger")
    if not logger.handlers:  # uvicorn configures only its own loggers
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    max_body = os.environ.get("TAGGER_MAX_BODY", "")
    if max_body and not max_body.isdigit():
        raise BadInputError(f"TAGGER_MAX_BODY must be a number of bytes, not {max_body!r}")
    return create_app(
        model_path=os.environ.get("TAGGER_MODEL") or None,
        feedback_db=os.environ.get("TAGGER_FEEDBACK_DB") or None,
        keep_text=_env_flag("TAGGER_KEEP_TEXT"),
        max_body=int(max_body) if max_body else MAX_BODY_BYTES,
    )
