"""A live query as an app's UI holds one, with the Python client (`pip install convex==0.8.1`):
the first render, another tab's mutation, the re-render. Run against a fresh mockconvex started
with the example config: python watch.py [URL]."""
import sys

from convex import ConvexClient

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3210"

app = ConvexClient(url)
messages = app.subscribe("messages:list", {"author": "ada"})
print("first render:", [message["body"] for message in next(messages)])

another_tab = ConvexClient(url)
another_tab.mutation("messages:send", {"body": "hello from another tab", "author": "ada"})
print("re-render:", [message["body"] for message in next(messages)])
