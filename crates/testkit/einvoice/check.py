#!/usr/bin/env python3
"""Runs the EN 16931 UBL rules on XML files; prints "FLAG RULE: text" per failed rule and
"ok" when none failed. Exit code 0 either way; 3 when Saxon is missing."""
import os
import re
import sys

try:
    from saxonche import PySaxonProcessor
except ImportError:
    print("saxonche is not installed")
    sys.exit(3)

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "EN16931-UBL-validation.xslt")
FAILURE = re.compile(
    r'<svrl:failed-assert[^>]*?id="([^"]+)"[^>]*?flag="([^"]+)"[^>]*>\s*(?:<svrl:text>([^<]*))?',
    re.S,
)

with PySaxonProcessor(license=False) as saxon:
    rules = saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=RULES)
    for path in sys.argv[1:]:
        report = rules.transform_to_string(source_file=os.path.abspath(path))
        failures = FAILURE.findall(report)
        for rule, flag, text in failures:
            print(f"{flag} {rule}: {' '.join((text or '').split())}")
        if not failures:
            print("ok")
