"""Destruction certificates (销毁证明): canonical signed JSON, offline verification, HTML.

The file is the canonical JSON serialisation (sorted keys, no insignificant whitespace,
UTF-8) of the whole document followed by one newline. The Ed25519 signature covers the
canonical serialisation of the document *without* its ``signature`` member. Verification
checks both that the file is exactly canonical (so no byte can change unnoticed, not even
whitespace) and the signature, against a public key given by the verifier; it needs no
vault and no passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from jinja2 import Environment, FileSystemLoader, select_autoescape

from piplvault.core.canonical import canonical_json
from piplvault.crypto.signing import verify
from piplvault.documents import labels
from piplvault.errors import IntegrityError, ValidationError
from piplvault.io.private_files import make_private_dir, write_private
from piplvault.timefmt import DEFAULT_TIMEZONE, zh_datetime

CERTIFICATE_TYPE = "piplvault/destruction-certificate"
_TEMPLATES = Path(__file__).parent / "templates"


#: The certificate's bytes are :func:`canonical_json`; ``canonical`` is kept for callers
#: that import it from here (backups, tests).
canonical = canonical_json


def public_key_fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()


def sign_certificate(
    body: dict[str, Any], key: Ed25519PrivateKey, *, key_version: int
) -> bytes:
    """The signed certificate file's bytes for ``body`` (which has no ``signature``)."""
    if "signature" in body:
        raise ValueError("the certificate body must not carry a signature yet")
    signature = key.sign(canonical(body))
    document = dict(body)
    document["signature"] = {
        "algorithm": "Ed25519",
        "key_version": key_version,
        "public_key_sha256": public_key_fingerprint(key.public_key()),
        "value": base64.b64encode(signature).decode("ascii"),
    }
    return canonical(document) + b"\n"


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key (PEM, as ``piplvault keys public`` prints it)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise ValidationError(f"Cannot read public key file {path}: {exc}") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValidationError(
            f"{path} is not a PEM public key; export one with 'piplvault keys public'"
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(f"{path} is not an Ed25519 public key")
    return key


def verify_certificate(data: bytes, public: Ed25519PublicKey) -> dict[str, Any]:
    """The certificate document if ``data`` is intact and signed by ``public``.

    Raises IntegrityError saying what is wrong otherwise.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(
            "Certificate is not valid JSON: it was damaged or edited"
        ) from exc
    if not isinstance(document, dict) or document.get("type") != CERTIFICATE_TYPE:
        raise IntegrityError("Not a piplvault destruction certificate")
    if canonical(document) + b"\n" != data:
        raise IntegrityError(
            "Certificate bytes are not in their signed canonical form: the file was edited"
        )
    sig = document.pop("signature", None)
    if not isinstance(sig, dict) or sig.get("algorithm") != "Ed25519":
        raise IntegrityError("Certificate has no Ed25519 signature")
    try:
        signature = base64.b64decode(str(sig.get("value", "")), validate=True)
    except ValueError as exc:
        raise IntegrityError("Certificate signature is not valid base64") from exc
    if sig.get("public_key_sha256") != public_key_fingerprint(public):
        raise IntegrityError(
            "Certificate was signed by a different key than the public key given "
            f"(signer fingerprint {sig.get('public_key_sha256')})"
        )
    if not verify(public, signature, canonical(document)):
        raise IntegrityError(
            "Certificate signature does not match its contents: the certificate was edited"
        )
    document["signature"] = sig
    return document


def render_html(
    document: dict[str, Any], *, lang: str, tz: str = DEFAULT_TIMEZONE
) -> str:
    """The certificate as a standalone HTML page in ``lang`` (``zh`` or ``en``)."""
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    env.filters["zhtime"] = lambda v: zh_datetime(v, tz)
    env.filters["category"] = labels.category
    env.filters["pseudonym_zh"] = labels.pseudonym_method_zh
    template = env.get_template(f"destruction-certificate.{lang}.html")
    return template.render(c=document)


def write_certificate_files(data: bytes, directory: Path, name: str) -> dict[str, Path]:
    """Write the signed JSON and its zh-CN/en HTML renderings; return their paths."""
    make_private_dir(directory)
    document = json.loads(data.decode("utf-8"))
    paths = {
        "json": directory / f"{name}.json",
        "html_zh": directory / f"{name}.zh-CN.html",
        "html_en": directory / f"{name}.en.html",
    }
    _write_atomic(paths["json"], data)
    _write_atomic(paths["html_zh"], render_html(document, lang="zh-CN").encode("utf-8"))
    _write_atomic(paths["html_en"], render_html(document, lang="en").encode("utf-8"))
    return paths


def _write_atomic(path: Path, data: bytes) -> None:
    write_private(path, data)
