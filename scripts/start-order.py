#!/usr/bin/env python3
"""Turns valgrind lackey traces of roost into the linker's symbol order file.

usage: start-order.py NM_OUTPUT LINK_MAP TRACE... > scripts/start-order.txt

NM_OUTPUT is `nm -S --defined-only` of the traced binary, LINK_MAP its lld
`-Map` file. Each TRACE is the log of `valgrind --tool=lackey --trace-mem=yes`,
in the order the commands should be placed: every function and data object
the traces touch, in the order of their first touch. The linker (lld's
--symbol-ordering-file) then puts their sections side by side at the start of
.text, .data and .bss, so a start faults in far fewer pages of the binary
(BENCHMARKS.md, "Start").

The linker moves whole sections. Functions that the compiler leaves in a
section they share with others (a Swift file's specializations and thunks in
its `.text`, the standard library's 1.6 MB of them) would bring their cold
neighbours along: the symbols of such sections go after all the others.

valgrind's virtual CPU makes glibc pick other variants of memcpy, strlen…
than a real one (AVX2 instead of EVEX): every variant of a string function
seen is listed.
"""
import bisect
import re
import sys

# Kinds of nm symbols that are code or data the linker can place.
PLACEABLE = set("tTwWiIdDbBrRvV")
# A section with more symbols than this holds code the compiler put together
# (a file's specializations, the standard library's shared .text).
MOST_IN_OWN_SECTION = 4


def index_containing(spans, starts, address):
    """The index of the (start, size, …) span holding address, or None;
    spans sorted by start, starts their start addresses."""
    index = bisect.bisect_right(starts, address) - 1
    if index >= 0 and address < spans[index][0] + spans[index][1]:
        return index
    return None


def read_symbols(path):
    symbols = []
    for line in open(path, encoding="utf-8", errors="replace"):
        fields = line.split()
        if len(fields) != 4 or fields[2] not in PLACEABLE:
            continue
        address, size = int(fields[0], 16), int(fields[1], 16)
        if size > 0:
            symbols.append((address, size, fields[3]))
    symbols.sort()
    return symbols


def sections_of_symbols(map_path, symbols):
    """The input sections (index → symbol count) of each symbol name: sections
    from the lld map, symbols from nm, which also lists local ones. A local
    name can be in several files; the linker places all its sections."""
    output = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+ \S")
    entry = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ {9}\S")
    sections, loaded = [], False
    for line in open(map_path, encoding="utf-8", errors="replace"):
        match = output.match(line)
        if match:  # an output section: debug info and the like have no address
            loaded = int(match.group(1), 16) != 0
            continue
        match = entry.match(line)
        if loaded and match and int(match.group(2), 16) > 0:
            sections.append((int(match.group(1), 16), int(match.group(2), 16)))
    sections.sort()
    starts = [start for start, _ in sections]
    members = {}
    for address, _, name in symbols:
        index = index_containing(sections, starts, address)
        if index is not None:
            members.setdefault(index, []).append(name)
    sections_of = {}
    for index, names in members.items():
        for name in names:
            sections_of.setdefault(name, {})[index] = len(names)
    return sections_of


def touched_in_order(trace_path, starts, symbols, seen, order):
    access = re.compile(r"^ ?[ILSM] +([0-9a-f]+),")
    for line in open(trace_path, encoding="utf-8", errors="replace"):
        match = access.match(line)
        if not match:
            continue
        index = index_containing(symbols, starts, int(match.group(1), 16))
        if index is not None and symbols[index][2] not in seen:
            seen.add(symbols[index][2])
            order.append(symbols[index][2])


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[2])
    symbols = read_symbols(sys.argv[1])
    section = sections_of_symbols(sys.argv[2], symbols)
    starts = [s[0] for s in symbols]
    seen, order = set(), []
    for trace in sys.argv[3:]:
        before = len(order)
        touched_in_order(trace, starts, symbols, seen, order)
        sys.stderr.write(f"{trace}: {len(order) - before} symbols more\n")
    # __memcpy_avx_unaligned_erms → every __memcpy_* the binary has, there.
    variant = re.compile(r"^(__[a-z0-9]+_)(avx|evex|sse|ssse|erms)")
    with_variants = []
    for name in order:
        with_variants.append(name)
        match = variant.match(name)
        if match:
            family = match.group(1)
            for _, _, other in symbols:
                if other.startswith(family) and other not in seen:
                    seen.add(other)
                    with_variants.append(other)
    order = with_variants
    # The linker moves sections, so one name per section is enough; the
    # sections several functions share go last.
    placed, alone, shared = set(), [], []
    for name in order:
        counts = section.get(name, {})
        if counts and placed.issuperset(counts):
            continue
        placed.update(counts)
        (shared if max(counts.values(), default=1) > MOST_IN_OWN_SECTION else alone).append(name)
    sys.stdout.write("".join(name + "\n" for name in alone + shared))


if __name__ == "__main__":
    main()
