"""A calendar change must reach running pods as a reload, never as a restart.

    calendar-reload.py swap VALUES.yaml OUT.yaml   # VALUES with other calendar.years
    calendar-reload.py same RENDERED_A RENDERED_B  # the Deployments and settings are identical

`swap` writes VALUES with calendar.years replaced: by none when it has years, by a fictional test
year when it has none (the first load in a running release). `same` exits 1, listing them, when a
Deployment or a component's settings ConfigMap differs between the two renderings: only the
calendar's ConfigMap may change, or `helm upgrade` would roll the pods instead of letting the
services reload the file. Run with .tools/chart-venv/bin/python (PyYAML).
"""
import sys

import yaml

# A fictional year (2099) in the file's format: test data only, never an official arrangement.
TEST_YEARS = {
    "2099": {
        "source": "TEST ONLY: a fictional arrangement for the chart tests, not a State Council notice",
        "holidays": [{"name": "元旦", "from": "2099-01-01", "to": "2099-01-03"}],
        "workdays": ["2099-01-04"],
    }
}


def swap(values_path, out_path):
    values = yaml.safe_load(open(values_path)) or {}
    calendar = values.setdefault("calendar", {})
    if calendar.get("existingConfigMap"):
        sys.exit(f"{values_path}: calendar.existingConfigMap is set; nothing to swap")
    calendar["years"] = {} if calendar.get("years") else TEST_YEARS
    yaml.safe_dump(values, open(out_path, "w"), allow_unicode=True, sort_keys=False)


def same(a_path, b_path):
    def pods(path):
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
        calendar_cms = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap" and d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "calendar"}
        return {
            f"{d['kind']}/{d['metadata']['name']}": d
            for d in docs
            if d["kind"] == "Deployment" or (d["kind"] == "ConfigMap" and d["metadata"]["name"] not in calendar_cms)
        }

    a, b = pods(a_path), pods(b_path)
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    for k in differ:
        print(f"{k} changes with the calendar: helm upgrade would restart its pods instead of a reload")
    if not a:
        print("no Deployment rendered")
    sys.exit(1 if differ or not a else 0)


if __name__ == "__main__":
    {"swap": swap, "same": same}[sys.argv[1]](*sys.argv[2:])
