#!/usr/bin/env python3
"""A sensor data historian: readings of Arctic sensors behind an HTTP API.

GET /api/health -> {"status": "ok"}; GET /api/readings -> the latest readings.
With --admin PORT (the exposed_admin_service vulnerability) it also serves an
unauthenticated admin API: POST /admin/readings sensor=NAME&value=V overwrites
a reading, as forgotten maintenance interfaces on OT systems allow.
"""

import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PORT = int(sys.argv[1])
SENSORS = sys.argv[2].split(",")
ADMIN_PORT = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--admin" else None
READINGS = {name: round(random.uniform(-30, 5), 2) for name in SENSORS}
LOCK = threading.Lock()


def answer(handler, status, document):
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Api(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/api/health":
            answer(self, 200, {"status": "ok", "sensors": len(SENSORS)})
        elif self.path == "/api/readings":
            with LOCK:
                answer(self, 200, {"time": time.time(), "readings": dict(READINGS)})
        else:
            answer(self, 404, {"error": "not found"})


class Admin(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        sensor = form.get("sensor", [""])[0]
        if self.path != "/admin/readings" or sensor not in READINGS:
            answer(self, 400, {"error": "unknown sensor"})
            return
        with LOCK:
            READINGS[sensor] = float(form.get("value", ["0"])[0])
        answer(self, 200, {"status": "accepted", "sensor": sensor})


if ADMIN_PORT:
    admin = ThreadingHTTPServer(("0.0.0.0", ADMIN_PORT), Admin)
    threading.Thread(target=admin.serve_forever, daemon=True).start()
ThreadingHTTPServer(("0.0.0.0", PORT), Api).serve_forever()
