#!/usr/bin/env python3
"""Runs the portable report SQL of sql/ over a store with other engines and compares every row
with the native report of signin-insights: a second, independent implementation of each report.

Engines: DuckDB and polars (Python packages; `pip install duckdb polars`), PySpark when it can be
imported. The tables are registered from the files the store's manifest lists (never by
globbing, which could pick up the files of an interrupted ingest), with the Hive partition
columns (`event_type`, `date`). The windows are the native ones: Dn ending at the latest record of
the table each report reads (sign-ins, AD FS sign-ins, audit records).

    scripts/sql-check.py --store STORE [--period 30] [--bin target/release/signin-insights]

Prints one line per (report, engine) and exits 1 when any differ, 2 when no engine could run.
"""

import argparse
import csv
import datetime as dt
import io
import json
import pathlib
import re
import subprocess
import sys
import time

SQL = pathlib.Path(__file__).resolve().parent.parent / "sql"
DAY_US = 86_400_000_000


def iso(us):
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def day(v):
    return v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)[:10]


def micros(v):
    """A time as integer microseconds since the epoch: an engine's datetime (naive = UTC) or a
    native ISO 8601 text; None stays None."""
    if v is None:
        return None
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.timezone.utc)
    return (v - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def num(v):
    return None if v is None else int(v)


TOP = 5
SEPARATOR = "\x1f"  # the store's list separator (methods_registered, auth_methods)
RECORD_SEPARATOR = "\x1e"  # between the entries of a stored list of records (ca_policies)
TABLES = ("signins", "adfs_signins", "audits", "credentials", "registrations")


def params(manifest, period, app=""):
    """The values of the SQL files' parameters: the windows (Dn ending at the latest record of the
    table each reads, as the native reports), the top-N, the list separator, the drill-down app."""
    def window(table):
        as_of = max((f["max_time_us"] for f in manifest["tables"].get(table, [])), default=0)
        return iso(as_of - period * DAY_US + 1), iso(as_of + 1)

    (start, end), (a_start, a_end), (f_start, f_end) = window("signins"), window("audits"), window("adfs_signins")
    return {"{start}": start, "{end}": end, "{audit_start}": a_start, "{audit_end}": a_end,
            "{adfs_start}": f_start, "{adfs_end}": f_end, "{top}": str(TOP), "{sep}": SEPARATOR, "{rs}": RECORD_SEPARATOR,
            "{app}": app.replace("'", "''")}


def fill(query, values):
    for k, v in values.items():
        query = query.replace(k, v)
    return query


def tables_read(query):
    return {t for t in TABLES if re.search(rf"\b(FROM|JOIN)\s+{t}\b", query, re.IGNORECASE)}


def native(binary, store, args):
    cmd = [binary, "report", *args, "--store", store, "--format", "json", "--quiet"]
    doc = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return doc.get("value", doc)


def hundredths(percent):
    return round(percent * 100)


KINDS = (("interactive", "lastSignIn"), ("nonInteractive", "lastNonInteractiveSignIn"),
         ("successful", "lastSuccessfulSignIn"))
SP_KINDS = (("attempt", "lastSignIn"), *KINDS[1:])
ROLES = (("applicationAuthenticationClient", "applicationAuthenticationClientSignInActivity"),
         ("applicationAuthenticationResource", "applicationAuthenticationResourceSignInActivity"),
         ("delegatedClient", "delegatedClientSignInActivity"),
         ("delegatedResource", "delegatedResourceSignInActivity"), ("last", "lastSignInActivity"))


def latest(activity, field):
    """(time in microseconds, request id) of one field of a Graph signInActivity, or None."""
    if activity and activity.get(f"{field}DateTime"):
        return micros(activity[f"{field}DateTime"]), activity[f"{field}RequestId"]
    return None


def expected(binary, store, period, has):
    """The native reports as the rows each SQL file returns (days and relying parties without any
    sign-in, and apps without activity, left out where the SQL has no row for them)."""
    p = ["--period", f"D{period}"]
    out = {}
    apps = native(binary, store, ["apps", *p])
    out["apps"] = [(a["id"], a["appDisplayName"], a["successfulSignInCount"], a["failedSignInCount"],
                    hundredths(a["successPercentage"])) for a in apps]
    out["app-daily"] = [(r["appId"], r["appDisplayName"], r["aggregatedEventDateTime"][:10], r["status"]["errorCode"],
                         r["signInCount"], r["status"]["failureReason"], r["status"]["additionalDetails"])
                        for r in native(binary, store, ["app-daily", *p])]
    out["app-errors"] = [(r["appId"], r["appDisplayName"], r["rank"], r["errorCode"], r["failureReason"],
                          r["signInCount"], hundredths(r["shareOfFailures"]))
                         for r in native(binary, store, ["app-errors", "--top", str(TOP), *p])]
    last, unused = [], []
    for r in native(binary, store, ["app-last-signin", *p]):
        a = r["signInActivity"]
        kinds = [(k, latest(a, f)) for k, f in KINDS]
        if not any(v for _, v in kinds):
            unused.append((r["appId"], r["appDisplayName"]))
        last += [(r["appId"], r["appDisplayName"], k, *v) for k, v in kinds if v]
    out["app-last-signin"] = last
    if "credentials" in has:
        out["app-unused"] = unused
    out["service-principals"] = sorted(
        (r["appId"], role, kind, *v)
        for r in native(binary, store, ["service-principals", *p]) for role, key in ROLES
        for kind, field in SP_KINDS if (v := latest(r[key], field)))
    if "credentials" in has:
        out["credentials"] = [
            (r["keyId"], r["credentialOrigin"], r["appId"], r["keyType"], r["keyUsage"],
             micros(r["expirationDateTime"]), r["resourceId"], *(latest(r["signInActivity"], "lastSignIn") or (None, None)),
             *(latest(r["signInActivity"], "lastSuccessfulSignIn") or (None, None)), r.get("@signinInsights.finding"))
            for r in native(binary, store, ["credentials", *p])]
    if "adfs_signins" in has:
        out["adfs"] = [(r["relyingPartyId"], r["relyingPartyName"], r["successfulSignInCount"], r["failedSignInCount"],
                        r["totalSignInCount"], r["uniqueUserCount"], hundredths(r["signInSuccessRate"]))
                       for r in native(binary, store, ["adfs", *p]) if r["totalSignInCount"]]
    out["mfa-summary"] = [(r["createdDateTime"][:10], r["totalSignIns"], r["singleFactorSignIns"], r["multiFactorSignIns"])
                          for r in native(binary, store, ["mfa-summary", *p]) if r["totalSignIns"] > 0]
    out["auth-usage"] = [(r["authenticationMethod"], r["successActivityCount"])
                         for r in native(binary, store, ["auth-usage", *p])]
    out["legacy-auth"] = [(r["clientAppUsed"], r["appId"], r["appDisplayName"], r["signInCount"], r["successCount"],
                           r["failureCount"], r["userCount"], micros(r["lastSignInDateTime"]))
                          for r in native(binary, store, ["legacy-auth", *p])]
    out["failure-analysis"] = [(r["errorCode"], r["outcome"], r["failureReason"], r["signInCount"], r["userCount"],
                                r["appCount"], micros(r["lastSignInDateTime"]))
                               for r in native(binary, store, ["failure-analysis", *p])]
    out["mfa-gaps"] = [(r["appId"], r["appDisplayName"], r["signInCount"], r["singleFactorSignInCount"],
                        r["multiFactorSignInCount"], hundredths(r["singleFactorPercentage"]), r["userCount"],
                        r["singleFactorUserCount"], micros(r["lastSignInDateTime"]))
                       for r in native(binary, store, ["mfa-gaps", *p])]
    out["auth-prompts"] = [(r["authenticationMethod"], r["promptCount"], r["successCount"], r["failureCount"],
                            r["signInCount"], hundredths(r["promptsPerSignIn"]), r["userCount"],
                            micros(r["lastSignInDateTime"])) for r in native(binary, store, ["auth-prompts", *p])]
    out["cross-tenant"] = [(r["direction"], r["externalTenantId"], r["crossTenantAccessType"], r["signInCount"],
                            r["successCount"], r["failureCount"], r["userCount"], r["appCount"],
                            micros(r["lastSignInDateTime"])) for r in native(binary, store, ["cross-tenant", *p])]
    out["risky-sign-ins"] = [(r["userPrincipalName"], r["userDisplayName"], r["ipAddress"], r["signInCount"],
                              r["highRiskCount"], r["mediumRiskCount"], r["lowRiskCount"], r["successCount"],
                              r["failureCount"], r["userCount"], r["latestRiskState"], micros(r["lastSignInDateTime"]))
                             for r in native(binary, store, ["risky-sign-ins", *p])]
    buckets = ("success", "failure", "userActionRequired", "notApplied", "total")
    out["ca-policies"] = [(r["policyId"], r["policyDisplayName"], r["reportOnly"], *(r["signIns"][b] for b in buckets),
                           *(r["users"][b] for b in buckets)) for r in native(binary, store, ["ca-policies", *p])]
    if apps:
        # The table of key columns (JSON would be the original records, in the export's own shape).
        cmd = [binary, "signins", "--app", apps[0]["id"], "--failed", "--event-type", "interactiveUser", *p,
               "--store", store, "--format", "csv", "--quiet"]
        text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        out["signins"] = [(r["id"],) for r in csv.DictReader(io.StringIO(text))]
    if "audits" in has:
        out["password-resets"] = [
            (r["aggregatedDateTime"][:10], r["passwordResetsByAdminCount"], r["passwordResetsSelfServiceCount"],
             r["changePasswordSelfServiceCount"]) for r in native(binary, store, ["password-resets", *p])
            if r["passwordResetsByAdminCount"] + r["passwordResetsSelfServiceCount"] + r["changePasswordSelfServiceCount"]]
    if "registrations" in has:
        f = native(binary, store, ["auth-registration"])
        counts = {c["feature"]: c["userCount"] for c in f["userRegistrationFeatureCounts"]}
        out["auth-registration-feature"] = [(f["totalUserCount"], counts["ssprRegistered"], counts["ssprEnabled"],
                                             counts["ssprCapable"], counts["passwordlessCapable"],
                                             counts["mfaCapable"])]
        m = native(binary, store, ["auth-registration", "--by", "method"])
        out["auth-registration-method"] = [(c["authenticationMethod"], c["userCount"], m["totalUserCount"])
                                           for c in m["userRegistrationMethodCounts"]]
    return out, (apps[0]["id"] if apps else "")


def normalise(name, rows):
    """Engine rows as plain tuples comparable with `expected`."""
    if name == "apps":
        return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]
    if name == "app-daily":
        return [(r[0], r[1], day(r[2]), num(r[3]), int(r[4]), r[5], r[6]) for r in rows]
    if name == "app-errors":
        return [(r[0], r[1], int(r[2]), num(r[3]), r[4], int(r[5]), int(r[6])) for r in rows]
    if name == "app-last-signin":
        return [(r[0], r[1], r[2], micros(r[3]), r[4]) for r in rows]
    if name == "service-principals":
        return [(r[0], r[1], r[2], micros(r[3]), r[4]) for r in rows]
    if name == "credentials":
        return [(*r[:5], micros(r[5]), r[6], micros(r[7]), r[8], micros(r[9]), r[10], r[11]) for r in rows]
    if name == "adfs":
        return [(r[0], r[1], *(int(v) for v in r[2:])) for r in rows]
    if name in ("mfa-summary", "password-resets"):
        return [(day(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
    if name == "auth-usage":
        return [(r[0], int(r[1])) for r in rows]
    if name == "auth-registration-method":
        return [(r[0], int(r[1]), int(r[2])) for r in rows]
    if name == "signins":
        return [(r[1],) for r in rows]
    if name == "app-unused":
        return [tuple(r) for r in rows]
    if name == "legacy-auth":
        return [(r[0], r[1], r[2], *(int(v) for v in r[3:7]), micros(r[7])) for r in rows]
    if name == "failure-analysis":
        return [(num(r[0]), r[1], r[2], *(int(v) for v in r[3:6]), micros(r[6])) for r in rows]
    if name == "auth-prompts":
        return [(r[0], *(int(v) for v in r[1:7]), micros(r[7])) for r in rows]
    if name == "cross-tenant":
        return [(r[0], r[1], r[2], *(int(v) for v in r[3:8]), micros(r[8])) for r in rows]
    if name == "mfa-gaps":
        return [(r[0], r[1], *(int(v) for v in r[2:8]), micros(r[8])) for r in rows]
    if name == "risky-sign-ins":
        return [(r[0], r[1], r[2], *(int(v) for v in r[3:10]), r[10], micros(r[11])) for r in rows]
    if name == "ca-policies":
        return [(r[0], r[1], bool(r[2]), *(int(v) for v in r[3:13])) for r in rows]
    return [tuple(int(v) for v in r) for r in rows]


def tables(store):
    manifest = json.loads((pathlib.Path(store) / "manifest.json").read_text())
    return {t: [str(pathlib.Path(store) / f["path"]) for f in files]
            for t, files in manifest["tables"].items() if files}


def open_duckdb(store):
    """A function running one query in DuckDB over the store's tables, and one closing it."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for t, files in tables(store).items():
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({files!r}, hive_partitioning = true)")
    return (lambda q: con.execute(q).fetchall()), con.close


def open_polars(store):
    import polars as pl
    ctx = pl.SQLContext()
    for t, files in tables(store).items():
        lf = pl.scan_parquet(files, hive_partitioning=True)
        # UTC instants as UTC wall-clock times, so `TIMESTAMP '...'` compares with them.
        zoned = [n for n, d in lf.collect_schema().items() if isinstance(d, pl.Datetime) and d.time_zone]
        ctx.register(t, lf.with_columns([pl.col(n).dt.replace_time_zone(None) for n in zoned]))
    return (lambda q: ctx.execute(q).collect().rows()), (lambda: None)


def open_spark(store):
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("signin-insights-sql-check")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for t, files in tables(store).items():
        spark.read.option("basePath", str(pathlib.Path(store) / t)).parquet(*files).createOrReplaceTempView(t)
    return (lambda q: [tuple(r) for r in spark.sql(q).collect()]), spark.stop


def first_line(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--period", type=int, default=30)
    ap.add_argument("--bin", default="signin-insights")
    ap.add_argument("--engines", default="duckdb,polars,spark")
    ap.add_argument("--require", default="", help="engines that must run (a skipped one is a failure)")
    a = ap.parse_args()
    engines = {"duckdb": open_duckdb, "polars": open_polars, "spark": open_spark}
    unknown = [e for e in (a.engines + "," + a.require).split(",") if e and e not in engines]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}: choose from {', '.join(engines)}")
    manifest = json.loads((pathlib.Path(a.store) / "manifest.json").read_text())
    has = {t for t, files in manifest["tables"].items() if files}
    want, app = expected(a.bin, a.store, a.period, has)
    values = params(manifest, a.period, app)
    queries = {}
    for p in sorted(SQL.glob("*.sql")):
        q = fill(p.read_text(), values)
        missing = tables_read(q) - has
        if missing:
            print(f"{p.stem}: skipped (no {', '.join(sorted(missing))} in the store)")
        elif p.stem not in want:
            print(f"sql/{p.name} has no native counterpart in this script")
            sys.exit(1)
        else:
            queries[p.stem] = q
    ran, failed, done = 0, 0, set()
    for name in a.engines.split(","):
        started = time.perf_counter()
        try:
            query, close = engines[name](a.store)
        except Exception as e:  # noqa: BLE001 - a missing package, or Spark without Java
            print(f"{name}: skipped ({first_line(e)})")
            continue
        ran += 1
        done.add(name)
        lines = []
        for report, q in queries.items():
            t = time.perf_counter()
            try:
                rows = normalise(report, query(q))
            except Exception as e:  # noqa: BLE001 - the engine refused the query: a failure
                failed += 1
                lines.append(f"{report:28} {name:7}  ERROR {first_line(e)}")
                continue
            same = rows == want[report]
            failed += not same
            lines.append(f"{report:28} {name:7} {len(rows):6} rows {time.perf_counter() - t:6.2f} s  "
                         f"{'same as native' if same else 'DIFFERENT'}")
            if not same:
                extra = [r for r in rows if r not in want[report]][:3]
                absent = [r for r in want[report] if r not in rows][:3]
                lines.append(f"    only {name}: {extra}\n    only native: {absent}")
        close()
        seconds = time.perf_counter() - started
        print(f"{name}: {len(queries)} reports in {seconds:.2f} s (starting the engine and registering the tables included)")
        print("\n".join(lines))
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
