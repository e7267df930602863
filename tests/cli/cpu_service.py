"""A tiny Python service for the --profile-cpu test of Python's perf
support (python3.12 -X perf): GET /hot spends its time in hot_function(),
GET /cold in almost nothing. Usage: cpu_service.py PORT"""
import http.server
import sys


def hot_function(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = str(hot_function(150000) if self.path.startswith("/hot") else 0).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
