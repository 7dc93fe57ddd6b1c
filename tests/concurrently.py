"""Work started in threads released together, for the tests of what happens at the same moment
(two submissions, two cron runs on two servers). They need PostgreSQL: SQLite serialises whole-
database writes."""

import threading

from django.db import close_old_connections


def at_once(count, work, *, timeout=60):
    """Run `work(i)` in `count` threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
