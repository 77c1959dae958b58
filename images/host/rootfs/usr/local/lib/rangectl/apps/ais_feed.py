#!/usr/bin/env python3
"""An AIS ship-tracking feed: NMEA 0183 !AIVDM sentences over TCP (port 10110).

Every client gets a stream of position reports for a small fleet moving in
the Arctic; the first line arrives at once, so a checker can read a banner.
"""

import math
import socketserver
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 10110
VESSELS = int(sys.argv[2]) if len(sys.argv) > 2 else 12


def checksum(body):
    value = 0
    for char in body:
        value ^= ord(char)
    return f"{value:02X}"


def sentence(mmsi, tick):
    lat = 74.0 + 2 * math.sin((mmsi + tick) / 50)
    lon = -95.0 + 5 * math.cos((mmsi + tick) / 70)
    payload = f"{mmsi:09d}{int(lat * 600000):+09d}{int(lon * 600000):+010d}"
    body = f"AIVDM,1,1,,A,{payload},0"
    return f"!{body}*{checksum(body)}\r\n"


class Feed(socketserver.StreamRequestHandler):
    def handle(self):
        tick = 0
        try:
            while True:
                for vessel in range(VESSELS):
                    self.wfile.write(sentence(316000000 + vessel, tick).encode())
                self.wfile.flush()
                tick += 1
                time.sleep(1)
        except OSError:
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("0.0.0.0", PORT), Feed).serve_forever()
