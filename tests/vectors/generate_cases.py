#!/usr/bin/env python3
"""Writes tests/vectors/cases.json: valid and expect-fail cases of the compact format (with and
without a dictionary) and of the JWE profile, built from docs/FORMAT.md alone: HKDF-SHA256 with
hmac/hashlib, XChaCha20-Poly1305 with pycryptodome, raw DEFLATE with zlib. Nothing here comes
from the crate's own code; tests/vector_cases.rs opens every case and checks the outcome.

Run by hand (output checked in; deterministic: fixed keys, nonces and session ids):
    bash scripts/interop-venv.sh && target/interop-venv/bin/python tests/vectors/generate_cases.py
"""
import base64, hashlib, hmac, json, os, zlib
from Crypto.Cipher import ChaCha20_Poly1305

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = bytes(range(32))
OTHER_KEY = bytes([0xEE]) * 32
PURPOSE = "session"
DICTIONARY = b'{"user_id":0,"csrf":"","roles":["admin","editor","viewer"],"theme":"light"}'
NOW_S = 1_906_545_600  # 2030-06-01T12:00:00Z
NOW_MS = NOW_S * 1000
OPEN_AT = "2030-06-01T12:30:00Z"
SID = bytes(range(0xA0, 0xB0))
NONCE = bytes(range(0x40, 0x58))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hkdf(ikm, info, length):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def key_id(key):
    return hkdf(key, b"sealed-session v1 key id", 4)


def xchacha(key, nonce, aad, plaintext):
    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return ciphertext + tag


def raw_deflate(data, zdict=None, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, zdict=zdict) if zdict else zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def envelope(subject, state, auth_ms=NOW_MS, iat_after=0, lifetime_ms=3_600_000, sid=SID, sub_len=None):
    sub = subject if isinstance(subject, bytes) else subject.encode()
    n = len(sub) if sub_len is None else sub_len
    return (auth_ms.to_bytes(6, "big") + iat_after.to_bytes(5, "big") + lifetime_ms.to_bytes(5, "big")
            + sid + n.to_bytes(2, "big") + sub + state)


def compact(payload, flags=None, key=KEY, purpose=PURPOSE, dictionary=None, compress=False,
            version=1, kid=None, raw_payload=False):
    if flags is None:
        flags = (1 if compress else 0) | (2 if dictionary is not None else 0)
    header = bytes([version, flags]) + (kid if kid is not None else key_id(key))
    aad = header
    if flags & 2:
        digest = hashlib.sha256(dictionary).digest()
        header += digest[:2]
        aad = header + digest
    aad += purpose.encode()
    body = payload
    if compress and not raw_payload:
        body = raw_deflate(payload, dictionary)
    subkey = hkdf(key, b"sealed-session v1 token:" + purpose.encode(), 32)
    return b64(header + NONCE + xchacha(subkey, NONCE, aad, body))


