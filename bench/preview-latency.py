#!/usr/bin/env python3
"""Time from saving a record file to the updated page being pushed by
`clusterdoc serve`, and the server's memory after the edits.

    bench/preview-latency.py CLUSTERDOC DATA_DIR ORDER_FILE DOCUMENT [EDITS]

Works on a copy of DATA_DIR. Starts `serve --port 0`, opens the document
(as the page does), then EDITS times (default 50) changes one word of
ORDER_FILE (relative to DATA_DIR) and waits for the server-sent event that
announces it; prints the median, 90th percentile and worst time, and the
server's resident memory after the first and the last edit.
"""

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv):
    exe, data, order_file, document = argv[1:5]
    edits = int(argv[5]) if len(argv) > 5 else 50
    work = tempfile.mkdtemp()
    shutil.copytree(data, os.path.join(work, "data"))
    server = subprocess.Popen(
        [exe, "serve", "--port", "0"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = server.stdout.readline()
    port = int(line.split("localhost:")[1].split("/")[0])
    host = {"Host": f"localhost:{port}"}

    events = []
    cond = threading.Condition()

    def listen():
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"GET /events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                if b"data: " in block:
                    with cond:
                        events.append(time.monotonic())
                        cond.notify_all()

    threading.Thread(target=listen, daemon=True).start()

    def get(path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", path, headers=host)
        r = c.getresponse()
        return r.read()

    get(f"/api/doc/{document}")  # opened, as the page does
    time.sleep(1.0)
    path = os.path.join(work, "data", order_file)
    words = ("возложить", "оставить")
    times = []
    first_rss = None
    for i in range(edits):
        text = open(path, encoding="utf-8").read()
        a, b = words if i % 2 == 0 else words[::-1]
        assert a in text, a
        with cond:
            seen = len(events)
        t0 = time.monotonic()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(a, b, 1))
        with cond:
            cond.wait_for(lambda: len(events) > seen, timeout=30)
            t1 = events[seen]
        times.append((t1 - t0) * 1000)
        time.sleep(0.3)  # the page fetches; the next save comes later
        if first_rss is None:
            first_rss = rss_mb(server.pid)
    last_rss = rss_mb(server.pid)
    server.terminate()
    server.wait()
    shutil.rmtree(work)
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1]
    print(
        f"{document}: {edits} edits, save to push: median {statistics.median(times):.0f} ms, "
        f"90% {p90:.0f} ms, worst {times[-1]:.0f} ms; "
        f"RSS after the first edit {first_rss:.0f} MB, after the last {last_rss:.0f} MB"
    )


if __name__ == "__main__":
    main(sys.argv)
