"""Independent JOSE peer for the sealed-session interop tests.

Run as ``python tests/interop/peer.py <command>`` with the interpreter printed
by scripts/interop-venv.sh. The command reads one JSON document from stdin
and writes one JSON document to stdout:

    jwe-decrypt   decrypt JWE compact tokens with joserfc and with Authlib
    jwe-encrypt   encrypt plaintexts (dir + XC20P, optional DEF) with both
    jws-sign      sign JWTs with PyJWT (HS256, EdDSA, or a forced alg)
    jws-verify    verify JWTs with PyJWT against a JWK set
    jwks-client-verify
                  fetch a JWK Set URL with PyJWT's PyJWKClient and verify
                  JWTs with the keys it finds
    jwks-serve    make Ed25519 keys with joserfc, sign JWTs with PyJWT, and
                  serve the public JWK Set over HTTP on 127.0.0.1 until stdin
                  closes (the request is one line; the answer, printed first,
                  says where)
    versions      report the interpreter and library versions

The documents are described in tests/interop/README.md. Exit status 0 means
the command ran; a token that a library rejects is reported in the output as
{"ok": false, "error": "<ExceptionType>: <message>"}. A malformed request
exits with status 2 and a message on stderr. Only the jwks-* commands use the
network, and only the loopback interface.
"""

import argparse
import base64
import copy
import hashlib
import http.server
import importlib.metadata
import json
import platform
import re
import sys
import threading
import time
import warnings

import jwt
from joserfc import jwe as joserfc_jwe
from joserfc import jwk as joserfc_jwk
from joserfc.drafts.jwe_chacha20 import register_chacha20_poly1305

# authlib.jose warns on import that it is deprecated in favour of joserfc.
# authlib.deprecate forces that warning on at import, so silence it after.
from authlib.deprecate import AuthlibDeprecationWarning

warnings.simplefilter("ignore", AuthlibDeprecationWarning)
from authlib.jose import JsonWebEncryption, JsonWebKey  # noqa: E402
from authlib.jose.drafts import register_jwe_draft  # noqa: E402

#: The only JWE algorithms either library may use: everything else is refused.
JWE_ALGORITHMS = ["dir", "XC20P", "DEF"]

#: Claims that jws-verify requires in every token.
REQUIRED_CLAIMS = ["exp", "iss", "aud", "iat"]

#: Distributions reported by the versions command, by output name.
DISTRIBUTIONS = {
    "joserfc": "joserfc",
    "authlib": "Authlib",
    "pyjwt": "PyJWT",
    "pycryptodome": "pycryptodome",
    "pycryptodomex": "pycryptodomex",
    "cryptography": "cryptography",
}

register_chacha20_poly1305()
register_jwe_draft(JsonWebEncryption)


class BadRequest(Exception):
    """The request document is malformed; the command cannot run."""


class KeySelectionError(Exception):
    """No usable key in the JWK set matches the token's kid."""


# --- helpers ---------------------------------------------------------------


def describe(exc, context=None):
    """Render an exception as "<ExceptionType>: [<context>: ]<message>"."""
    message = str(exc) or "(no message)"
    if context:
        message = f"{context}: {message}"
    return f"{type(exc).__name__}: {message}"


def require(document, name, kind):
    """Return document[name], which must exist and be of type `kind`."""
    if not isinstance(document, dict):
        raise BadRequest(f"expected a JSON object, got {type(document).__name__}")
    if name not in document:
        raise BadRequest(f"missing field {name!r}")
    value = document[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"field {name!r} must be {kind.__name__}")
    return value


def require_list(document, name, kind):
    """Return document[name], a list whose members are all of type `kind`."""
    values = require(document, name, list)
    for index, value in enumerate(values):
        if not isinstance(value, kind):
            raise BadRequest(f"{name}[{index}] must be {kind.__name__}")
    return values


