"""A schemathesis check: no API answer shows a stack trace, SQL or a file path (RELIABILITY 26)."""
import re

import schemathesis

LEAKS = re.compile(
    r"panicked at|stack backtrace|RUST_BACKTRACE|\.rs:\d+|/src/|/home/|/root/|/tmp/"
    r"|SQLITE_|sqlx|syntax error at|violates .* constraint|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b"
    r"|pg_catalog|Traceback \(most recent call last\)",
    re.IGNORECASE,
)


@schemathesis.check
def no_internals_in_answers(ctx, response, case):
    kind = " ".join(str(v) for k, v in response.headers.items() if k.lower() == "content-type")
    if "pdf" in kind:
        return None
    found = LEAKS.search(response.content.decode("utf-8", "replace"))
    if found:
        raise AssertionError(f"the answer shows internals: {found.group(0)!r}")
    return None
