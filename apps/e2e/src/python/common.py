"""Shared helpers for the e2e Python scripts (python3-confluent-kafka 1.7.0).

Every script prints exactly one JSON document on stdout (progress lines, when
a script streams, are JSON lines too) and takes its parameters from argv.
"""
import json
import sys


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def text(b):
    return None if b is None else b.decode("utf-8", "replace")


def err_str(e):
    return None if e is None else "%s (%s)" % (e.str(), e.name())
