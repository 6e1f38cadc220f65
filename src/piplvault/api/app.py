"""The FastAPI application of ``piplvault serve``.

One `Vault` per process (opened once, keys in memory only); every request authenticates at
the door (`auth.session_from_header`) and runs its use case in a `Session` for that person.
Errors have one JSON shape: ``{"error": {"code": …, "message": …}}`` with the HTTP status of
the error class in ``errors.py``.
"""

import dataclasses
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from piplvault import __version__
from piplvault.api import auth, bridge, commands, errors
from piplvault.api.hot_reads import HotReads
from piplvault.api.prefork import SealSwitch
from piplvault.api.request_id import RequestIdMiddleware
from piplvault.errors import ValidationError, VaultError
from piplvault.vault import customers, people
from piplvault.vault.service import NOT_ADMITTED, Vault
from piplvault.vault.session import Session, authenticate

LOGIN_HOURS = 12


class LoginBody(BaseModel):
    user: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)
    hours: int = Field(default=LOGIN_HOURS, ge=1, le=24 * 30)


class FindBody(BaseModel):
    by: str
    value: str = Field(max_length=1024)
    purpose: str | None = None


class CommandBody(BaseModel):
    argv: list[str] = Field(max_length=200)
    stdin: str = ""
    inputs: dict[str, dict[str, str]] = {}
    outputs: dict[str, str] = {}
    paths: dict[str, str] = {}
    columns: int = 100
    lang: str = "zh"
    confirm_preview: bool = False
    #: answer as NDJSON: progress events, then the result (issue 14)
    stream: bool = False


