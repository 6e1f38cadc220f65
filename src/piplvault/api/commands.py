"""Every `piplvault` command as a documented REST route: ``POST /api/v1/commands/GROUP/NAME``.

The routes are generated from the real command tree, so a command and its route never
drift apart: the JSON body's fields are the command's own parameters (snake_case, typed and
ranged as the command types them, documented with its help text), the command runs as the
authenticated person exactly as ``piplvault GROUP NAME … --json`` would through the server
(`api.bridge`), and the response carries the command's own JSON — one shape for the CLI,
the API and the console.

* Files: a parameter that names a file takes ``{"name": "x.csv", "data": "<base64>"}`` to
  upload it, or a plain file name for a file the command writes; written files come back
  base64-encoded under ``files``. Nothing names a path on the server.
* Lists are paginated: ``?limit=&offset=`` on every route whose result is a list.
* Every route is a POST so that no personal value (a phone number looked up, a reason)
  ever appears in a URL or an access log.
* Errors have the one shape ``{"error": {"code", "message", "field"?}}`` with the HTTP
  status of the error class (``errors.py``); a malformed body is ``usage-error`` (422).
"""

# No ``from __future__ import annotations``: FastAPI reads the generated handlers'
# annotations (a body model built at run time) as real objects.
import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from piplvault.api import bridge
from piplvault.api.errors import ERROR_RESPONSES
from piplvault.errors import VaultError

#: Options every command has that the server decides, never the request: the vault's
#: location (the server's own), the acting user (whoever authenticated) and the output
#: format (always JSON here).
_SERVER_DECIDES = frozenset({"home", "db", "user", "json_out", "lang"})
PREFIX = "/api/v1/commands"
MAX_PAGE = 1000


class FileIn(BaseModel):
    """A file uploaded with the request (it is never stored outside the vault)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255, description="The file's name")
    data: str = Field(description="The file's bytes, base64-encoded")


class CommandError(VaultError):
    """The command refused the request with a usage error (bad or missing parameter)."""

    code = "usage-error"
    status = 422


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command, as the API sees it."""

    name: str
    is_option: bool
    flag: str  # the long option spelling ("" for arguments)
    annotation: Any  # the Python type of one value
    many: bool
    required: bool
    default: Any
    help: str
    minimum: int | None
    maximum: int | None
    choices: tuple[str, ...]
    is_path: bool
    is_flag: bool
    off_flag: str  # "--no-x" of a "--x/--no-x" switch ("" if none)

    @property
    def key(self) -> str:
        """The body model's attribute (``name`` unless pydantic reserves it)."""
        return self.name + "_" if hasattr(BaseModel, self.name) else self.name


@dataclass(frozen=True, slots=True)
class CommandSpec:
    words: tuple[str, ...]
    summary: str
    help: str
    params: tuple[Param, ...]
    has_json: bool

    @property
    def path(self) -> str:
        return PREFIX + "/" + "/".join(self.words)

    @property
    def model_name(self) -> str:
        return "".join(w.title().replace("-", "") for w in self.words) + "Body"


def command_specs() -> list[CommandSpec]:
    """The command tree as route specifications (commands that only the owner runs on the
    server's own machine — init, serve, restore… — have no route)."""
    import typer.main

    from piplvault.cli import commands  # noqa: F401  registers every command
    from piplvault.cli.app import app

    specs: list[CommandSpec] = []

    def walk(command: Any, words: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*words, name])
            return
        joined = " ".join(words)
        if joined in bridge.LOCAL_ONLY or words[0] in bridge.LOCAL_ONLY:
            return
        text = (command.help or "").strip()
        params = tuple(
            _param(p)
            for p in command.params
            if p.name not in _SERVER_DECIDES and "--json" not in p.opts
        )
        has_json = any("--json" in p.opts for p in command.params)
        specs.append(
            CommandSpec(
                tuple(words),
                text.split("\n", 1)[0][:120],
                text,
                params,
                has_json,
            )
        )

    walk(typer.main.get_command(app), [])
    return specs


