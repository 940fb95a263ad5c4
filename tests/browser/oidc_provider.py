"""A small OpenID Connect provider for tests, on loopback: what st.login talks to in production
(Microsoft Entra ID, Google, Keycloak), reduced to the authorisation-code flow.

* ``/.well-known/openid-configuration``: the discovery document (with PKCE S256).
* ``/authorize``: a sign-in page where the test types the e-mail of the person to sign in
  as (the browser fills and submits it, as a person would); it answers with a code.
* ``/token``: checks the client's secret, the code, the redirect URI and the PKCE verifier,
  and issues an RS256-signed ``id_token`` with ``email``, ``email_verified``, ``iat`` and
  the ``nonce`` the app sent.
* ``/jwks``: the public key that signature is checked with.

Every code is single-use and tied to its client, redirect URI and PKCE challenge, so the
app's side of the flow (Streamlit + Authlib) is exercised as it is against a real provider.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt  # Authlib's own JOSE library (a dependency of Authlib)
from joserfc.jwk import RSAKey

JSON = "application/json"


class Provider:
    """``with Provider(client_id, client_secret) as p:`` — ``p.issuer`` is its base URL."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048)
        self.kid = secrets.token_hex(8)
        self.codes: dict[str, dict[str, Any]] = {}
        self.issued: list[dict[str, Any]] = []  # the id_token claims handed out, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # --- the endpoints ----------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "iat", "nonce"],
        }

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def sign_in_page(self, query: dict[str, str]) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return (
            "<!doctype html><html><head><title>Test identity provider</title></head><body>"
            "<h1>Test identity provider</h1>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label>E-mail <input name="login_email" id="login_email" type="email"></label>'
            '<button type="submit" id="sign_in">Sign in</button></form></body></html>'
        )

    def authorize(self, form: dict[str, str]) -> str:
        """The redirect back to the app with a fresh code, or raise ``ValueError``."""
        if form.get("client_id") != self.client_id or form.get("response_type") != "code":
            raise ValueError("unknown client or response type")
        if "openid" not in form.get("scope", "").split():
            raise ValueError("not an OpenID Connect request")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "email": form["login_email"].strip(),
                "nonce": form.get("nonce"),
                "redirect_uri": form["redirect_uri"],
                "challenge": form.get("code_challenge"),
                "method": form.get("code_challenge_method"),
            }
        back = {"code": code, "state": form.get("state", "")}
        return f"{form['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        """Exchange a code for tokens, or raise ``ValueError``."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            raise ValueError("client authentication failed")
        if form.get("grant_type") != "authorization_code":
            raise ValueError("unsupported grant type")
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            raise ValueError("unknown, used or mismatched code")
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if grant["method"] != "S256" or digest != grant["challenge"]:
                raise ValueError("PKCE verification failed")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant["email"].encode()).hexdigest()[:24],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 3600,
            "email": grant["email"],
            "email_verified": True,
            "name": grant["email"].split("@")[0],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.key)
        self.issued.append(claims)
        return {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
        }

    # --- HTTP -----------------------------------------------------------------------------
    def answer_get(self, path: str, query: dict[str, str]) -> tuple[int, str, str, dict[str, str]]:
        """(status, body, content type, headers) for a GET."""
        if path == "/.well-known/openid-configuration":
            return 200, json.dumps(self.discovery()), JSON, {}
        if path == "/jwks":
            return 200, json.dumps(self.jwks()), JSON, {}
        if path == "/authorize":
            return 200, self.sign_in_page(query), "text/html; charset=utf-8", {}
        return 404, json.dumps({"error": "not_found"}), JSON, {}

    def answer_post(
        self, path: str, form: dict[str, str], authorization: str | None
    ) -> tuple[int, str, str, dict[str, str]]:
        """(status, body, content type, headers) for a POST; a bad request is a 400."""
        try:
            if path == "/authorize":
                return 302, "", "text/plain", {"Location": self.authorize(form)}
            if path == "/token":
                return 200, json.dumps(self.token(form, authorization)), JSON, {}
        except (KeyError, ValueError) as e:
            return 400, json.dumps({"error": "invalid_request", "error_description": str(e)}), JSON, {}
        return 404, json.dumps({"error": "not_found"}), JSON, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def _send(self, status: int, body: str, content_type: str, headers: dict[str, str]) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                self._send(*provider.answer_get(url.path, query))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                self._send(
                    *provider.answer_post(urlparse(self.path).path, form, self.headers.get("Authorization"))
                )

        return Handler
