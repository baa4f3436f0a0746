#!/usr/bin/env python3
"""Charts of one benchmark run (target/bench-results/*.json) into docs/.

    python benches/charts.py [--results DIR] [--docs DIR]

- docs/perf-core.svg: the core's operations per second per pattern, Rust API, C API and Python
  binding, with the bare quick-xml scan of the same XML (the parsing floor);
- docs/perf-eppd.svg: eppd's responses per second per pattern, plain and TLS, against the
  transport floor;
- docs/perf-memory.svg: eppd's resident set against the number of logged-in sessions (from
  the eppd runs, one eppd per mode running the patterns in turn), and with
  target/bench-results/soak.json, eppd's resident set over the 10-minute soak.

Needs matplotlib (benches/run.sh installs it in target/bench-venv).
"""

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return None


def bars(ax, labels, series, ylabel, title):
    n = len(series)
    width = 0.8 / n
    for i, (name, values) in enumerate(series):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(labels))]
        ax.bar(xs, [v or 0 for v in values], width, label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(HERE, "..", "target", "bench-results"))
    ap.add_argument("--docs", default=os.path.join(HERE, "..", "docs"))
    args = ap.parse_args()
    plt.rcParams["svg.hashsalt"] = "libepp"  # stable ids: the SVGs diff cleanly
    plt.rcParams["svg.fonttype"] = "none"
    written = []

    core = load(os.path.join(args.results, "core.json"))
    py = load(os.path.join(args.results, "python.json"))
    if core:
        pats = core["patterns"]
        labels = [p["name"] for p in pats]
        pyd = {p["name"]: p for p in (py or {}).get("patterns", [])}
        series = [
            ("Rust API", [p["ops_per_s"] for p in pats]),
            ("C API", [1e9 / p["capi_ns_per_op"] if p["capi_ns_per_op"] else None for p in pats]),
        ]
        if py:
            series.append(("Python (batched)", [pyd[n]["ops_per_s"] if n in pyd else None for n in labels]))
        series.append(("bare quick-xml scan", [1e9 / p["scan_ns"] if p["scan_ns"] else None for p in pats]))
        fig, ax = plt.subplots(figsize=(9, 4.5))
        bars(ax, labels, series, "operations per second (log)", "libepp core: one core, pipelined streams")
        ax.set_yscale("log")
        fig.tight_layout()
        path = os.path.join(args.docs, "perf-core.svg")
        fig.savefig(path, metadata={"Date": None})
        written.append(path)

    eppd = load(os.path.join(args.results, "eppd.json"))
    if eppd:
        runs = eppd["runs"]
        labels = []
        for r in runs:
            if r["pattern"] not in labels:
                labels.append(r["pattern"])
        fig, ax = plt.subplots(figsize=(9, 4.5))
        series = []
        for mode in ["plain", "tls"]:
            by = {r["pattern"]: r for r in runs if r["mode"] == mode}
            series.append((f"eppd {mode}", [by[p]["eppd"]["ops_per_s"] if p in by else None for p in labels]))
            series.append((f"floor {mode}", [by[p]["floor"]["ops_per_s"] if p in by else None for p in labels]))
        bars(ax, labels, series, "responses per second", "eppd over loopback against the transport floor")
        fig.tight_layout()
        path = os.path.join(args.docs, "perf-eppd.svg")
        fig.savefig(path, metadata={"Date": None})
        written.append(path)

    soak = load(os.path.join(args.results, "soak.json"))
    if eppd or soak:
        fig, axes = plt.subplots(1, 2 if soak else 1, figsize=(11 if soak else 6, 4.2))
        if not soak:
            axes = [axes]
        if eppd:
            ax = axes[0]
            for mode in ["plain", "tls"]:
                pts = sorted(
                    (r["eppd"]["logged_in"], r["eppd"]["rss_kib"]["logged_in"] / 1024)
                    for r in eppd["runs"]
                    if r["mode"] == mode and r["eppd"]["rss_kib"]["logged_in"]
                )
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"eppd {mode}")
            if soak and soak["rss_kib"]["logged_in"]:
                ax.plot([soak["logged_in"]], [soak["rss_kib"]["logged_in"] / 1024], marker="s",
                        linestyle="none", label="soak (TLS), all logged in")
            ax.set_xscale("log")
            ax.set_xlabel("logged-in sessions")
            ax.set_ylabel("eppd RSS (MiB)")
            ax.set_title("eppd resident set against sessions")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend()
        if soak:
            ax = axes[-1]
            s = soak["rss_series"]
            ax.plot([t for t, _ in s], [k / 1024 for _, k in s], label=f"{soak['logged_in']} TLS sessions")
            ax.axvline(soak["login_s"], color="grey", linestyle="--", label="all logged in")
            ax.set_xlabel("seconds")
            ax.set_ylabel("eppd RSS (MiB)")
            ax.set_title(f"soak: RSS over {soak['duration_s']:.0f} s of the mix")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        path = os.path.join(args.docs, "perf-memory.svg")
        fig.savefig(path, metadata={"Date": None})
        written.append(path)

    for p in written:
        print(f"written: {os.path.relpath(p)}")


if __name__ == "__main__":
    main()
