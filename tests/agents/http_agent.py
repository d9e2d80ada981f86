"""A stand-in HTTP agent (a real server process): answers POST with an AgentResult saying whether
the request carried the credential it expects, and which step it was; never echoes the secret.

    python http_agent.py EXPECTED_TOKEN   (prints its port, then serves on 127.0.0.1)
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Agent(BaseHTTPRequestHandler):
    expected = ""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        token = (body.get("credentials") or {}).get("token")
        result = {
            "status": "passed" if token == self.expected else "failed",
            "summary": "authorized" if token == self.expected else "no or wrong credential",
            "output": {"authorized": token == self.expected, "params": body.get("params")},
        }
        payload = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    Agent.expected = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Agent)
    print(server.server_address[1], flush=True)
    server.serve_forever()
