#!/usr/bin/env python3
"""The portal's network diagnostics page: pings a host and shows the output.

In `unsafe` mode (the web_command_injection vulnerability) the host name is
pasted into a shell command, as too many real appliances do; in `safe` mode
it must be an IP address. The mode is read from /etc/rangectl/diagnostics.mode
on every request, so a blue team can fix it without a restart.
"""

import ipaddress
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODE_FILE = "/etc/rangectl/diagnostics.mode"


def mode():
    try:
        with open(MODE_FILE, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return "safe"


class Diagnostics(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if not url.path.rstrip("/").endswith("/ping"):
            self.send_error(404)
            return
        host = parse_qs(url.query).get("host", ["127.0.0.1"])[0]
        if mode() == "unsafe":
            command = f"ping -c 1 -W 1 {host}"
            result = subprocess.run(command, shell=True, capture_output=True, text=True,
                                    timeout=15)
        else:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                self.send_error(400, "host must be an IP address")
                return
            result = subprocess.run(["ping", "-c", "1", "-W", "1", host], capture_output=True,
                                    text=True, timeout=15)
        body = (result.stdout + result.stderr).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        print("%s %s" % (self.address_string(), format % args), flush=True)


ThreadingHTTPServer(("127.0.0.1", 8081), Diagnostics).serve_forever()
