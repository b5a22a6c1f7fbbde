#!/usr/bin/python3
"""The grayscale Lambda handler as the usual Python/OpenCV tutorial writes it, and a driver
that times it in-process for the benchmark (bench/Bench runs it under Debian's python3-opencv).

    /usr/bin/python3 bench/tutorial_handler.py --serve
        reads one JSON request per line on stdin: {"event": PATH, "calls": N[, "save": PATH]}
        answers one JSON line per request: {"ms": [...], "cpu_ms": [...], "handler_ms": [...], "status": CODE}

"ms" is what Lambda's Python runtime does around the handler too (json.loads of the event
bytes, the handler, json.dumps of the response), comparable with the .NET handler's bytes
in, bytes out; "cpu_ms" is the process CPU time of the same span; "handler_ms" is the
handler alone (wall time).
"""
import base64
import json
import sys
import time

import cv2

# The benchmark measures one thread per peer.
cv2.setNumThreads(1)

INPUT_PATH = "/tmp/tutorial-input.jpg"
OUTPUT_PATH = "/tmp/tutorial-output.jpg"


def lambda_handler(event, context):
    image_bytes = base64.b64decode(event["body"])
    with open(INPUT_PATH, "wb") as f:
        f.write(image_bytes)

    image = cv2.imread(INPUT_PATH)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    # The tutorial keeps imwrite's default (95); 90 makes its output comparable with the other peers'.
    cv2.imwrite(OUTPUT_PATH, gray, [cv2.IMWRITE_JPEG_QUALITY, 90])

    with open(OUTPUT_PATH, "rb") as f:
        encoded = base64.b64encode(f.read()).decode("utf-8")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/jpeg"},
        "body": encoded,
        "isBase64Encoded": True,
    }


def serve():
    events = {}
    for line in sys.stdin:
        request = json.loads(line)
        path = request["event"]
        if path not in events:
            with open(path, "rb") as f:
                events[path] = f.read()
        raw = events[path]
        ms, cpu_ms, handler_ms, status = [], [], [], None
        for _ in range(request["calls"]):
            started = time.perf_counter()
            cpu_started = time.process_time()
            event = json.loads(raw)
            handler_started = time.perf_counter()
            response = lambda_handler(event, None)
            handler_ms.append((time.perf_counter() - handler_started) * 1000)
            out = json.dumps(response).encode("utf-8")
            cpu_ms.append((time.process_time() - cpu_started) * 1000)
            ms.append((time.perf_counter() - started) * 1000)
            status = response["statusCode"]
        if "save" in request:
            with open(request["save"], "wb") as f:
                f.write(base64.b64decode(json.loads(out)["body"]))
        print(json.dumps({"ms": ms, "cpu_ms": cpu_ms, "handler_ms": handler_ms, "status": status}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        sys.exit(__doc__)
    serve()
