"""What the client scripts share: each step printed as one JSON line for the Swift test that runs
them, and what a call gave (its value, or the error it raised)."""
import json
import re


def out(step, **fields):
    # An int64 the client hands back (ConvexInt64) is printed as {"int64": n}.
    print(json.dumps({"step": step, **fields}, sort_keys=True, default=lambda value: {"int64": value.value}), flush=True)


def outcome(call, strip_request_ids=False):
    """What a call gave: its value, or the error it raised (ConvexError data included). With
    strip_request_ids, messages lose their `[Request ID: ...] ` (every run has its own)."""
    from convex import ConvexError

    def text(error):
        message = str(error)
        return re.sub(r"\[Request ID: [0-9a-f]+\] ", "", message) if strip_request_ids else message

    try:
        return {"value": call()}
    except ConvexError as error:
        return {"convexError": True, "data": error.data, "message": text(error)}
    except Exception as error:  # a plain Error in the function: the client raises Exception
        return {"convexError": False, "message": text(error)}
