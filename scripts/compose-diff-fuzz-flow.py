#!/usr/bin/env python3
"""Flow-collection-heavy mode of the differential fuzzer (issue 11, item 2).

Drives ../shared/tools/compose-diff-fuzz.py (read-only, imported as a module, all its options
and its shrinker unchanged) with one change to how generated files are written: most mappings
and sequences that are values of a key or items of a list are emitted as flow collections
spread over several lines, with continuation lines at random columns - right of, at, and left
of the parent key's column, down to column 1 - closing brackets at any column, comments and
tabs between entries, and occasionally a trailing comma. What the documents mean is the same as
in the normal mode (same generator, same seeds); only the layout is what real files with
`command: [` ... `]` look like, and what yaml.v3 accepts while strict YAML 1.2 parsers do not.

Usage: scripts/compose-diff-fuzz-flow.py SHARED_TOOLS_DIR [compose-diff-fuzz.py options...]
(scripts/fuzz-config --flow runs it).
"""
import importlib.util
import random
import sys
import zlib
from pathlib import Path


def load_fuzzer(tools: Path):
    spec = importlib.util.spec_from_file_location("compose_diff_fuzz", tools / "compose-diff-fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["compose_diff_fuzz"] = module
    spec.loader.exec_module(module)
    return module


def install(fz):
    Emitter = fz.Emitter

    def rng_for(self, what: str, ind: int) -> random.Random:
        return random.Random(zlib.crc32(f"flow:{self.salt}:{ind}:{what}".encode()))

    def is_collection(v) -> bool:
        return isinstance(v, (dict, list)) and len(v) > 0

    def ragged(self, v, ind: int, r: random.Random, flow_depth: int = 0) -> str:
        """v as a multi-line flow collection whose first line follows the key on the key's line."""
        pre, v = fz._unwrap(v)
        if not is_collection(v):
            return pre + self.inline(v, True)
        opening, closing = ("{", "}") if isinstance(v, dict) else ("[", "]")

        def newline() -> str:
            # Columns left of, at and right of the key (ind), down to column 1.
            col = r.choice([0, 0, max(0, ind - 2), ind, ind, ind + 1, ind + 2, ind + 4,
                            r.randrange(0, ind + 6)])
            lead = " " * col
            if r.random() < 0.08:
                lead = "\t" + lead
            return "\n" + lead

        parts = []
        entries = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v]
        for i, (k, x) in enumerate(entries):
            sep = newline() if r.random() < 0.6 else " "
            if i == 0 and r.random() < 0.1:
                sep = " # a comment" + newline()
            inner = ragged(self, x, ind, r, flow_depth + 1) if (
                is_collection(fz._unwrap(x)[1]) and flow_depth < 3 and r.random() < 0.5
            ) else self.inline(x, True)
            if k is None:
                parts.append(sep + inner)
            else:
                after_colon = newline() if r.random() < 0.1 else " "
                parts.append(sep + self.key(k, True) + ":" + after_colon + inner)
        body = ",".join(parts)
        if r.random() < 0.05:
            body += ","
        end = newline() if r.random() < 0.6 else ""
        return pre + opening + body + end + closing

    base_entry, base_item = Emitter.entry, Emitter.item

    def entry(self, k, v, ind):
        r = rng_for(self, "e:" + str(k), ind)
        _, inner = fz._unwrap(v)
        if is_collection(inner) and r.random() < 0.7:
            text = " " * ind + self.key(k) + ": " + ragged(self, v, ind, r)
            return text.split("\n")
        return base_entry(self, k, v, ind)

    def item(self, v, ind):
        r = rng_for(self, "i:" + repr(fz._unwrap(v)[1])[:40], ind)
        _, inner = fz._unwrap(v)
        if is_collection(inner) and r.random() < 0.5:
            return (" " * ind + "- " + ragged(self, v, ind, r)).split("\n")
        return base_item(self, v, ind)

    Emitter.entry, Emitter.item = entry, item


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    fz = load_fuzzer(Path(sys.argv[1]))
    install(fz)
    return fz.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
