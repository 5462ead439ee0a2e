"""DuckDB's side of benches/compare.sh: load the same generated exports, run the same reports.

Usage: duckdb_side.py load-auto|load-explicit lines|pages DIR
       duckdb_side.py load-stored|copy-stored lines DIR [OUT_DIR]
       duckdb_side.py queries STORE_DIR

load-stored reads every field the store keeps (not only the report columns) into a table;
copy-stored writes them to a zstd Parquet file in OUT_DIR, as `ingest --no-raw` does. Neither is
the issue-20 reference (that is load-explicit): they say what a like-for-like load costs.

Prints one line `<what> <seconds> <rows>`; peak memory is measured by the caller.
"""
import sys
import time

import duckdb

# The ~15 columns the reports need, with their types, as an analyst would write them by hand.
COLUMNS = {
    "id": "VARCHAR", "createdDateTime": "VARCHAR", "appId": "VARCHAR", "appDisplayName": "VARCHAR",
    "resourceId": "VARCHAR", "resourceDisplayName": "VARCHAR", "userId": "VARCHAR",
    "userPrincipalName": "VARCHAR", "ipAddress": "VARCHAR", "clientAppUsed": "VARCHAR",
    "correlationId": "VARCHAR", "servicePrincipalCredentialKeyId": "VARCHAR",
    "signInEventTypes": "VARCHAR[]",
    "status": "STRUCT(errorCode BIGINT, failureReason VARCHAR, additionalDetails VARCHAR)",
}


# Every field `ingest --no-raw` reads and stores (see src/normalize: the Graph names), typed as
# the store types them before flattening.
STORED = dict(COLUMNS, **{
    "isInteractive": "BOOLEAN", "userDisplayName": "VARCHAR", "servicePrincipalId": "VARCHAR",
    "servicePrincipalName": "VARCHAR", "authenticationRequirement": "VARCHAR",
    "conditionalAccessStatus": "VARCHAR",
    "authenticationDetails": "STRUCT(authenticationMethod VARCHAR, succeeded BOOLEAN, "
                             "authenticationStepResultDetail VARCHAR)[]",
    "authenticationProtocol": "VARCHAR", "incomingTokenType": "VARCHAR",
    "riskLevelDuringSignIn": "VARCHAR", "riskState": "VARCHAR", "userType": "VARCHAR",
    "homeTenantId": "VARCHAR", "resourceTenantId": "VARCHAR", "crossTenantAccessType": "VARCHAR",
    "userAgent": "VARCHAR", "clientCredentialType": "VARCHAR",
    "location": "STRUCT(city VARCHAR, state VARCHAR, countryOrRegion VARCHAR)",
    "deviceDetail": "STRUCT(operatingSystem VARCHAR, browser VARCHAR, isCompliant BOOLEAN, "
                    "isManaged BOOLEAN, trustType VARCHAR)",
    "appliedConditionalAccessPolicies": "STRUCT(id VARCHAR, displayName VARCHAR, result VARCHAR)[]",
})


def struct_type():
    return "STRUCT(" + ", ".join(f'"{k}" {v}' for k, v in COLUMNS.items()) + ")"


def load(mode, shape, path, out=None):
    con = duckdb.connect()
    started = time.perf_counter()
    if mode in ("load-stored", "copy-stored"):
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in STORED.items()) + "}"
        select = f"SELECT * FROM read_json('{path}/*', format='newline_delimited', columns={cols})"
        if mode == "load-stored":
            con.execute(f"CREATE TABLE s AS {select}")
            rows = con.execute("SELECT count(*) FROM s").fetchone()[0]
        else:
            target = f"{out}/stored.parquet"
            con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            rows = con.execute(f"SELECT count(*) FROM '{target}'").fetchone()[0]
        print(f"{mode}-{shape} {time.perf_counter() - started:.2f} {rows}")
        return
    if shape == "lines":
        if mode == "load-auto":
            sql = f"CREATE TABLE s AS SELECT * FROM read_json_auto('{path}/*', format='newline_delimited')"
        else:
            cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
            sql = f"CREATE TABLE s AS SELECT * FROM read_json('{path}/*', format='newline_delimited', columns={cols})"
    else:
        if mode == "load-auto":
            sql = (f"CREATE TABLE s AS SELECT unnest(value, recursive := true) FROM "
                   f"read_json_auto('{path}/*', format='newline_delimited', maximum_object_size=268435456)")
        else:
            cols = "{'value': '" + struct_type().replace("'", "''") + "[]'}"
            sql = (f"CREATE TABLE s AS SELECT unnest(value, recursive := true) FROM "
                   f"read_json('{path}/*', format='newline_delimited', columns={cols}, maximum_object_size=268435456)")
    con.execute(sql)
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM s").fetchone()[0]
    print(f"{mode}-{shape} {seconds:.2f} {rows}")


APPS = """
SELECT app_id AS id, arg_max(app_display_name, (created, id)) AS appDisplayName,
       count(*) FILTER (WHERE error_code = 0) AS successfulSignInCount,
       count(*) FILTER (WHERE error_code IS DISTINCT FROM 0) AS failedSignInCount
FROM signins WHERE event_type = 'interactiveUser' AND created > (SELECT max(created) FROM signins) - INTERVAL 30 DAY
GROUP BY app_id ORDER BY successfulSignInCount + failedSignInCount DESC, id
"""

TOP_ERRORS = """
WITH f AS (
  SELECT app_id, error_code, count(*) AS n, arg_max(failure_reason, (created, id)) AS reason
  FROM signins WHERE event_type IN ('interactiveUser', 'nonInteractiveUser') AND error_code IS DISTINCT FROM 0
    AND created > (SELECT max(created) FROM signins) - INTERVAL 30 DAY
  GROUP BY ALL)
SELECT *, row_number() OVER (PARTITION BY app_id ORDER BY n DESC, error_code) AS rank
FROM f QUALIFY rank <= 5 ORDER BY app_id, rank
"""


def queries(store):
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE VIEW signins AS SELECT * FROM read_parquet('{store}/signins/**/*.parquet', hive_partitioning = true)")
    a = con.execute(APPS).fetchall()
    e = con.execute(TOP_ERRORS).fetchall()
    print(f"queries {time.perf_counter() - started:.2f} {len(a)}+{len(e)}")


if __name__ == "__main__":
    if sys.argv[1] == "queries":
        queries(sys.argv[2])
    else:
        load(sys.argv[1], sys.argv[2], sys.argv[3], *sys.argv[4:5])
