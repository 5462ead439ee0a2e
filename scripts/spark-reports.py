#!/usr/bin/env python3
"""Runs the reports of sql/ on Spark over a signin-insights store and writes each as JSON
(`{"value": [...]}`, one file per report): the same reports when one machine is outgrown.

    scripts/spark-reports.py --store STORE --out DIR [--period 30] [--master local[2]] [--app APP]

STORE is a folder Spark can read (a local path here; `s3a://…`, `abfss://…` or `dbfs:/…` on a
cluster, with the store copied there as it is). The tables are the files the store's manifest
lists, with their partition columns; each window ends at the latest record of the table the report
reads, as the native reports'; app-errors keeps the top 5 codes per app. `scripts/sql-check.py`
compares these SQL files with the native reports.
"""

import argparse
import datetime
import decimal
import importlib.util
import json
import pathlib
import time

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("sql_check", HERE / "sql-check.py")
sql_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sql_check)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--period", type=int, default=30)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--app", default="", help="the app of the drill-down (signins.sql): appId or display name")
    a = ap.parse_args()

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(a.master).appName("signin-insights-reports")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    store = a.store.rstrip("/")
    manifest = json.loads("\n".join(r.value for r in spark.read.text(f"{store}/manifest.json").collect()))

    values = sql_check.params(manifest, a.period, a.app)
    has = {t for t, files in manifest["tables"].items() if files}
    for table, files in manifest["tables"].items():
        if files:
            paths = [f"{store}/{f['path']}" for f in files]
            spark.read.option("basePath", f"{store}/{table}").parquet(*paths).createOrReplaceTempView(table)
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(sql_check.SQL.glob("*.sql")):
        if "{app}" in path.read_text() and not a.app:
            print(f"{path.stem}: skipped (the drill-down needs --app)")
            continue
        query = sql_check.fill(path.read_text(), values)
        missing = sql_check.tables_read(query) - has
        if missing:
            print(f"{path.stem}: skipped (no {', '.join(sorted(missing))} in the store)")
            continue
        t = time.perf_counter()
        rows = [r.asDict() for r in spark.sql(query).collect()]
        for r in rows:
            for k, v in r.items():
                if isinstance(v, datetime.datetime):  # UTC wall-clock times (the session's zone)
                    r[k] = v.isoformat() + ("Z" if v.tzinfo is None else "")
                elif hasattr(v, "isoformat"):
                    r[k] = v.isoformat()
                elif isinstance(v, decimal.Decimal):
                    r[k] = int(v) if v == v.to_integral_value() else float(v)
        (out / f"{path.stem}.json").write_text(json.dumps({"value": rows}, indent=2, default=str) + "\n")
        print(f"{path.stem}: {len(rows)} rows in {time.perf_counter() - t:.2f} s -> {out / (path.stem + '.json')}")
    spark.stop()


if __name__ == "__main__":
    main()
