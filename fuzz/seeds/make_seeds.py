#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets (fuzz/seeds/<target>/), from the published
vectors in tests/vectors/ and the layouts of docs/FORMAT.md. Standard library only; deterministic.

Each target's first input byte chooses its mode (see the target's doc comment); the seeds cover
every mode with one well-formed input, so that mutation starts past the shape checks."""
import base64, hashlib, json, os, struct, zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(ROOT, "..", "..", "tests", "vectors")


def vector(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def deflate(data, zdict=None):
    c = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=zdict) if zdict else zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def envelope(subject, state, auth_ms=1_893_456_000_000, iat_after=0, ttl=3_600_000):
    sub = subject.encode()
    return (auth_ms.to_bytes(6, "big") + iat_after.to_bytes(5, "big") + ttl.to_bytes(5, "big")
            + bytes(range(16)) + len(sub).to_bytes(2, "big") + sub + state)


stable = vector("stable_tokens.json")
jwe = vector("jwe_example.json")
state = b'{"user_id":42,"roles":["admin","editor"],"csrf":"q3Jv9Xz1"}'

# open: mode 0 = raw text, odd = bytes behind a well-formed header (bits 1-2: flags).
for t in stable["tokens"]:
    write("open", t["name"], b"\x00" + t["token"].encode())
write("open", "header-plain", b"\x01" + bytes(64))
write("open", "header-deflate", b"\x03" + bytes(64))
write("open", "header-dictionary", b"\x05" + bytes(64))
write("open", "session-id", b"\x00" + b"Z7X04J49e3ZV8btTW0aPwA")

# open_authentic: flags (0 plain, 1 DEFLATE, 2/3 DEFLATE with the dictionary) and the payload.
DICT = b'{"user_id":0,"roles":["admin","editor"],"csrf":"","cart":[]}'
env = envelope("user-42", state)
write("open_authentic", "plain", b"\x00" + env)
write("open_authentic", "deflate", b"\x01" + deflate(env))
write("open_authentic", "dictionary", b"\x02" + deflate(env, DICT))
write("open_authentic", "short-subject", b"\x00" + env[:32] + b"\x00\x09ab")

# roundtrip: arbitrary bytes for `Input` (derive(Arbitrary)); a few shapes.
write("roundtrip", "small", b"user-42\x00admin\x00editor\x00" + bytes(range(40)))
write("roundtrip", "repetitive", b"a" * 600 + b"\x01\x02\x03")
write("roundtrip", "dictionary", b"\x07u\x00" + b"\xff" * 32 + state)

# restore: mode 0 = raw, odd = a valid checksum appended. An empty list and one of each kind.
def snapshot(users, sessions):
    body = b"SSRL\x01" + struct.pack("<qi", 30 * 86400, 0) + struct.pack("<Q", 100_000)
    body += struct.pack("<q", -(1 << 63)) + bytes(16)
    body += struct.pack("<QQ", len(users), len(sessions))
    for h, at in users + sessions:
        body += h + struct.pack("<q", at)
    return body

write("restore", "empty", b"\x01" + snapshot([], []))
write("restore", "two", b"\x01" + snapshot([(bytes([1]) * 16, 1_893_456_000_000)], [(bytes([2]) * 16, 1_893_456_000_001)]))
full = snapshot([], [])
write("restore", "checksummed", b"\x00" + full + hashlib.sha256(full).digest()[:16])

# cookie: NUL-separated Cookie headers.
token = stable["tokens"][0]["token"]
write("cookie", "single", f"theme=dark; s={token}; lang=en")
half = len(token) // 2
write("cookie", "chunked", f"s.0={token[:half]}; s.1={token[half:]}")
write("cookie", "split-headers", f"s.1={token[half:]}\0s.0={token[:half]}")
write("cookie", "jwe", f"s={jwe['token_plain']}")
write("cookie", "duplicate", f"s={token}; s={token[:10]}")

# jwe_open: mode 0 = raw text; odd = plaintext encrypted by the target (bit 1: the header says zip).
claims = jwe["claims_json"].encode()
write("jwe_open", "token-plain", b"\x00" + jwe["token_plain"].encode())
write("jwe_open", "token-zip", b"\x00" + jwe["token_zip"].encode())
write("jwe_open", "claims", b"\x01" + claims)
write("jwe_open", "claims-deflated", b"\x03" + deflate(claims))

# jws_verify: mode 0 = raw text; odd = claims signed by the target (HS256, kid "hs").
rfc = vector("rfc/rfc7515_A1_rfc7519_3_1_hs256.json")
write("jws_verify", "rfc7515", b"\x00" + rfc["jws_compact"].encode())
write("jws_verify", "claims", b"\x01" + b'{"iss":"auth","aud":"orders","sub":"user-42","exp":1893459600,"iat":1893456000}')
write("jws_verify", "claims-audiences", b"\x01" + b'{"iss":"auth","aud":["a","orders"],"exp":1893459600,"nbf":1893455000}')

# redis_read: see that target's doc comment for the layout; RESP replies.
member = "u" + "00" * 16
write("redis_read", "scan", b"\x00" + f"*2\r\n$1\r\n0\r\n*2\r\n$33\r\n{member}\r\n$13\r\n1893456000000\r\n".encode())
write("redis_read", "stream", b"\x01" + (
    "*1\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nm\r\n$33\r\n" + member + "\r\n$1\r\nt\r\n$13\r\n1893456000000\r\n").encode())
write("redis_read", "info", b"\x02" + b"*4\r\n$17\r\nlast-generated-id\r\n$3\r\n5-0\r\n$13\r\nentries-added\r\n:5\r\n")

# deflate_encoder: a level byte, a 2-byte big-endian dictionary length, the dictionary, the input.
def encoder_case(level, dictionary, data):
    return bytes([level]) + len(dictionary).to_bytes(2, "big") + dictionary + data
write("deflate_encoder", "plain", encoder_case(1, b"", state * 3))
write("deflate_encoder", "dictionary", encoder_case(0, DICT, env))
write("deflate_encoder", "runs", encoder_case(8, b"ab" * 20, b"ab" * 300 + bytes(range(256))))
