"""The Python `convex` client (0.8.1: a Rust core over the sync WebSocket) calling stubbed
functions: `cases` chosen by the arguments as the client encodes them (a Python int or float
is a float64, a `ConvexInt64` an int64), a case's ConvexError data, the fallback, the error of an unmatched
call, and `sequence` entries taken call by call. Each step is printed as one JSON line for the
Swift test that runs this. Run as: python stub_steps.py URL.
"""
import signal
import sys

from convex import ConvexClient, ConvexInt64

from steps import out, outcome

URL = sys.argv[1]
signal.alarm(90)


client = ConvexClient(URL)
out("int64", **outcome(lambda: client.query("orders:quote", {"sku": "A1", "qty": ConvexInt64(2)})))
out("float", **outcome(lambda: client.query("orders:quote", {"qty": 2, "sku": "A1"})))
out("outOfStock", **outcome(lambda: client.query("orders:quote", {"sku": "B2", "qty": 1})))
out("fallback", **outcome(lambda: client.query("orders:quote", {"sku": "Z9"})))
out("unmatched", **outcome(lambda: client.mutation("orders:place", {"sku": "B2", "qty": 2})))
out("placed", **outcome(lambda: client.mutation("orders:place", {"qty": 2, "sku": "A1", "note": {"gift": True}})))
out("poll", values=[outcome(lambda: client.action("jobs:poll", {})) for _ in range(4)])
out("status", values=[outcome(lambda: client.query("jobs:status", {})) for _ in range(4)])
out("once", values=[outcome(lambda: client.mutation("jobs:once", {})) for _ in range(3)])
out("done")
