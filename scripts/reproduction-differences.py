#!/usr/bin/env python3
"""The differences between two runs of the ci rows in every number the reproduction check compares, and the bounds
of tests/LDae.Regression.Tests/reproduction-bounds.json made from them.

Usage: scripts/reproduction-differences.py RESULTS_A RESULTS_B [--write BOUNDS_JSON]
       scripts/reproduction-differences.py --raise BOUNDS_JSON SNAPSHOTS RESULTS

RESULTS_A and RESULTS_B are the results folders of two regression-suite runs of the same commit (each run leaves
its rows in /tmp/ldae-regression-<pid>/): one on MKL's default path, one with LDAE_MKL_CODE_PATH=vendor
(docs/statistics.md, "Reproduction snapshots"). Prints each row's differences; with --write, writes each row's
bound = max(MARGIN x its difference, the floor) per number.

--raise compares a regression-suite run on another CPU (RESULTS) with the snapshots it was checked against
(SNAPSHOTS, the folder of *.snap files) and raises each bound of BOUNDS_JSON that is below MARGIN x that run's
difference: the bounds then cover every code path measured.
"""
import json
import pathlib
import sys

EARLY_LOSSES = 3  # Reproduction.LoggedLosses
MARGIN = 10
FLOORS = {"accuracy_points": 0.5, "final_loss": 1e-6, "early_losses": [1e-6] * EARLY_LOSSES,
          "feature_mean_in_sd": 1e-6, "feature_sd": 1e-6}
RULE = (f"bound = max({MARGIN} x the row's largest difference between code paths measured (MKL's default AVX-512 and "
        "vendor AVX2 paths on one CPU; a CPU without AVX-512 against the snapshots), floor); accuracies in points (probe, its train top-1 and kNN share one bound), the losses and the feature sd "
        "relative to the snapshot's value, the feature mean in units of the snapshot's feature sd")


def runs(root):
    found = {}
    for metrics in pathlib.Path(root, "ci").rglob("metrics.json"):
        m = json.loads(metrics.read_text())
        if m.get("seeds"):
            continue
        log = metrics.with_name("log.jsonl")
        losses = [json.loads(l)["loss"] for l in log.read_text().splitlines() if l.strip()][:EARLY_LOSSES] if log.exists() else []
        found[m["row"]] = (m, losses)
    return found


def relative(a, b):
    return 0.0 if a is None or b is None or a == b else abs(a - b) / abs(a)


def differences(a, b):
    (ma, la), (mb, lb) = a, b
    points = max(abs((ma.get(k) or 0) - (mb.get(k) or 0)) for k in ("probe_top1", "knn_top1", "probe_train_top1"))
    fa, fb = ma.get("probe_features"), mb.get("probe_features")
    return {
        "accuracy_points": points,
        "final_loss": relative(ma.get("final_loss"), mb.get("final_loss")),
        "early_losses": [relative(x, y) for x, y in zip(la, lb)] + [0.0] * (EARLY_LOSSES - min(len(la), len(lb))),
        "feature_mean_in_sd": abs(fa["mean"] - fb["mean"]) / fa["sd"] if fa and fb else 0.0,
        "feature_sd": relative(fa["sd"], fb["sd"]) if fa and fb else 0.0,
    }


def snapshots(folder):
    """The numbers each row's snapshot holds, in the shape runs() gives (the metrics.json keys the differences read)."""
    found = {}
    for snap in pathlib.Path(folder).glob("CiRowRegressionTests.Row_metrics_match_the_snapshot_*.snap"):
        s = json.loads(snap.read_text(encoding="utf-8-sig"))
        r = s["Reproduction"]
        features = {"mean": r["FeatureMean"], "sd": r["FeatureSd"]} if r["FeatureSd"] else None
        found[s["Row"]] = ({"probe_top1": s["ProbeTop1"], "knn_top1": s["KnnTop1"], "probe_train_top1": r["ProbeTrainTop1"],
                            "final_loss": s["FinalLoss"], "probe_features": features}, r["EarlyLosses"])
    return found


def raise_bounds(path, snapshot_folder, results):
    """Raises each bound of the file at path to MARGIN x the difference between the snapshots and a run elsewhere."""
    file = json.loads(pathlib.Path(path).read_text())
    snaps, run = snapshots(snapshot_folder), runs(results)
    raised = 0
    for row in sorted(set(snaps) & set(run)):
        d = differences(snaps[row], run[row])
        old = file["rows"].setdefault(row, {k: (list(v) if isinstance(v, list) else v) for k, v in file["floors"].items()})
        for key, value in d.items():
            if isinstance(value, list):
                new = [max(b, bound(x, f)) for b, x, f in zip(old[key], value, file["floors"][key])]
            else:
                new = max(old[key], bound(value, file["floors"][key]))
            if new != old[key]:
                print(f"  {row:<42} {key}: {old[key]} -> {new}")
                old[key], raised = new, raised + 1
    file["rule"] = RULE
    step = f"; then --raise {path} <snapshots> <results of a run on a CPU without AVX-512>"
    if step not in file["command"]:  # a second CPU's run raises the same file with the same command
        file["command"] += step
    pathlib.Path(path).write_text(json.dumps(file, indent=2) + "\n")
    print(f"{len(set(snaps) & set(run))} rows compared with their snapshots; {raised} bounds raised; wrote {path}")


def bound(diff, floor):
    return round(max(MARGIN * diff, floor), 1) if floor >= 0.1 else float(f"{max(MARGIN * diff, floor):.2g}")


def main(args):
    write = None
    if "--write" in args:
        i = args.index("--write")
        write, args = args[i + 1], args[:i] + args[i + 2:]
    if args[:1] == ["--raise"]:
        if len(args) != 4:
            sys.exit(__doc__)
        return raise_bounds(*args[1:])
    if len(args) != 2:
        sys.exit(__doc__)
    a, b = runs(args[0]), runs(args[1])
    rows = sorted(set(a) & set(b))
    print(f"{len(rows)} rows in both runs ({len(a)} in {args[0]}, {len(b)} in {args[1]})")
    for missing in sorted(set(a) ^ set(b)):
        print(f"  only in one run: {missing}")
    diffs = {row: differences(a[row], b[row]) for row in rows}
    for row, d in diffs.items():
        early = " ".join(f"{x:.1e}" for x in d["early_losses"])
        print(f"  {row:<42} acc {d['accuracy_points']:.1f} final {d['final_loss']:.1e} early {early} "
              f"feature mean {d['feature_mean_in_sd']:.1e} sd {d['feature_sd']:.1e}")
    if write:
        bounds = {row: {k: [bound(x, f) for x, f in zip(v, FLOORS[k])] if isinstance(v, list) else bound(v, FLOORS[k])
                        for k, v in d.items()} for row, d in diffs.items()}
        command = "scripts/reproduction-differences.py <default-path results> <vendor-path results> --write " + write
        pathlib.Path(write).write_text(json.dumps({"rule": RULE, "command": command, "floors": FLOORS, "rows": bounds}, indent=2) + "\n")
        print(f"wrote {write}")


if __name__ == "__main__":
    main(sys.argv[1:])
