#!/usr/bin/env python3
"""The dependency rule of docs/DESIGN.md, checked: arrows point down only.

- The core (every file of src/ outside the edges) names no edge: no `cfg(feature = <edge>)`,
  no `crate::<edge module>`. Only `src/lib.rs`, the facade, puts a feature on a `mod` line.
- An edge (src/http, src/jwt, src/redis) uses only what a user of the crate could use: a
  `crate::X` path must start with a name the crate root makes public (`pub use`, `pub mod`),
  or be the edge's own module. Test-only helpers (`crate::test_vectors`) are allowed in tests.

Exits 1, listing every violation with its file and line, when the rule is broken.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
# Edge modules and the cargo features that turn them on.
EDGES = {"http": "http", "jwt": "jwt", "redis": "redis"}
EDGE_FEATURES = {"cookie", "http", "axum", "jwt", "jws", "redis", "cli", "lambda"}
TEST_ONLY = {"test_vectors"}


def public_root_names(lib: str) -> set[str]:
    """The names `src/lib.rs` makes public: `pub mod x`, and every name of `pub use`."""
    names = set(re.findall(r"^\s*pub mod (\w+)", lib, re.M))
    for block in re.findall(r"^\s*pub use ([^;]+);", lib, re.M | re.S):
        # `a::{B, C as D}`, `a::B`, `a::{self, B}`: the names that land at the root.
        for item in re.split(r"[,{}]", block.split("::", 1)[-1] if "{" in block else block):
            item = item.strip()
            if not item:
                continue
            if " as " in item:
                item = item.split(" as ")[-1]
            names.add(item.split("::")[-1].strip())
    return names


def strip_comments(line: str) -> str:
    return line.split("//", 1)[0]


def main() -> int:
    lib = (SRC / "lib.rs").read_text()
    public = public_root_names(lib)
    problems = []
    for path in sorted(SRC.rglob("*.rs")):
        relative = path.relative_to(SRC)
        parts = relative.parts
        if relative == pathlib.Path("lib.rs"):
            continue
        edge = parts[0] if parts[0] in EDGES else None
        text = path.read_text()
        for number, raw in enumerate(text.splitlines(), 1):
            line = strip_comments(raw)
            where = f"src/{relative}:{number}"
            if edge is None:
                for feature in re.findall(r'feature\s*=\s*"([\w-]+)"', line):
                    if feature in EDGE_FEATURES:
                        problems.append(f"{where}: a core file names the edge feature `{feature}`")
                for module in re.findall(r"crate::(\w+)", line):
                    if module in EDGES:
                        problems.append(f"{where}: a core file reaches up into `crate::{module}`")
                continue
            # In an edge: every `crate::` path starts with a public root name or the edge itself.
            for match in re.finditer(r"crate::(\{[^}]*\}|\w+)", line):
                first = match.group(1)
                names = (
                    [n.strip().split("::")[0] for n in first.strip("{}").split(",") if n.strip()]
                    if first.startswith("{")
                    else [first]
                )
                for name in names:
                    if name in public or name == edge or name in TEST_ONLY or name == "self":
                        continue
                    problems.append(
                        f"{where}: the `{edge}` edge uses `crate::{name}`, which is not public"
                    )
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} violation(s) of the dependency rule (docs/DESIGN.md)")
        return 1
    print("dependency rule: the core names no edge; edges use only the public API")
    return 0


if __name__ == "__main__":
    sys.exit(main())
