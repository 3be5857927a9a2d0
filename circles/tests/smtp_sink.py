"""A tiny SMTP server for the integration tests: it counts what it accepts.

A message counts as delivered only when the server has answered ``250`` to its
data, as a real server commits it. ``stall()`` makes the next session hang at
the DATA command (after MAIL and RCPT were accepted), so a test can kill the
worker in the middle of a send; such a half-finished session delivers nothing.
"""

import email
import socket
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def _reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        sink = self.server.sink
        recipients = []
        self._reply("220 sink.test ESMTP")
        while True:
            try:
                line = self.rfile.readline()
            except (TimeoutError, OSError):
                return
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink.test")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                if sink.stalling.is_set():
                    sink.stalled.set()
                    # Hang until the client dies (the worker is killed) or we are released.
                    self.request.settimeout(60)
                    try:
                        while self.request.recv(1024):
                            pass
                    except OSError:
                        pass
                    return
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return  # the client went away: nothing delivered
                    if chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = email.message_from_bytes(b"".join(data))
                self._reply("250 OK queued")
                sink.accept(recipients, message)
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.stalling = threading.Event()
        self.stalled = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def accept(self, recipients, message):
        with self.lock:
            self.messages.append((tuple(recipients), message))

    def stall(self):
        self.stalled.clear()
        self.stalling.set()

    def release(self):
        self.stalling.clear()

    def delivered(self):
        with self.lock:
            return list(self.messages)

    def delivered_to(self):
        return sorted(address for recipients, _ in self.delivered() for address in recipients)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
