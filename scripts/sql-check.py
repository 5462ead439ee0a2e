#!/usr/bin/env python3
"""Runs the portable report SQL of sql/ over a store with other engines and compares every row
with the native report of signin-insights: a second, independent implementation of each report.

Engines: DuckDB and polars (Python packages; `pip install duckdb polars`), PySpark when it can be
imported. The tables are registered from the files the store's manifest lists (never by
globbing, which could pick up the files of an interrupted ingest), with the Hive partition
columns (`event_type`, `date`). The windows are the native ones: Dn ending at the latest sign-in (audit reports: audit record).

    scripts/sql-check.py --store STORE [--period 30] [--bin target/release/signin-insights]

Prints one line per (report, engine) and exits 1 when any differ, 2 when no engine could run.
"""

import argparse
import datetime as dt
import json
import pathlib
import subprocess
import sys

SQL = pathlib.Path(__file__).resolve().parent.parent / "sql"
DAY_US = 86_400_000_000


def iso(us):
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def day(v):
    return v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)[:10]


def native(binary, store, args):
    out = subprocess.run([binary, "report", *args, "--store", store, "--format", "json", "--quiet"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    return doc.get("value", doc)


def expected(binary, store, period):
    """The native reports, as the rows each SQL file returns (mfa-summary without its zero days)."""
    p = ["--period", f"D{period}"]
    apps = [(a["id"], a["appDisplayName"], a["successfulSignInCount"], a["failedSignInCount"],
             round(a["successPercentage"] * 100)) for a in native(binary, store, ["apps", *p])]
    daily = {}
    for r in native(binary, store, ["app-daily", *p]):
        daily[(r["appId"], r["aggregatedEventDateTime"][:10], r["status"]["errorCode"])] = r["signInCount"]
    mfa = [(r["createdDateTime"][:10], r["totalSignIns"], r["singleFactorSignIns"], r["multiFactorSignIns"])
           for r in native(binary, store, ["mfa-summary", *p]) if r["totalSignIns"] > 0]
    out = {"apps": apps, "app-daily-counts": sorted((k[0], k[1], k[2], v) for k, v in daily.items()),
           "mfa-summary": mfa}
    try:
        out["password-resets"] = [
            (r["aggregatedDateTime"][:10], r["passwordResetsByAdminCount"], r["passwordResetsSelfServiceCount"],
             r["changePasswordSelfServiceCount"]) for r in native(binary, store, ["password-resets", *p])
            if r["passwordResetsByAdminCount"] + r["passwordResetsSelfServiceCount"] + r["changePasswordSelfServiceCount"]]
    except subprocess.CalledProcessError:
        pass
    try:
        f = native(binary, store, ["auth-registration"])
        counts = {c["feature"]: c["userCount"] for c in f["userRegistrationFeatureCounts"]}
        out["auth-registration-feature"] = [(f["totalUserCount"], counts["ssprRegistered"], counts["ssprEnabled"],
                                             counts["ssprCapable"], counts["passwordlessCapable"],
                                             counts["mfaCapable"])]
    except subprocess.CalledProcessError:
        pass  # no registrations in the store
    return out


def normalise(name, rows):
    """Engine rows as plain tuples comparable with `expected`."""
    if name == "apps":
        return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]
    if name == "app-daily-counts":
        return sorted((r[0], day(r[1]), None if r[2] is None else int(r[2]), int(r[3])) for r in rows)
    if name in ("mfa-summary", "password-resets"):
        return [(day(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
    return [tuple(int(v) for v in r) for r in rows]


def tables(store):
    manifest = json.loads((pathlib.Path(store) / "manifest.json").read_text())
    return {t: [str(pathlib.Path(store) / f["path"]) for f in files]
            for t, files in manifest["tables"].items() if files}


def run_duckdb(store, queries):
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for t, files in tables(store).items():
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({files!r}, hive_partitioning = true)")
    return {n: con.execute(q).fetchall() for n, q in queries.items()}


def run_polars(store, queries):
    import polars as pl
    ctx = pl.SQLContext()
    for t, files in tables(store).items():
        lf = pl.scan_parquet(files, hive_partitioning=True)
        # UTC instants as UTC wall-clock times, so `CAST('...' AS TIMESTAMP)` compares with them.
        zoned = [n for n, d in lf.collect_schema().items() if isinstance(d, pl.Datetime) and d.time_zone]
        ctx.register(t, lf.with_columns([pl.col(n).dt.replace_time_zone(None) for n in zoned]))
    return {n: ctx.execute(q).collect().rows() for n, q in queries.items()}


def run_spark(store, queries):
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("signin-insights-sql-check")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for t, files in tables(store).items():
        spark.read.option("basePath", str(pathlib.Path(store) / t)).parquet(*files).createOrReplaceTempView(t)
    out = {n: [tuple(r) for r in spark.sql(q).collect()] for n, q in queries.items()}
    spark.stop()
    return out


def timed(f, *args):
    import time
    t = time.perf_counter()
    out = f(*args)
    return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--period", type=int, default=30)
    ap.add_argument("--bin", default="signin-insights")
    ap.add_argument("--engines", default="duckdb,polars,spark")
    ap.add_argument("--require", default="", help="engines that must run (a skipped one is a failure)")
    a = ap.parse_args()
    manifest = json.loads((pathlib.Path(a.store) / "manifest.json").read_text())
    def window(table):
        as_of = max((f["max_time_us"] for f in manifest["tables"].get(table, [])), default=0)
        return iso(as_of - a.period * DAY_US + 1), iso(as_of + 1)

    (start, end), (audit_start, audit_end) = window("signins"), window("audits")
    want = expected(a.bin, a.store, a.period)
    params = {"{start}": start, "{end}": end, "{audit_start}": audit_start, "{audit_end}": audit_end}
    queries = {}
    for p in sorted(SQL.glob("*.sql")):
        if p.stem in want:
            q = p.read_text()
            for k, v in params.items():
                q = q.replace(k, v)
            queries[p.stem] = q
    engines = {"duckdb": run_duckdb, "polars": run_polars, "spark": run_spark}
    ran, failed, done = 0, 0, set()
    for name in a.engines.split(","):
        try:
            got, seconds = timed(engines[name], a.store, queries)
        except Exception as e:  # noqa: BLE001 - a missing package, or Spark without Java
            print(f"{name}: skipped ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
            continue
        ran += 1
        done.add(name)
        print(f"{name}: {len(got)} reports in {seconds:.2f} s (registering the tables included)")
        for report, rows in got.items():
            rows = normalise(report, rows)
            same = rows == want[report]
            failed += not same
            print(f"{report:28} {name:7} {len(rows):6} rows  {'same as native' if same else 'DIFFERENT'}")
            if not same:
                extra = [r for r in rows if r not in want[report]][:3]
                missing = [r for r in want[report] if r not in rows][:3]
                print(f"    only {name}: {extra}\n    only native: {missing}")
    missing = {e for e in a.require.split(",") if e} - done
    if missing:
        print(f"required engines that did not run: {', '.join(sorted(missing))}")
        failed += 1
    if ran == 0:
        print("no engine could run: pip install duckdb polars (and pyspark with Java for Spark)")
        sys.exit(2)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
