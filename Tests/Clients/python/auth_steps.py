"""The Python `convex` client (0.8.1) signing in with set_auth against mockconvex, one step
per JSON line for the Swift test that runs this. Run as:
python auth_steps.py URL ALICE_TOKEN BOB_TOKEN

Alice's identity, her insert and her list; Bob's list, which must not show hers; then, with
clear_auth, an auth: required query fails as the app's own check would.
"""
import json
import signal
import sys

from convex import ConvexClient

URL, ALICE, BOB = sys.argv[1], sys.argv[2], sys.argv[3]
# The client's calls block while holding the GIL; the alarm still ends a run that hangs.
signal.alarm(90)


def out(step, **fields):
    print(json.dumps({"step": step, **fields}, sort_keys=True), flush=True)


client = ConvexClient(URL)
client.set_auth(ALICE)
out("alice", value=client.query("me:who"))
client.mutation("mine:add", {"text": "from alice"})
out("aliceList", texts=[row["text"] for row in client.query("mine:list")])
client.set_auth(BOB)
out("bob", value=client.query("me:who"))
out("bobList", texts=[row["text"] for row in client.query("mine:list")])
client.clear_auth()
try:
    client.query("mine:list")
    out("anonymous", raised=False)
except Exception as error:
    out("anonymous", raised=True, message=str(error))
out("done")
