"""What a tool reads from the gateway, always at call time: `Runtime` itself over HTTP; over stdio,
`tools.stdio.LateRuntime`, which the server holds before the runtime is open (it answers
`initialize` first). Registering a tool therefore never needs an open runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from omniroute_agent.a2a.engine import TaskEngine
    from omniroute_agent.config import Settings
    from omniroute_agent.core.batch import BatchWriter
    from omniroute_agent.core.gateway import Gateway
    from omniroute_agent.store.base import AuditRow
    from omniroute_agent.store.sqlite import SqliteStore


class RuntimeView(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> SqliteStore: ...

    @property
    def gateway(self) -> Gateway: ...

    @property
    def tasks(self) -> TaskEngine: ...

    @property
    def audit(self) -> BatchWriter[AuditRow]: ...
