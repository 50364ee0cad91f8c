"""The session's ZAP handler: the shared ZapPolicy, served from the engine thread."""

from __future__ import annotations

from ..core import ZAP_ENDPOINT, Option, Socket, ZapPolicy, close_zap_handler
from .engine import Engine
from .errors import CommandError

__all__ = ["SessionAuth"]


class SessionAuth:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.policy = ZapPolicy()
        self._socket: Socket | None = None

    @property
    def running(self) -> bool:
        return self._socket is not None

    def start(self) -> None:
        """Engine thread only."""
        if self._socket is not None:
            return
        sock = Socket("rep", self._engine.context)
        sock.set(Option.LINGER, 0)
        sock.bind(ZAP_ENDPOINT)
        self._socket = sock

        def serve(_sock: Socket) -> None:
            for _ in range(100):
                request = sock.recv_multipart(nonblocking=True)
                if request is None:
                    return
                sock.send_multipart(self.policy.handle(request))

        self._engine.add_reader(sock, serve)

    def stop(self) -> None:
        """Engine thread only."""
        if self._socket is not None:
            self._engine.remove_reader(self._socket)
            close_zap_handler(self._socket)
            self._socket = None

    def apply(self, action: str, args: list[str]) -> list[str]:
        """Engine thread only: run one ``auth`` action; returns lines to show."""
        p = self.policy
        need = {"allow": 1, "deny": 1, "curve": 1, "plain": 2}.get(action, 0)
        if len(args) != need:
            raise CommandError(
                f"auth {action} takes {need} argument{'s' if need != 1 else ''}", refers="auth"
            )
        if action == "off":
            self.stop()
            # libzmq 4.3 without a ZAP handler: CURVE lets in any client that knows the server
            # key, but PLAIN cannot check a password without one and refuses every client.
            return [
                "auth off: CURVE servers accept any client that knows their key; "
                "PLAIN servers refuse every client (auth plain USER PASSWORD lets users in)"
            ]
        if action in ("allow", "deny", "curve", "plain", "on"):
            self.start()
        if action == "allow":
            p.allow(args[0])
        elif action == "deny":
            p.deny(args[0])
        elif action == "curve" and args[0].lower() == "any":
            p.allow_any_curve()
        elif action == "curve":
            try:
                p.allow_curve(args[0])
            except ValueError as exc:
                raise CommandError(str(exc).split(" (hint")[0], "curve keypair makes keys") from None
        elif action == "plain":
            p.plain_users[args[0]] = args[1]
        return self.describe()

    def describe(self) -> list[str]:
        p = self.policy
        if not self.running:
            return ["auth is off (auth on, or any auth rule, turns it on)"]
        lines = [
            "auth on: "
            + (f"allow {', '.join(sorted(p.allowed_addresses))}" if p.allowed_addresses else "any address")
            + (f"; deny {', '.join(sorted(p.denied_addresses))}" if p.denied_addresses else ""),
            "  curve: " + ("any key" if p.curve_any else f"{len(p.curve_keys)} allowed key(s)"),
            "  plain: " + (", ".join(sorted(p.plain_users)) or "no users"),
        ]
        for d in p.log[-5:]:
            verdict = "allowed" if d.allowed else "denied"
            lines.append(f"  {verdict} {d.mechanism} from {d.address}: {d.reason}")
        return lines