def b64url_decode(text):
    """Decode unpadded base64url, refusing padding and foreign characters."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise BadRequest(f"not unpadded base64url: {text!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- JWE: joserfc and Authlib ----------------------------------------------


class JoserfcPeer:
    """joserfc with XC20P registered and a registry limited to JWE_ALGORITHMS.

    joserfc also rejects header parameters it does not know, caps the
    ciphertext at 64 KiB and inflated (DEF) plaintexts at 250 KiB.
    """

    registry = joserfc_jwe.JWERegistry(algorithms=JWE_ALGORITHMS)

    def __init__(self, jwk):
        self.key = joserfc_jwk.import_key(jwk)

    def encrypt(self, header, plaintext):
        return joserfc_jwe.encrypt_compact(header, plaintext, self.key, registry=self.registry)

    def decrypt(self, token):
        message = joserfc_jwe.decrypt_compact(token, self.key, registry=self.registry)
        return message.protected, message.plaintext


class AuthlibPeer:
    """authlib.jose with the JWE drafts (XC20P) registered, limited to JWE_ALGORITHMS.

    Authlib's XC20P needs pycryptodomex, which Authlib does not declare; without
    it register_jwe_draft() silently skips XC20P, hence the explicit check.
    """

    jwe = JsonWebEncryption(algorithms=JWE_ALGORITHMS)

    def __init__(self, jwk):
        if "XC20P" not in JsonWebEncryption.ENC_REGISTRY:
            raise RuntimeError("Authlib has no XC20P: is pycryptodomex installed?")
        self.key = JsonWebKey.import_key(jwk)

    def encrypt(self, header, plaintext):
        # serialize_compact may add to the header it is given: pass a copy.
        return self.jwe.serialize_compact(dict(header), plaintext, self.key).decode("ascii")

    def decrypt(self, token):
        result = self.jwe.deserialize_compact(token, self.key)
        return result["header"], result["payload"]


JWE_PEERS = {"joserfc": JoserfcPeer, "authlib": AuthlibPeer}


def decrypt_one(peer, token):
    try:
        header, plaintext = peer.decrypt(token)
    except Exception as exc:  # any rejection is a result, not a crash
        return {"ok": False, "error": describe(exc)}
    try:
        text = plaintext.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {"ok": False, "error": describe(exc, "decrypted, but the plaintext is not UTF-8")}
    return {"ok": True, "header": header, "plaintext": text}


def decrypt_all(peer_class, jwk, tokens):
    try:
        peer = peer_class(copy.deepcopy(jwk))
    except Exception as exc:
        failure = {"ok": False, "error": describe(exc, "the library refused the JWK")}
        return [failure for _ in tokens]
    return [decrypt_one(peer, token) for token in tokens]


def jwe_decrypt(request):
    jwk = require(request, "jwk", dict)
    tokens = require_list(request, "tokens", str)
    return {name: decrypt_all(peer, jwk, tokens) for name, peer in JWE_PEERS.items()}


def encryption_header(jwk, item):
    header = {"alg": "dir", "enc": "XC20P", "kid": require(jwk, "kid", str)}
    if require(item, "zip", bool):
        header["zip"] = "DEF"
    return header


def encrypt_all(name, peer_class, jwk, items):
    try:
        peer = peer_class(copy.deepcopy(jwk))
    except Exception as exc:
        raise BadRequest(f"{name} refused the JWK: {describe(exc)}") from exc
    tokens = []
    for index, item in enumerate(items):
        header = encryption_header(jwk, item)
        plaintext = require(item, "plaintext", str).encode("utf-8")
        try:
            tokens.append(peer.encrypt(header, plaintext))
        except Exception as exc:
            raise BadRequest(f"{name} could not encrypt items[{index}]: {describe(exc)}") from exc
    return tokens


def jwe_encrypt(request):
    jwk = require(request, "jwk", dict)
    items = require_list(request, "items", dict)
    return {name: encrypt_all(name, peer, jwk, items) for name, peer in JWE_PEERS.items()}


# --- JWS: PyJWT --------------------------------------------------------------


def key_material(keys, kid):
    """The signing key for `kid`: HMAC secret bytes or a cryptography private key."""
    if kid not in keys:
        raise BadRequest(f"no key with kid {kid!r} in 'keys'")
    spec = keys[kid]
    if not isinstance(spec, dict):
        raise BadRequest(f"key {kid!r} must be an object")
    if "secret" in spec:
        return b64url_decode(spec["secret"])
    if "jwk" in spec:
        return jwt.PyJWK(spec["jwk"], algorithm=spec.get("alg")).key
    raise BadRequest(f"key {kid!r} has neither 'secret' nor 'jwk'")


def signing_key(keys, item):
    """The key PyJWT signs `item` with.

    "hmac_secret_b64" overrides the kid's key (for algorithm-confusion tokens,
    e.g. HS256 keyed with an Ed25519 public key); alg "none" takes no key.
    """
    if "hmac_secret_b64" in item:
        return b64url_decode(item["hmac_secret_b64"])
    if item["alg"] == "none":
        return None
    return key_material(keys, item["kid"])


def sign_one(keys, item):
    kid = require(item, "kid", str)
    alg = require(item, "alg", str)
    claims = require(item, "claims", dict)
    headers = item.get("headers") or {}
    if not isinstance(headers, dict):
        raise BadRequest("'headers' must be an object")
    key = signing_key(keys, item)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, **headers})


def jws_sign(request):
    keys = require(request, "keys", dict)
    items = require_list(request, "items", dict)
    tokens = []
    for index, item in enumerate(items):
        try:
            tokens.append(sign_one(keys, item))
        except BadRequest as exc:
            raise BadRequest(f"items[{index}]: {exc}") from exc
        except Exception as exc:
            raise BadRequest(f"PyJWT could not sign items[{index}]: {describe(exc)}") from exc
    return {"tokens": tokens}


def select_key(keyset, jwks, token):
    """The PyJWK named by the token header's kid.

    PyJWKSet silently drops JWKs it cannot use; when the kid names one of
    those, say why PyJWK refused it instead of just "no key".
    """
    kid = jwt.get_unverified_header(token).get("kid")
    if kid is None:
        raise KeySelectionError("the token header has no kid")
    try:
        return keyset[kid]
    except KeyError:
        pass
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            try:
                jwt.PyJWK(jwk)
            except Exception as exc:
                reason = f"PyJWK refused the JWK for kid {kid!r} ({describe(exc)})"
                raise KeySelectionError(reason) from exc
    raise KeySelectionError(f"the JWK set has no key for kid {kid!r}")


def verify_one(keyset, jwks, token, issuer, audience):
    return verify_with(lambda: select_key(keyset, jwks, token), token, issuer, audience)


def verify_with(find_key, token, issuer, audience):
    """Verify `token` with the key `find_key()` gives, as jws-verify does."""
    try:
        key = find_key()
        decoded = jwt.decode_complete(
            token,
            key,
            algorithms=[key.algorithm_name],
            issuer=issuer,
            audience=audience,
            options={"require": REQUIRED_CLAIMS},
        )
    except Exception as exc:  # any rejection is a result, not a crash
        return {"ok": False, "error": describe(exc)}
    return {"ok": True, "claims": decoded["payload"], "header": decoded["header"]}


def jws_verify(request):
    jwks = require(request, "jwks", dict)
    issuer = require(request, "issuer", str)
    audience = require(request, "audience", str)
    tokens = require_list(request, "tokens", str)
    try:
        keyset = jwt.PyJWKSet.from_dict(jwks)
    except jwt.PyJWTError as exc:
        raise BadRequest(f"PyJWKSet refused the JWK set: {describe(exc)}") from exc
    return {"results": [verify_one(keyset, jwks, token, issuer, audience) for token in tokens]}


# --- JWK Sets over HTTP -------------------------------------------------------


def jwks_client_verify(request):
    """Verify tokens with the keys PyJWKClient fetches from a URL."""
    url = require(request, "url", str)
    issuer = require(request, "issuer", str)
    audience = require(request, "audience", str)
    tokens = require_list(request, "tokens", str)
    client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=10)
    results = [
        verify_with(lambda token=token: client.get_signing_key_from_jwt(token), token, issuer, audience)
        for token in tokens
    ]
    return {"results": results}


class JwksHandler(http.server.BaseHTTPRequestHandler):
    """Serves one JWK Set document with caching headers, and counts requests."""

    document = b""
    requests = 0

    def do_GET(self):
        type(self).requests += 1
        if self.path == "/count":
            body = json.dumps({"requests": type(self).requests - 1}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
        else:
            body = self.document
            self.send_response(200)
            self.send_header("content-type", "application/jwk-set+json")
            self.send_header("cache-control", "public, max-age=60")
            self.send_header("etag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def jwks_serve(request):
    """joserfc makes the keys, PyJWT signs, http.server serves the public set."""
    issuer = require(request, "issuer", str)
    audience = require(request, "audience", str)
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": "erin", "iat": now, "exp": now + 300}
    published = [joserfc_jwk.OKPKey.generate_key("Ed25519", parameters={"kid": kid}) for kid in ("py-1", "py-2")]
    unpublished = joserfc_jwk.OKPKey.generate_key("Ed25519", parameters={"kid": "py-9"})

    def sign(key):
        private = jwt.PyJWK(key.as_dict(private=True))
        return jwt.encode(claims, private.key, algorithm="EdDSA", headers={"kid": key.kid})

    JwksHandler.document = json.dumps(
        {"keys": [{**key.as_dict(private=False), "alg": "EdDSA", "use": "sig"} for key in published]}
    ).encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    answer = {
        "url": f"http://{host}:{port}/jwks.json",
        "count_url": f"http://{host}:{port}/count",
        "tokens": [sign(key) for key in published],
        "unknown_kid_token": sign(unpublished),
    }
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    # Serve until the test closes stdin.
    sys.stdin.buffer.read()
    server.shutdown()
    return None


# --- versions and entry point ----------------------------------------------


def versions(_request):
    found = {name: importlib.metadata.version(dist) for name, dist in DISTRIBUTIONS.items()}
    return {"python": platform.python_version(), **found}


COMMANDS = {
    "jwe-decrypt": jwe_decrypt,
    "jwe-encrypt": jwe_encrypt,
    "jws-sign": jws_sign,
    "jws-verify": jws_verify,
    "jwks-client-verify": jwks_client_verify,
    "jwks-serve": jwks_serve,
    "versions": versions,
}


def read_request(command):
    if command == "versions":
        # No input needed, but drain a pipe so that a writer does not see EPIPE.
        if not sys.stdin.isatty():
            sys.stdin.buffer.read()
        return None
    if command == "jwks-serve":
        # One line: the rest of stdin stays open while the server runs.
        text = sys.stdin.buffer.readline()
    else:
        text = sys.stdin.buffer.read()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"stdin is not a JSON document: {exc}") from exc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    command = parser.parse_args().command
    try:
        result = COMMANDS[command](read_request(command))
    except BadRequest as exc:
        print(f"peer.py {command}: {exc}", file=sys.stderr)
        return 2
    if result is None:
        return 0
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
