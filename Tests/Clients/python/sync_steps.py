"""The Python `convex` client (0.8.1: a Rust core over the sync WebSocket) against mockconvex,
one step after another, each printed as one JSON line for the Swift test that runs this to
check. Run as: python sync_steps.py URL ADMIN_KEY SCENARIO (`calls` or `recovery`).

`calls`: query, mutation, action, ConvexError data, a missing function, a subscription that
sees a document another client inserts, watch_all, and set_admin_auth reaching an internal
query. `recovery`: a subscription, then (once the test has closed and reopened the admin
listener and inserted a document) the update arrives on the reconnected socket.
"""
import json
import signal
import sys
import time
import urllib.request

from convex import ConvexClient, ConvexError

URL, ADMIN_KEY, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
# The client's calls block while holding the GIL; the alarm still ends a run that hangs.
signal.alarm(90)


def out(step, **fields):
    print(json.dumps({"step": step, **fields}, sort_keys=True), flush=True)


def insert_over_http(body, author):
    """Another client: a plain HTTP mutation."""
    request = urllib.request.Request(
        URL + "/api/mutation",
        data=json.dumps({"path": "messages:send", "args": {"body": body, "author": author}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["value"]


def first_matching(subscription, predicate, what):
    for value in subscription:
        if predicate(value):
            return value
    raise RuntimeError("subscription ended before " + what)


def calls():
    client = ConvexClient(URL)
    out("query", value=client.query("messages:list", {"author": "ada"}))
    out("mutation", value=client.mutation("messages:send", {"body": "from python", "author": "py"}))
    out("action", value=client.action("app:echo", {"n": 1, "text": "hi"}))
    try:
        client.mutation("app:fail", {})
        out("convexError", raised=False)
    except ConvexError as error:
        out("convexError", raised=True, data=error.data)
    try:
        client.query("nothing:here", {})
        out("missing", raised=False)
    except Exception as error:  # the client raises a plain Exception for a plain error
        out("missing", raised=True, message=str(error))

    subscription = client.subscribe("messages:list", {"author": "other"})
    out("subscribed", value=next(subscription))
    started = time.monotonic()
    inserted = insert_over_http("from another client", "other")
    seen = first_matching(subscription, lambda rows: any(row["_id"] == inserted for row in rows), "the insert arrived")
    out("update", bodies=[row["body"] for row in seen], seconds=round(time.monotonic() - started, 3))
    subscription.unsubscribe()

    # watch_all yields the whole set on every change after it is called: a change is made.
    watched = ConvexClient(URL)
    one = watched.subscribe("messages:list", {"author": "watched"})
    two = watched.subscribe("app:version", {})
    next(one)
    next(two)
    all_queries = watched.watch_all()
    insert_over_http("watched", "watched")
    # Each result is {"type": "value", "value": ...} (or an error) by subscriber id.
    everything = first_matching(
        all_queries, lambda results: any(result.get("value") for result in (results or {}).values()), "watch_all saw the insert")
    out("watchAll", values=sorted(json.dumps(result, sort_keys=True) for result in everything.values()))

    admin = ConvexClient(URL)
    admin.set_admin_auth(ADMIN_KEY)
    out("admin", value=admin.query("app:secret", {}))


def recovery():
    client = ConvexClient(URL)
    subscription = client.subscribe("messages:list", {"author": "reconnect"})
    out("subscribed", value=next(subscription))
    seen = first_matching(subscription, lambda rows: len(rows) > 0, "the document inserted after the reopen arrived")
    out("update", bodies=[row["body"] for row in seen])


{"calls": calls, "recovery": recovery}[SCENARIO]()
out("done")
