#!/usr/bin/env python3
"""Fails when a public declaration of the library modules has no documentation comment.

Reads the symbol graphs that `swift package generate-documentation` extracted (.build/*/extracted-symbols/*/M/M.symbols.json)
and lists every public or open symbol declared in Sources/M/ without a doc comment. Symbols the compiler synthesises
(no source location: Equatable's ==, hashValue, init(rawValue:), …) are not counted.
"""
import glob
import json
import sys

MODULES = ["Randomness", "Statistics", "GaussianIntegrals", "ODEIntegration", "Scenarios", "OnlineTheory",
           "OnlineSimulation", "DMFT", "Plotting", "Reporting", "Sweeps", "StatPhysSGD"]

missing, total, seen = [], 0, set()
for module in MODULES:
    graphs = glob.glob(f".build/*/extracted-symbols/*/{module}/{module}.symbols.json")
    if not graphs:
        sys.exit(f"doc-coverage: no symbol graph for {module}; run generate-documentation first")
    for symbol in json.load(open(graphs[0]))["symbols"]:
        uri = symbol.get("location", {}).get("uri", "")
        if symbol["accessLevel"] not in ("public", "open") or f"/Sources/{module}/" not in uri:
            continue
        key = symbol["identifier"]["precise"]
        if key in seen:
            continue
        seen.add(key)
        total += 1
        if not symbol.get("docComment"):
            line = symbol["location"]["position"]["line"] + 1
            missing.append(f"{uri.split('/Sources/')[-1]}:{line}: {'.'.join(symbol['pathComponents'])}")

for entry in sorted(missing):
    print(f"undocumented: {entry}")
print(f"doc-coverage: {total - len(missing)} of {total} public declarations documented")
sys.exit(1 if missing else 0)