def _param(p: Any) -> Param:
    descriptor = getattr(p, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", str)
    many = bool(getattr(p, "multiple", False)) or p.nargs == -1
    inner = getattr(annotation, "__args__", (annotation,))[0] if many else annotation
    is_option = p.param_type_name == "option"
    longs = [o for o in p.opts if o.startswith("--")] if is_option else []
    choices = tuple(getattr(descriptor, "choices", None) or ())
    # Body fields are named as the user knows them: an option by its long flag
    # (``--all`` → ``all``), an argument by its name.
    name = longs[0][2:].replace("-", "_") if longs else str(p.name)
    return Param(
        name=name,
        is_option=is_option,
        flag=(longs or list(p.opts) or [""])[0],
        annotation=inner,
        many=many,
        required=bool(p.required),
        default=p.default,
        help=str(getattr(p, "help", "") or ""),
        minimum=getattr(p, "min", None),
        maximum=getattr(p, "max", None),
        choices=choices,
        is_path=inner is Path,
        is_flag=bool(getattr(p, "is_flag", False)),
        off_flag=next(iter(getattr(p, "secondary_opts", None) or ()), ""),
    )


def _field_type(param: Param) -> Any:
    if param.is_path:
        one: Any = FileIn | str
    elif param.choices:
        one = Literal[param.choices]
    elif param.annotation in (int, float, bool):
        one = param.annotation
    else:
        one = str
    return list[one] if param.many else one


def body_model(spec: CommandSpec) -> type[BaseModel]:
    """The request body of one command: its parameters as typed, documented fields."""
    fields: dict[str, Any] = {}
    for param in spec.params:
        kind = _field_type(param)
        extra: dict[str, Any] = {"description": param.help or None}
        if param.annotation is int and not param.many and not param.choices:
            extra["ge"] = param.minimum
            extra["le"] = param.maximum
        if param.annotation is str and not param.many and not param.choices:
            extra["max_length"] = 100_000
        if param.key != param.name:  # e.g. "json", "copy": BaseModel's own names
            extra["alias"] = param.name
        if param.required:
            fields[param.key] = (kind, Field(..., **extra))
        else:
            if param.is_flag:
                fields[param.key] = (bool, Field(bool(param.default), **extra))
                continue
            fields[param.key] = (
                kind | None,
                Field([] if param.many else None, **extra),
            )
    fields["stdin"] = (
        str,
        Field(
            "",
            max_length=1_000_000,
            description="Text for the command's standard input (a password or a "
            "personal value given as '-', so that it never appears in a URL or an argv)",
        ),
    )
    model: type[BaseModel] = create_model(
        spec.model_name, __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def to_request(spec: CommandSpec, body: BaseModel, lang: str) -> bridge.BridgeRequest:
    """The command line (and files) a request body stands for."""
    argv: list[str] = list(spec.words)
    inputs: dict[int, tuple[str, bytes]] = {}
    outputs: dict[int, str] = {}
    values = body.model_dump()

    def add(param: Param, value: Any) -> None:
        if param.is_path and isinstance(value, dict):
            try:
                data = base64.b64decode(value["data"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise CommandError(
                    f"{param.name}: 'data' is not valid base64 ({exc})"
                ) from exc
            name = bridge.safe_name(value["name"])
            inputs[len(argv)] = (name, data)
            argv.append(name)
        elif param.is_path:
            name = bridge.safe_name(str(value))
            outputs[len(argv)] = name
            argv.append(name)
        elif isinstance(value, bool):
            argv.append("true" if value else "false")
        else:
            argv.append(str(value))

    options: list[tuple[Param, Any]] = []
    for param in spec.params:
        value = values.get(param.key)
        if param.is_option:
            options.append((param, value))
            continue
        for one in _each(param, value):
            add(param, one)
    for param, value in options:
        if param.is_flag:
            if value:
                argv.append(param.flag)
            elif param.off_flag:
                argv.append(param.off_flag)
            continue
        for one in _each(param, value):
            argv.append(param.flag)
            add(param, one)
    if spec.has_json:
        argv.append("--json")
    return bridge.BridgeRequest(
        argv,
        stdin=str(values.get("stdin") or "").encode("utf-8"),
        inputs=inputs,
        outputs=outputs,
        lang=lang,
    )


def _each(param: Param, value: Any) -> list[Any]:
    """The values given for ``param`` (none, one, or a list)."""
    if value is None:
        return []
    return list(value) if param.many else [value]


def _result(spec: CommandSpec, done: dict[str, Any]) -> Any:
    if done.get("error"):
        error = done["error"]
        raise _Failed(error["code"], error["message"], error["status"])
    if done["exit_code"] != 0:
        lines = [ln for ln in done["stderr"].splitlines() if ln.strip()]
        raise CommandError(lines[-1] if lines else "The command failed")
    if not spec.has_json:
        return done["stdout"]
    text = done["stdout"].strip()
    return json.loads(text) if text else None


class _Failed(VaultError):
    """A typed error the command raised, carried back with its code and status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def paginate(result: Any, limit: int, offset: int) -> Any:
    """A page of a list result: ``{"items", "total", "limit", "offset", "next_offset"}``."""
    if not isinstance(result, list):
        return result
    page = result[offset : offset + limit]
    following = offset + limit
    return {
        "items": page,
        "total": len(result),
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < len(result) else None,
    }


def router(session_dep: Any) -> APIRouter:
    """One route per command, each authenticating its caller with ``session_dep``."""
    routes = APIRouter()
    for spec in command_specs():
        _add_route(routes, spec, session_dep)
    return routes


def _add_route(routes: APIRouter, spec: CommandSpec, session_dep: Any) -> None:
    model = body_model(spec)

    def handler(
        body: model,  # type: ignore[valid-type]
        session: Annotated[Any, Depends(session_dep)],
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        lang: Annotated[Literal["zh", "en"], Query()] = "zh",
    ) -> dict[str, Any]:
        done = bridge.run(session, to_request(spec, body, lang))
        return {
            "command": " ".join(spec.words),
            "result": paginate(_result(spec, done), limit, offset),
            "files": done.get("files", {}),
            "messages": done.get("stderr", ""),
        }

    routes.add_api_route(
        spec.path,
        handler,
        methods=["POST"],
        tags=[spec.words[0]],
        summary=spec.summary or " ".join(spec.words),
        description=f"`piplvault {' '.join(spec.words)}`\n\n{spec.help}",
        operation_id="_".join(spec.words).replace("-", "_"),
        name=" ".join(spec.words),
        responses=ERROR_RESPONSES,
    )
