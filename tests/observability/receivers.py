"""Stand-ins for the receivers Alertmanager delivers to, on 127.0.0.1: an HTTP server taking webhook calls and
an SMTP server taking mail (no TLS, no AUTH offered, which Alertmanager then skips). Each notes what arrives."""

import contextlib
import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivered:
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # path, authorization, body
    mails: list[dict[str, Any]] = field(default_factory=list)  # sender, recipients, data

    def webhook_alerts(self, path: str) -> list[tuple[str, str, str | None]]:
        """(alertname, status, authorization) of every alert delivered to one webhook path."""
        return [
            (alert["labels"]["alertname"], alert["status"], call["authorization"])
            for call in list(self.webhooks)
            if call["path"] == path
            for alert in call["body"]["alerts"]
        ]


class _Webhook(BaseHTTPRequestHandler):
    delivered: Delivered

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.delivered.webhooks.append(
            {"path": self.path, "authorization": self.headers.get("Authorization"), "body": body}
        )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Smtp(socketserver.StreamRequestHandler):
    delivered: Delivered

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        mail: dict[str, Any] = {"recipients": []}
        while line := self.rfile.readline().decode(errors="replace").rstrip("\r\n"):
            command = line.split(" ", 1)[0].upper()
            if command in {"EHLO", "HELO"}:
                self.reply("250 sink")
            elif command == "MAIL":
                mail = {"sender": line.split(":", 1)[1].strip(), "recipients": []}
                self.reply("250 OK")
            elif command == "RCPT":
                mail["recipients"].append(line.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go on")
                data = []
                while (body := self.rfile.readline().decode(errors="replace")) not in {".\r\n", ""}:
                    data.append(body)
                mail["data"] = "".join(data)
                self.delivered.mails.append(mail)
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP...
                self.reply("250 OK")


class _ThreadingTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def receivers() -> Iterator[tuple[str, str, Delivered]]:
    """(webhook base URL, SMTP host:port, what they received), both stopped on the way out."""
    delivered = Delivered()
    webhook = ThreadingHTTPServer(("127.0.0.1", 0), type("Webhook", (_Webhook,), {"delivered": delivered}))
    smtp = _ThreadingTCPServer(("127.0.0.1", 0), type("Smtp", (_Smtp,), {"delivered": delivered}))
    for server in (webhook, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{webhook.server_address[1]}", f"127.0.0.1:{smtp.server_address[1]}", delivered
    finally:
        for server in (webhook, smtp):
            server.shutdown()
            server.server_close()
