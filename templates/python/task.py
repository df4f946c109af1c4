"""The one function you edit: turn one item (a string) into its result (a string).

Raise an exception to fail the item: it goes to the failed list with the error text and can be
retried with `gridcore queue retry`. Keep it idempotent: an item may be processed again after a crash.
"""
import math


def handle(item: str) -> str:
    n = float(item)
    return f"{item}:{math.sqrt(n)}"
