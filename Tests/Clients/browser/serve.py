"""The page's own origin, as a dev server serves an app: a static server on another port of
127.0.0.1 than mockconvex, which also takes the page's reports. Run as:
python3 serve.py DIRECTORY

It serves DIRECTORY's files on a port the kernel picks and prints
`{"origin": "http://127.0.0.1:PORT", "step": "serving"}` once it accepts. Each JSON object the
page POSTs to /results is printed as one line the same way, so the Swift test that runs this
reads every step as it happens, with no polling of the page. After the page's last word (a
`done` or `error` step) it exits, so a test waiting for a later step stops waiting at once
instead of running into its time limit.
"""
import functools
import http.server
import json
import signal
import sys
import threading

DIRECTORY = sys.argv[1]
# A bound on the whole run, whatever the page does.
signal.alarm(120)


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/results":
            self.send_error(404, "reports go to /results")
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            report = json.loads(self.rfile.read(length))
        except ValueError as error:
            self.send_error(400, f"a report is one JSON object: {error}")
            return
        if not isinstance(report, dict):
            self.send_error(400, "a report is one JSON object")
            return
        print(json.dumps(report, sort_keys=True), flush=True)
        self.send_response(204)
        self.end_headers()
        if report.get("step") in ("done", "error"):
            threading.Thread(target=self.server.shutdown).start()

    def end_headers(self):
        # Every load is the current file, never one the browser kept.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):
        # Stderr, where the test's transcript collects it apart from the reports.
        sys.stderr.write("serve.py: " + format % args + "\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=DIRECTORY))
print(json.dumps({"origin": f"http://127.0.0.1:{server.server_address[1]}", "step": "serving"}), flush=True)
server.serve_forever()
