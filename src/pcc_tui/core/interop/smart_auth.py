"""SMART Backend Services authorisation: pcc's own key pair, the JWKS an EHR registers, and
access tokens got with a signed client assertion (RFC 7523), cached until they expire.

The private key lives in a file only its owner can read (`[ehr] key_file`); it is never on
the command line, in a log or in the database. Tokens are held in memory only.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from pcc_tui.core.errors import PccError
from pcc_tui.core.store.files import private_folder, write_private

ALGORITHMS = ("ES384", "RS384")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(minutes=4)  # SMART: at most five minutes
EXPIRY_MARGIN = timedelta(seconds=30)  # a token this close to its end is renewed first


class AuthError(PccError):
    """The EHR refused pcc's credentials, or they cannot be used."""


def generate_key(path: Path, algorithm: str = "ES384") -> str:
    """A new private key in `path` (0600 in a 0700 folder; an existing file is refused);
    returns the key id (`kid`) the JWKS and every assertion carry."""
    if algorithm not in ALGORITHMS:
        raise PccError(f"algorithm {algorithm}: use one of {', '.join(ALGORITHMS)}")
    if path.exists():
        raise PccError(f"{path} exists: pcc never overwrites a key (move it away first)")
    key: Any = (
        ec.generate_private_key(ec.SECP384R1())
        if algorithm == "ES384"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_folder(path.parent)
    write_private(path, pem)
    return key_id(load_key(path))


@dataclass(frozen=True)
class ClientKey:
    private: Any
    algorithm: str
    kid: str


def load_key(path: Path) -> ClientKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthError(f"cannot read the key file {path}: {exc.strerror}") from None
    if path.stat().st_mode & 0o077:
        raise AuthError(f"the key file {path} can be read by others: run `chmod 600 {path}`")
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise AuthError(f"{path} holds no private key pcc can use (PEM, unencrypted)") from None
    if isinstance(private, ec.EllipticCurvePrivateKey):
        algorithm = "ES384"
    elif isinstance(private, rsa.RSAPrivateKey):
        algorithm = "RS384"
    else:
        raise AuthError(f"{path}: an EC P-384 or RSA key is needed")
    found = ClientKey(private, algorithm, "")
    return ClientKey(private, algorithm, key_id(found))


def _public_jwk(key: ClientKey) -> dict[str, Any]:
    public = key.private.public_key()
    codec: Any = ECAlgorithm if key.algorithm == "ES384" else RSAAlgorithm
    jwk: dict[str, Any] = json.loads(codec.to_jwk(public))
    return jwk


def key_id(key: ClientKey) -> str:
    """The RFC 7638 thumbprint of the public key: stable, and derived, never chosen."""
    jwk = _public_jwk(key)
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return jwt.utils.base64url_encode(digest.finalize()).decode()


def jwks(key: ClientKey) -> dict[str, Any]:
    """The public JWK Set to register with the EHR (no private member)."""
    jwk = _public_jwk(key)
    jwk.update(kid=key.kid, alg=key.algorithm, use="sig", key_ops=["verify"])
    return {"keys": [jwk]}


def client_assertion(key: ClientKey, client_id: str, token_url: str, now: datetime) -> str:
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "exp": int((now + ASSERTION_LIFETIME).timestamp()),
        "iat": int(now.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": key.kid, "typ": "JWT"}
    return jwt.encode(claims, key.private, algorithm=key.algorithm, headers=headers)


@dataclass
class Token:
    value: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        return now + EXPIRY_MARGIN < self.expires_at


class TokenSource:
    """Gets an access token when none is held or the one held is about to expire."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        key: ClientKey,
        scope: str,
    ) -> None:
        self.http, self.token_url, self.client_id = http, token_url, client_id
        self.key, self.scope = key, scope
        self._token: Token | None = None
        self.fetched = 0  # how many tokens were asked for (the cache is tested by it)

    def get(self, now: datetime) -> str:
        if self._token is None or not self._token.fresh(now):
            self._token = self._fetch(now)
        return self._token.value

    def forget(self) -> None:
        """After a 401: the token was revoked or expired early."""
        self._token = None

    def _fetch(self, now: datetime) -> Token:
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(self.key, self.client_id, self.token_url, now),
        }
        try:
            reply = self.http.post(self.token_url, data=form)
        except httpx.HTTPError as exc:
            raise AuthError(f"the token endpoint did not answer: {type(exc).__name__}") from None
        self.fetched += 1
        if reply.status_code != 200:
            raise AuthError(
                f"the EHR refused pcc's credentials (HTTP {reply.status_code}"
                f"{_oauth_error(reply)}): check [ehr] client_id and that the key registered"
                " is the one in [ehr] key_file (`pcc sync fhir keygen --show`)"
            )
        try:
            body = reply.json()
            value = str(body["access_token"])
            lifetime = int(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise AuthError("the token endpoint's answer holds no access_token") from None
        return Token(value, now + timedelta(seconds=max(lifetime, 0)))


def _oauth_error(reply: httpx.Response) -> str:
    """The OAuth error code (never the description: it may echo what was sent)."""
    try:
        code = reply.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return f", {str(code)[:40]}" if code else ""
