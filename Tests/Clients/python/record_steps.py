"""The Python `convex` client (0.8.1: a Rust core over the sync WebSocket) making the same calls
against `mockconvex record` (forwarding to an upstream) and then against `mockconvex --config`
on the recording, so the Swift test can compare what it got each time: values (an int64
included), a ConvexError's data, a plain error, a query before and after a mutation, a
signed-in user's identity, and an HTTP action. Request ids are left out of messages, since
every run has its own. Run as: python record_steps.py URL SITE_URL TOKEN
"""
import json
import re
import signal
import sys
import urllib.request

from convex import ConvexClient, ConvexError, ConvexInt64

URL, SITE, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
signal.alarm(90)


def out(step, **fields):
    # An int64 the client hands back (ConvexInt64) is printed as {"int64": n}.
    print(json.dumps({"step": step, **fields}, sort_keys=True, default=lambda value: {"int64": value.value}), flush=True)


def outcome(call):
    """What a call gave: its value, or the error it raised (ConvexError data included)."""
    try:
        return {"value": call()}
    except ConvexError as error:
        return {"convexError": True, "data": error.data, "message": re.sub(r"\[Request ID: [0-9a-f]+\] ", "", str(error))}
    except Exception as error:  # a plain Error in the function: the client raises Exception
        return {"convexError": False, "message": re.sub(r"\[Request ID: [0-9a-f]+\] ", "", str(error))}


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
