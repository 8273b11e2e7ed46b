"""The Python `convex` client (0.8.1: a Rust core over the sync WebSocket) making the same calls
against `mockconvex record` (forwarding to an upstream) and then against `mockconvex --config`
on the recording, so the Swift test can compare what it got each time: values (an int64
included), a ConvexError's data, a plain error, a query before and after a mutation, a
signed-in user's identity, and an HTTP action. Request ids are left out of messages, since
every run has its own. Run as: python record_steps.py URL SITE_URL TOKEN
"""
import signal
import sys
import urllib.request

from convex import ConvexClient, ConvexInt64

import steps
from steps import out

URL, SITE, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
signal.alarm(90)


def outcome(call):
    return steps.outcome(call, strip_request_ids=True)


client = ConvexClient(URL)
out("quote", **outcome(lambda: client.query("orders:quote", {"sku": "A1", "qty": ConvexInt64(2)})))
out("outOfStock", **outcome(lambda: client.query("orders:quote", {"sku": "B2", "qty": 1.5, "apiKey": "sk-live-123"})))
out("listBefore", **outcome(lambda: [row["body"] for row in client.query("messages:list")]))
out("added", **outcome(lambda: client.mutation("messages:add", {"body": "hi"})))
out("listAfter", **outcome(lambda: [row["body"] for row in client.query("messages:list")]))
out("boom", **outcome(lambda: client.action("boom:it", {})))
client.set_auth(TOKEN)
out("who", **outcome(lambda: client.query("me:who")))
client.clear_auth()
with urllib.request.urlopen(SITE + "/hello?x=1", timeout=30) as response:
    out("http", status=response.status, body=response.read().decode(), contentType=response.headers["Content-Type"])
out("done")