STATE = b'{"csrf":"q3Jv9Xz1","roles":["admin","editor"],"user_id":42}'
ISO = lambda ms: __import__("datetime").datetime.fromtimestamp(ms / 1000, __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

cases = []


def valid(name, fmt, token, subject, state, auth_ms=NOW_MS, iat_ms=NOW_MS, exp_ms=NOW_MS + 3_600_000, **settings):
    cases.append({"name": name, "format": fmt, "token": token, "expect": "valid",
                  "subject": subject, "state": json.loads(state), "session_id": b64(SID),
                  "authenticated_at": ISO(auth_ms), "issued_at": ISO(iat_ms), "expires_at": ISO(exp_ms),
                  **settings})


def fail(name, fmt, token, error, **settings):
    cases.append({"name": name, "format": fmt, "token": token, "expect": "fail", "error": error, **settings})


# --- compact, valid
valid("compact plain", "compact", compact(envelope("user-42", STATE)), "user-42", STATE)
valid("compact deflate", "compact", compact(envelope("user-42", STATE), compress=True), "user-42", STATE)
valid("compact deflate with the dictionary", "compact",
      compact(envelope("user-42", STATE), dictionary=DICTIONARY, compress=True), "user-42", STATE, dictionary=True)
valid("compact resealed: iat 20 minutes after the login", "compact",
      compact(envelope("user-42", STATE, iat_after=1_200_000)), "user-42", STATE,
      iat_ms=NOW_MS + 1_200_000, exp_ms=NOW_MS + 1_200_000 + 3_600_000)
valid("compact empty subject, null state", "compact", compact(envelope("", b"null")), "", "null")
valid("compact unicode subject, white space around the JSON", "compact",
      compact(envelope("Zoë 🦀", b' \n{"a":[1,2.5,"x"]}\t ')), "Zoë 🦀", '{"a":[1,2.5,"x"]}')
valid("compact millisecond times", "compact",
      compact(envelope("u", b"1", auth_ms=NOW_MS + 7, iat_after=5, lifetime_ms=1_800_001)), "u", "1",
      auth_ms=NOW_MS + 7, iat_ms=NOW_MS + 12, exp_ms=NOW_MS + 12 + 1_800_001)
valid("compact stored DEFLATE block", "compact",
      compact(raw_deflate(envelope("user-42", STATE), level=0), flags=1, raw_payload=True), "user-42", STATE)

# --- compact, expect-fail
good = compact(envelope("user-42", STATE))
raw = base64.urlsafe_b64decode(good + "==")
flip = lambda data, i: data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
fail("compact tag bit flipped", "compact", b64(flip(raw, len(raw) - 1)), "Invalid")
fail("compact ciphertext bit flipped", "compact", b64(flip(raw, 40)), "Invalid")
fail("compact nonce bit flipped", "compact", b64(flip(raw, 10)), "Invalid")
fail("compact another purpose", "compact", compact(envelope("user-42", STATE), purpose="password-reset"), "Invalid")
fail("compact unknown key id", "compact", compact(envelope("user-42", STATE), key=OTHER_KEY), "UnknownKey")
fail("compact right key id, wrong key", "compact",
     compact(envelope("user-42", STATE), key=OTHER_KEY, kid=key_id(KEY)), "Invalid")
fail("compact version 2", "compact", compact(envelope("user-42", STATE), version=2), "Malformed")
fail("compact unknown flag bit", "compact", compact(envelope("user-42", STATE), flags=4), "Malformed")
fail("compact dictionary flag without DEFLATE", "compact",
     compact(envelope("user-42", STATE), flags=2, dictionary=DICTIONARY), "Malformed")
fail("compact unknown dictionary", "compact",
     compact(envelope("user-42", STATE), dictionary=b"another dictionary", compress=True), "UnknownDictionary", dictionary=True)
fail("compact dictionary token, opener without one", "compact",
     compact(envelope("user-42", STATE), dictionary=DICTIONARY, compress=True), "UnknownDictionary")
fail("compact padded base64", "compact", good + "=" * (-len(good) % 4 or 4), "Malformed")
fail("compact standard alphabet", "compact", good.replace("-", "+").replace("_", "/") if ("-" in good or "_" in good) else good + "+", "Malformed")
last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
idx = last.index(good[-1])
assert len(good) % 4 in (2, 3)
fail("compact non-canonical last character", "compact", good[:-1] + last[idx | 1], "Malformed")
fail("compact 45 bytes", "compact", b64(raw[:45]), "Malformed")
fail("compact too long for max_token_len", "compact", good, "TooLarge", max_token_len=len(good) - 1)
fail("compact envelope shorter than its fixed fields", "compact", compact(envelope("u", b"")[:33]), "Malformed")
fail("compact subject longer than the envelope", "compact", compact(envelope("user-42", b"", sub_len=40)), "Malformed")
fail("compact subject not UTF-8", "compact", compact(envelope(b"\xff\xfe", STATE)), "Malformed")
fail("compact zero lifetime", "compact", compact(envelope("u", STATE, lifetime_ms=0)), "Malformed")
fail("compact expiry past 9999", "compact",
     compact(envelope("u", STATE, auth_ms=253_402_300_000_000, lifetime_ms=1_000_000)), "Malformed")
fail("compact state not JSON", "compact", compact(envelope("u", b"{not json")), "Malformed")
fail("compact bytes after the JSON", "compact", compact(envelope("u", b"{} {}")), "Malformed")
fail("compact DEFLATE with bytes after its end", "compact",
     compact(raw_deflate(envelope("u", STATE)) + b"\0", flags=1, raw_payload=True), "Malformed")
fail("compact truncated DEFLATE", "compact",
     compact(raw_deflate(envelope("u", STATE))[:-3], flags=1, raw_payload=True), "Malformed")
fail("compact zlib-wrapped, not raw, DEFLATE", "compact",
     compact(zlib.compress(envelope("u", STATE)), flags=1, raw_payload=True), "Malformed")
fail("compact DEFLATE bomb past max_state_len", "compact",
     compact(envelope("u", b'"' + b"0" * 200_000 + b'"'), compress=True), "TooLarge", max_token_len=4000)
fail("compact expired", "compact", compact(envelope("u", STATE, auth_ms=NOW_MS - 7_200_000)), "Expired")
fail("compact issued in the future", "compact", compact(envelope("u", STATE, auth_ms=NOW_MS + 3_600_000)), "NotYetValid")
fail("compact past the maximum lifetime", "compact",
     compact(envelope("u", STATE, auth_ms=NOW_MS - 8 * 86_400_000, iat_after=8 * 86_400_000 - 60_000)),
     "LifetimeExceeded")


# --- JWE
JWE_KEY = hkdf(KEY, b"sealed-session v1 jwe:" + PURPOSE.encode(), 32)
KID = key_id(KEY).hex()


def jwe(claims, header=None, key=JWE_KEY, zip_=False, iv=NONCE, encrypted_key=b"", tag_len=16, raw=False):
    if header is None:
        header = {"alg": "dir", "enc": "XC20P"}
        if zip_:
            header["zip"] = "DEF"
        header["kid"] = KID
    header_text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    protected = b64(header_text.encode())
    plaintext = claims if isinstance(claims, bytes) else claims.encode()
    if zip_ and not raw:
        plaintext = raw_deflate(plaintext)
    sealed = xchacha(key, iv, protected.encode(), plaintext)
    body, tag = sealed[:-16], sealed[-16:]
    return ".".join([protected, b64(encrypted_key), b64(iv), b64(body), b64(tag[:tag_len])])


def claims(sub="user-42", jti=b64(SID), auth=NOW_S, iat=NOW_S, exp=NOW_S + 3600, state=STATE.decode(), extra=""):
    return (f'{{"sub":{json.dumps(sub)},"jti":"{jti}","auth_time":{auth},"iat":{iat},"exp":{exp},'
            f'"state":{state}{extra}}}')


def jvalid(name, token, auth=NOW_S, iat=NOW_S, exp=NOW_S + 3600, subject="user-42", state=STATE.decode(), **settings):
    valid(name, "jwe", token, subject, state, auth_ms=auth * 1000, iat_ms=iat * 1000, exp_ms=exp * 1000, **settings)


jvalid("jwe plain", jwe(claims()))
jvalid("jwe zip", jwe(claims(), zip_=True))
jvalid("jwe without kid (a single key)", jwe(claims(), header={"alg": "dir", "enc": "XC20P"}))
jvalid("jwe typ JWT, members in another order", jwe(claims(), header={"kid": KID, "typ": "JWT", "enc": "XC20P", "alg": "dir"}))
jvalid("jwe claims in another order, an extra claim", jwe(
    f'{{"state":{{"a":1}},"exp":{NOW_S + 3600},"iat":{NOW_S},"auth_time":{NOW_S},"jti":"{b64(SID)}","sub":"user-42","x":[1]}}'),
    state='{"a":1}')

fail("jwe tag bit flipped", "jwe", (lambda t: t[:-2] + ("B" if t[-2] == "A" else "A") + t[-1])(jwe(claims())), "Invalid")
fail("jwe header changed (AAD)", "jwe", (lambda parts: ".".join([b64(json.dumps({"alg": "dir", "enc": "XC20P", "kid": KID}, separators=(", ", ":")).encode())] + parts[1:]))(jwe(claims()).split(".")), "Invalid")
fail("jwe another purpose", "jwe", jwe(claims(), key=hkdf(KEY, b"sealed-session v1 jwe:other", 32)), "Invalid")
fail("jwe unknown kid", "jwe", jwe(claims(), header={"alg": "dir", "enc": "XC20P", "kid": "00000000"}), "UnknownKey")
fail("jwe alg none", "jwe", jwe(claims(), header={"alg": "none", "enc": "XC20P", "kid": KID}), "Malformed")
fail("jwe enc A256GCM", "jwe", jwe(claims(), header={"alg": "dir", "enc": "A256GCM", "kid": KID}), "Malformed")
fail("jwe zip other than DEF", "jwe", jwe(claims(), header={"alg": "dir", "enc": "XC20P", "zip": "GZIP", "kid": KID}), "Malformed")
fail("jwe crit", "jwe", jwe(claims(), header={"alg": "dir", "enc": "XC20P", "kid": KID, "crit": ["exp"]}), "Malformed")
fail("jwe header member twice", "jwe", jwe(claims(), header=f'{{"alg":"dir","enc":"XC20P","kid":"{KID}","kid":"{KID}"}}'), "Malformed")
fail("jwe encrypted key not empty", "jwe", jwe(claims(), encrypted_key=b"\0" * 32), "Malformed")
fail("jwe 12-byte IV", "jwe", jwe(claims()).split(".")[0] + ".." + b64(NONCE[:12]) + "." + ".".join(jwe(claims()).split(".")[3:]), "Malformed")
fail("jwe 4 segments", "jwe", ".".join(jwe(claims()).split(".")[:4]), "Malformed")
fail("jwe claim missing (state)", "jwe", jwe(f'{{"sub":"u","jti":"{b64(SID)}","auth_time":{NOW_S},"iat":{NOW_S},"exp":{NOW_S + 60}}}'), "Malformed")
fail("jwe exp twice", "jwe", jwe(claims(extra=f',"exp":{NOW_S + 999999}')), "Malformed")
fail("jwe sub twice", "jwe", jwe(claims(extra=',"sub":"admin"')), "Malformed")
fail("jwe exp as a string", "jwe", jwe(claims(exp=f'"{NOW_S + 3600}"')), "Malformed")
fail("jwe exp as a fraction", "jwe", jwe(claims(exp=f"{NOW_S + 3600}.5")), "Malformed")
fail("jwe exp negative", "jwe", jwe(claims(exp=-1)), "Malformed")
fail("jwe exp past 9999", "jwe", jwe(claims(exp=253402300800)), "Malformed")
fail("jwe jti not a session id", "jwe", jwe(claims(jti="abc")), "Malformed")
fail("jwe auth_time after iat", "jwe", jwe(claims(auth=NOW_S + 10)), "Malformed")
fail("jwe zlib-wrapped zip", "jwe", jwe(zlib.compress(claims().encode()), zip_=True, raw=True), "Malformed")
fail("jwe zip with bytes after the stream", "jwe", jwe(raw_deflate(claims().encode()) + b"\0", zip_=True, raw=True), "Malformed")
fail("jwe zip bomb", "jwe", jwe(claims(state='"' + "0" * 300_000 + '"'), zip_=True), "TooLarge")
fail("jwe expired", "jwe", jwe(claims(auth=NOW_S - 7200, iat=NOW_S - 7200, exp=NOW_S - 3600)), "Expired")
fail("jwe issued in the future", "jwe", jwe(claims(auth=NOW_S + 3600, iat=NOW_S + 3600, exp=NOW_S + 7200)), "NotYetValid")
fail("jwe padded segment", "jwe", (lambda p: ".".join(p[:3] + [p[3] + "=" * (-len(p[3]) % 4 or 4)] + p[4:]))(jwe(claims()).split(".")), "Malformed")

out = {
    "description": ("Valid and expect-fail cases of the compact format (docs/FORMAT.md, with and without a "
                    "dictionary) and of its JWE profile, for any implementation to run. Each case is opened "
                    "at open_at by an opener with key_hex (the keyring's key), purpose, the default settings "
                    "(max_token_len 4000, max_state_len 65536, leeway 60 s, max_lifetime 7 days) unless the case "
                    "sets max_token_len, and the dictionary when the case says \"dictionary\": true. A valid "
                    "case opens to its subject, state (as JSON), session_id and times (RFC 3339, milliseconds); "
                    "an expect-fail case fails with its error, named as in sealed_session::Error. Built by "
                    "generate_cases.py from docs/FORMAT.md alone."),
    "key_hex": KEY.hex(),
    "purpose": PURPOSE,
    "dictionary": DICTIONARY.decode(),
    "open_at": OPEN_AT,
    "cases": cases,
}
with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"{len(cases)} cases: {sum(c['expect'] == 'valid' for c in cases)} valid, "
      f"{sum(c['expect'] == 'fail' for c in cases)} expect-fail")