async def current_session(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Session:
    """The authenticated session of this request (401 without valid credentials).

    A valid Bearer token on SQLite is checked on the event loop (one indexed read);
    everything else — passwords (Argon2id), refusals (an audited write), PostgreSQL —
    in a worker thread."""
    vault: Vault = request.app.state.vault
    _follow_seal(request.app, vault)
    if vault.reads_inline:
        session = auth.valid_token_session(vault, authorization)
        if session is not None:
            return session
    return await run_in_threadpool(auth.session_from_header, vault, authorization)


def _follow_seal(api: FastAPI, vault: Vault) -> None:
    """With several workers: another worker sealed the server, so this one forgets its
    keys before answering anything (``prefork.SealSwitch``)."""
    switch = api.state.seal_switch
    if switch is not None and switch.is_set() and not vault.keyring.sealed:
        vault.keyring.wipe()


SessionDep = Annotated[Session, Depends(current_session)]


async def customer_response(
    s: Session,
    customer_id: int,
    *,
    reveal: bool = False,
    purpose: str | None = None,
    only: list[str] | None = None,
) -> JSONResponse:
    """The answer of ``GET /api/v1/customers/{id}``, through FastAPI's route or the plain
    read's shortcut (``hot_reads``): the view once its audit entry is durable."""
    if reveal and not purpose:
        raise ValidationError("Revealing values needs a declared purpose")
    read = customers.customer_reader(
        s, customer_id, reveal=reveal, purpose=purpose, only=only
    )
    # already plain JSON values: answered as they are (no second validation pass)
    return JSONResponse(_doc(await s.audited_read_async(read)))


async def customer_answer(
    request: Request, authorization: str | None, customer_id: int
) -> JSONResponse:
    """The plain read's answer (``hot_reads``): a valid Bearer token is checked in the
    read's own snapshot on SQLite (one snapshot per request); anything else — no or
    another credential, a token refused (then audited), PostgreSQL — goes the route's
    way: :func:`current_session`, then :func:`customer_response`."""
    vault: Vault = request.app.state.vault
    _follow_seal(request.app, vault)
    answered = await vault.admitted_read_async(
        lambda conn: auth.valid_token_session(vault, authorization, conn),
        lambda session: customers.customer_reader(session, customer_id),
    )
    if answered is not NOT_ADMITTED:
        return JSONResponse(_doc(answered))
    session = await current_session(request, authorization)
    return await customer_response(session, customer_id)


def create_app(
    vault: Vault, *, console: bool = True, seal_switch: SealSwitch | None = None
) -> FastAPI:
    """The API for one open vault (``console``: with the web console; ``seal_switch``:
    the flag the workers of ``serve --workers N`` share)."""
    api = FastAPI(
        title="piplvault",
        version=__version__,
        description="PIPL customer personal-information vault (个人信息保险库) API. "
        "Authenticate with `Authorization: Bearer <token>` (from POST /api/v1/login) "
        "or HTTP Basic with your own user name and password.",
    )
    api.state.vault = vault
    api.state.seal_switch = seal_switch

    @api.exception_handler(VaultError)
    def _vault_error(_request: Request, error: VaultError) -> JSONResponse:
        return errors.vault_error_response(error)

    api.add_exception_handler(RequestValidationError, errors.validation_error_response)

    api.add_middleware(RequestIdMiddleware)

    @api.get("/health", tags=["server"])
    def health() -> dict[str, Any]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    @api.get("/ready", tags=["server"])
    def ready() -> JSONResponse:
        """Readiness: the vault is unsealed and its database answers."""
        _follow_seal(api, vault)
        if vault.keyring.sealed:
            return JSONResponse(
                status_code=503, content={"ready": False, "sealed": True}
            )
        vault.meta_value("vault_id")
        return JSONResponse(content={"ready": True, "sealed": False})

    @api.post("/api/v1/login", tags=["auth"])
    def login(body: LoginBody) -> dict[str, Any]:
        """Exchange your own password for a short-lived API token (shown once)."""
        s = authenticate(vault, body.user, password=body.password)
        return people.issue_own_token(s, hours=body.hours)

    @api.post("/api/v1/logout", tags=["auth"])
    def logout(
        s: SessionDep, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        """Revoke the Bearer token this request was made with."""
        token = (authorization or "").partition(" ")[2].strip()
        return people.revoke_own_token(s, token)

    @api.get("/api/v1/whoami", tags=["auth"])
    def whoami(s: SessionDep) -> dict[str, Any]:
        return people.whoami(s)

    @api.post("/api/v1/seal", tags=["server"])
    def seal(s: SessionDep) -> dict[str, Any]:
        """Forget the keys now (admin). Every later request gets 503 until a restart."""
        people.require_admin(s, action="seal")
        vault.seal()
        if seal_switch is not None:
            seal_switch.set()  # every other worker: at its next request, and now
        return {"sealed": True}

    @api.post("/api/v1/cli", tags=["cli"], response_model=None)
    def run_command(
        s: SessionDep, body: CommandBody
    ) -> dict[str, Any] | StreamingResponse:
        """Run one `piplvault` command line as the authenticated user (the CLI client).
        With ``stream``: NDJSON progress events as the command works, then its result."""
        request = bridge.BridgeRequest.from_json(body.model_dump())
        if not request.stream:
            return bridge.run(s, request)
        return StreamingResponse(bridge.stream(s, request), media_type=bridge.NDJSON)

    @api.get("/api/v1/status", tags=["vault"])
    def status(s: SessionDep) -> dict[str, Any]:
        return s.status()

    @api.get("/api/v1/customers", tags=["customers"])
    def list_customers(
        s: SessionDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        """Customers, masked (paginated)."""
        return _doc(s.list_customers(limit=limit, offset=offset, purpose=purpose))

    @api.post("/api/v1/customers/find", tags=["customers"])
    def find_customers(s: SessionDep, body: FindBody) -> dict[str, Any]:
        """Exact lookup by blind index (phone, id_number, email, …); masked. A POST, so
        that the looked-up value never appears in a URL or an access log."""
        return _doc(s.find_customers(body.by, body.value, purpose=body.purpose))

    @api.get(
        "/api/v1/customers/{customer_id}",
        tags=["customers"],
        response_model=dict[str, Any],
    )
    async def show_customer(
        s: SessionDep,
        customer_id: int,
        reveal: bool = False,
        purpose: str | None = None,
        field: Annotated[list[str] | None, Query()] = None,
    ) -> JSONResponse:
        """One customer, masked; ``reveal=true`` with a declared purpose shows values (audited)."""
        return await customer_response(
            s, customer_id, reveal=reveal, purpose=purpose, only=field
        )

    @api.get("/api/v1/audit/verify", tags=["audit"])
    def verify_audit(s: SessionDep) -> dict[str, Any]:
        return _doc(s.verify_audit())

    api.include_router(commands.router(current_session))

    around: list[Any] = [RequestIdMiddleware]  # as the app nests its middlewares
    if console:
        from piplvault.web.app import SecurityHeaders, install  # docs/console.md

        install(api)
        around.append(SecurityHeaders)
    #: what the server serves: the plain customer read in front of FastAPI (hot_reads)
    api.state.front_door = HotReads(api, answer=customer_answer, around=around)
    return api


def _doc(value: Any) -> dict[str, Any]:
    """A use case's result as one JSON object."""
    plain = _plain(value)
    return plain if isinstance(plain, dict) else {"items": plain}


def _plain(value: Any) -> Any:
    """Dataclasses → dicts (one shape for CLI JSON, API and console)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
