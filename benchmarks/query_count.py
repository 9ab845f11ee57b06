"""Counts the SQL queries of each request and reports them in response headers."""

import time

from django.db import connections


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = {"queries": 0, "seconds": 0.0}

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                counter["queries"] += 1
                counter["seconds"] += time.perf_counter() - started

        wrappers = [connection.execute_wrapper(count) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            # Template and DRF responses are rendered inside get_response, so their queries count;
            # a streaming body's are not (it is read after this returns).
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response["X-Bench-Queries"] = str(counter["queries"])
        response["X-Bench-SQL-ms"] = f"{counter['seconds'] * 1000:.2f}"
        return response
