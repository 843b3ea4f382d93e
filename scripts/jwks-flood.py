#!/usr/bin/env python3
"""Forged-kid flood against service B (examples/jwks_verifier) for the note and
docs/PERFORMANCE.md: how often B fetches A's key set (examples/jwks_issuer)
while it is flooded with tokens whose `kid` is random, with the default
options (30 s cooldown) unless given.

    cargo build --release -p sealed-session-examples --examples --features jwks
    python3 scripts/jwks-flood.py [--seconds 60] [--threads 8] [--profile release]

Prints the requests sent, their answers, and A's key set requests (full and
304) during the flood, per minute. Only the standard library; loopback only.
"""

import argparse
import base64
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(profile, example, env):
    binary = os.path.join(ROOT, "target", profile, "examples", example)
    process = subprocess.Popen(
        [binary, "127.0.0.1:0"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip().removeprefix("listening on ")
    return process, url


def get(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def key_set_requests(a_url):
    stats = json.loads(get(f"{a_url}/stats")[1])
    return stats["key_set_full"] + stats["key_set_not_modified"]


def forged(token):
    rest = token.split(".", 1)[1]
    header = json.dumps({"alg": "EdDSA", "kid": secrets.token_urlsafe(16)}).encode()
    return base64.urlsafe_b64encode(header).decode().rstrip("=") + "." + rest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--profile", default="release")
    parser.add_argument("--cooldown", type=int, default=None, help="B's COOLDOWN_SECONDS")
    args = parser.parse_args()
    a, a_url = start(args.profile, "jwks_issuer", {"ISSUER": "service-a"})
    b_env = {"JWKS_URL": f"{a_url}/.well-known/jwks.json", "ISSUER": "service-a"}
    if args.cooldown is not None:
        b_env["COOLDOWN_SECONDS"] = str(args.cooldown)
    b, b_url = start(args.profile, "jwks_verifier", b_env)
    try:
        token = get(f"{a_url}/token?sub=alice&aud=orders")[1]
        assert get(f"{b_url}/whoami", token) == (200, "alice"), "B verifies A's token"
        before = key_set_requests(a_url)
        answers = {}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def flood():
            while time.monotonic() < deadline:
                status, _ = get(f"{b_url}/whoami", forged(token))
                with lock:
                    answers[status] = answers.get(status, 0) + 1

        started = time.monotonic()
        workers = [threading.Thread(target=flood) for _ in range(args.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        fetches = key_set_requests(a_url) - before
        sent = sum(answers.values())
        print(
            f"{sent} forged tokens in {elapsed:.1f} s ({sent / elapsed:.0f}/s), answers {answers}; "
            f"A's key set fetched {fetches} times ({fetches * 60 / elapsed:.1f} per minute)"
        )
        print("B:", get(f"{b_url}/stats")[1])
    finally:
        a.kill()
        b.kill()


if __name__ == "__main__":
    main()
