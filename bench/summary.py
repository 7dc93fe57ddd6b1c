"""The load test's summary and checks: what the users were told against the database.

`ledger` is what bench/locustfile.py wrote, with its times turned into seconds into the run;
`rows` is bench/patients.stored_rows(); `restart`, when there was a fault, says when it began
and finished. Used by bench/load.py and bench/faults.py.
"""

from __future__ import annotations

from collections import Counter


def submissions(ledger: dict, rows: dict, window) -> dict[str, dict]:
    """For injections and check-ins: acknowledged forms against the rows stored."""
    kinds = {}
    for kind in ("dose", "checkin"):
        subs = {s["token"]: s for s in ledger["submissions"] if s["kind"] == kind}
        acked = {token for token, s in subs.items() if s["acked"]}
        stored = rows[kind]
        lost = sorted(acked - stored.keys())
        wrong = sorted(
            token
            for token in acked & stored.keys()
            if (stored[token]["tag"], stored[token]["patient"])
            != (subs[token]["tag"], subs[token]["patient"])
        )
        unknown = sorted(stored.keys() - subs.keys())  # a row no form of ours made
        in_doubt = sorted((subs.keys() - acked) & stored.keys())  # saved, never acknowledged
        kinds[kind] = {
            "forms_sent": len(subs),
            "acknowledged": len(acked),
            "rows_in_db": len(stored),
            "lost": len(lost),
            "values_differ": len(wrong),
            "duplicate_rows": len(unknown),
            "saved_not_acknowledged": len(in_doubt),
            "failed_not_saved": len(subs.keys() - acked - stored.keys()),
            "retried_after_error": sum(s["retried_after_error"] for s in subs.values()),
            "acknowledged_after_recovery": (
                sum(1 for s in subs.values() if s["acked"] and s["acked_at"] > window[1])
                if window
                else None
            ),
            "examples": {"lost": lost[:3], "values_differ": wrong[:3], "duplicate": unknown[:3]},
        }
    kinds["dose"]["resubmissions"] = ledger["resubmissions"]
    kinds["dose"]["double_submits"] = ledger["double_submits"]
    return kinds


def summarize(args, ledger: dict, rows: dict, restart: dict, baseline: dict, server) -> dict:
    requests, unexpected = ledger["requests"], ledger["unexpected"]
    window = None
    if restart:
        window = (restart["began_s"], restart["finished_s"] + args.recover_seconds)

    def phase(start: float, end: float) -> str:
        """When a request ran: one that overlapped the restart or the recovery time after it
        is in the outage window."""
        if window is None:
            return "no_restart"
        if end < window[0]:
            return "before_restart"
        return "outage_window" if start <= window[1] else "after_recovery"

    def outside(counter: Counter) -> int:
        return sum(n for key, n in counter.items() if key != "outage_window")

    failed = [item for item in requests if item[1] == "error" or item[1] >= 500]
    errors_by_phase = Counter(phase(start, end) for _, _, start, end in failed)
    unexpected_by_phase = Counter(phase(start, end) for _, _, start, end, _ in unexpected)
    kinds = submissions(ledger, rows, window)
    doses, checkins = kinds["dose"], kinds["checkin"]
    last_error = max((end for _, _, _, end in failed), default=None)
    summary = {
        "config": {
            "users": args.users,
            "patients": args.patients,
            "seconds": args.seconds,
            "think_s": args.think,
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
            "client": "Locust (bench/locustfile.py)",
            "restart_db_at_s": args.restart_db_at,
            "recover_seconds": args.recover_seconds,
            "database": args.db_name,
            "injections_seeded": baseline["doses_seeded"],
        },
        "requests": len(requests),
        "throughput_rps": round(len(requests) / args.seconds, 1),
        "injections_per_s": round(doses["acknowledged"] / args.seconds, 1),
        "by_status": dict(sorted(Counter(str(item[1]) for item in requests).items())),
        "server_errors": {
            "total": len(failed),
            "5xx": sum(1 for item in failed if item[1] != "error"),
            "no_answer": sum(1 for item in failed if item[1] == "error"),
            **dict(errors_by_phase),
            "last_answered_at_s": round(last_error, 2) if last_error is not None else None,
            "no_answer_causes": dict(Counter(ledger["no_answer"]).most_common(4)),
        },
        "unexpected": {
            "total": len(unexpected),
            **dict(unexpected_by_phase),
            "examples": [
                [page, status, round(start, 2), why]
                for page, status, start, _, why in unexpected[:5]
            ],
        },
        "logins": ledger["logins"],
        "injections": doses,
        "checkins": checkins,
        "latency_ms": ledger.get("latency_ms", {}),  # Locust's own figures for each page
        "server_log": server.log_findings(),
    }
    if restart:
        finished = restart["finished_s"]
        ok_after = [
            start
            for _, status, start, _ in requests
            if start >= finished and status != "error" and status < 500
        ]
        summary["restart"] = {
            **restart,
            "outage_window_s": [round(window[0], 2), round(window[1], 2)],
            # Negative: the last error was answered before the restart had even finished.
            "last_error_after_restart_finished_s": (
                round(last_error - finished, 2) if last_error is not None else None
            ),
            "first_success_after_restart_finished_s": (
                round(min(ok_after) - finished, 2) if ok_after else None
            ),
        }

    both = (doses, checkins)
    checks = {
        "every user signed in": summary["logins"] >= args.users,
        "no acknowledged injection or check-in lost": sum(k["lost"] for k in both) == 0,
        "stored values are the ones sent": sum(k["values_differ"] for k in both) == 0,
        "repeated forms added no row": sum(k["duplicate_rows"] for k in both) == 0,
        "rows in the database equal acknowledged submissions": all(
            k["rows_in_db"] == k["acknowledged"] for k in both
        ),
        "every user finished in time": all(s["settled"] for s in ledger["submissions"]),
        "no crash in the load script": not ledger.get("crashes"),
    }
    if window is None:
        checks["no server error"] = not failed
        checks["no unexpected answer"] = not unexpected
    else:
        checks[restart.get("check", "PostgreSQL restarted")] = restart["returncode"] == 0
        checks[f"no server error later than {args.recover_seconds:g} s after the restart"] = (
            outside(errors_by_phase) == 0
        )
        checks["no unexpected answer outside the outage"] = outside(unexpected_by_phase) == 0
        checks["injections acknowledged after the recovery"] = bool(
            doses["acknowledged_after_recovery"]
        )
    summary["checks"] = checks
    summary["passed"] = all(checks.values())
    return summary
