"""a2a/v1.py: every 1.0 output parses strictly into the a2a-sdk protobuf (an unknown key fails) and is
canonical ProtoJSON (MessageToDict gives it back unchanged); 0.3 → 1.0 → protobuf → 1.0 → 0.3 is
the identity; bad 1.0 input is INVALID_PARAMS naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import a2a.types as pb
import pytest
from a2a.compat.v0_3 import conversions
from a2a.compat.v0_3 import types as v03
from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message as Proto

from omniroute_agent.a2a import v1
from omniroute_agent.a2a.errors import INVALID_PARAMS, A2AError
from omniroute_agent.a2a.types import (
    Artifact,
    DataPart,
    FilePart,
    Message,
    MessageSendParams,
    Part,
    PushAuthentication,
    PushNotificationConfig,
    SendConfiguration,
    Task,
    TaskArtifactUpdateEvent,
    TaskPushNotificationConfig,
    TaskQueryParams,
    TaskStatus,
    TaskStatusUpdateEvent,
    TextPart,
)

TS = "2025-01-02T03:04:05.678Z"
P = TypeVar("P", bound=Proto)


def strict(out: dict[str, Any], proto: type[P]) -> P:
    """Parses `out` as the SDK does, but failing on an unknown key, and checks it is canonical."""
    parsed = ParseDict(out, proto(), ignore_unknown_fields=False)
    assert MessageToDict(parsed) == out
    return parsed


def text(s: str = "hi") -> TextPart:
    return TextPart(text=s)


def user(*parts: Part, **fields: Any) -> Message:
    return Message(role="user", parts=list(parts or [text()]), message_id="m1", **fields)


# ---------------------------------------------------------------- parts

PARTS: list[Any] = [
    pytest.param(text("hello"), {"text": "hello"}, id="text"),
    pytest.param(text(""), {"text": ""}, id="text-empty"),
    pytest.param(TextPart(text="x", metadata={"k": "v"}), {"text": "x", "metadata": {"k": "v"}}, id="text-metadata"),
    pytest.param(TextPart(text="x", metadata={}), {"text": "x", "metadata": {}}, id="text-empty-metadata"),
    pytest.param(
        TextPart.model_validate({"text": "# t", "mediaType": "text/markdown", "filename": "t.md"}),
        {"text": "# t", "mediaType": "text/markdown", "filename": "t.md"},
        id="text-media-type",
    ),
    pytest.param(DataPart(kind="data", data={"a": 1}), {"data": {"a": 1}}, id="data-object"),
    pytest.param(
        DataPart(kind="data", data={"a": {"b": [1, "two", None, True]}}, metadata={"m": 1}),
        {"data": {"a": {"b": [1, "two", None, True]}}, "metadata": {"m": 1}},
        id="data-nested",
    ),
    pytest.param(DataPart(kind="data", data={}), {"data": {}}, id="data-empty-object"),
    pytest.param(
        DataPart(kind="data", data={"value": [1, 2]}, metadata={"data_part_compat": True}),
        {"data": [1, 2]},
        id="data-list",
    ),
    pytest.param(
        DataPart(kind="data", data={"value": "s"}, metadata={"data_part_compat": True, "m": 1}),
        {"data": "s", "metadata": {"m": 1}},
        id="data-string-with-metadata",
    ),
    pytest.param(
        DataPart(kind="data", data={"value": None}, metadata={"data_part_compat": True}), {"data": None}, id="data-null"
    ),
    pytest.param(
        DataPart(kind="data", data={"value": 2.5}, metadata={"data_part_compat": True}), {"data": 2.5}, id="data-number"
    ),
    pytest.param(
        FilePart(kind="file", file={"uri": "https://x/y.png", "mimeType": "image/png", "name": "y.png"}),
        {"url": "https://x/y.png", "mediaType": "image/png", "filename": "y.png"},
        id="file-url",
    ),
    pytest.param(FilePart(kind="file", file={"uri": "https://x/y"}), {"url": "https://x/y"}, id="file-url-bare"),
    pytest.param(
        FilePart(kind="file", file={"bytes": "aGVsbG8=", "mimeType": "text/plain", "name": "h.txt"}, metadata={"k": 1}),
        {"raw": "aGVsbG8=", "mediaType": "text/plain", "filename": "h.txt", "metadata": {"k": 1}},
        id="file-raw",
    ),
    pytest.param(FilePart(kind="file", file={"bytes": "AAEC/w=="}), {"raw": "AAEC/w=="}, id="file-raw-binary"),
    pytest.param(FilePart(kind="file", file={"bytes": ""}), {"raw": ""}, id="file-raw-empty"),
]


@pytest.mark.parametrize(("part", "expected"), PARTS)
def test_part_round_trip(part: Part, expected: dict[str, Any]) -> None:
    out = v1.part_to_v1(part)
    assert out == expected
    back = MessageToDict(strict(out, pb.Part))
    assert v1.part_from_v1(back) == part


# 0.3 has no mediaType or filename on a text part: the SDK drops what we keep as extra fields.
@pytest.mark.parametrize(("part", "expected"), [p for p in PARTS if not p.values[0].model_extra])
def test_part_matches_the_sdk_compat_conversion(part: Part, expected: dict[str, Any]) -> None:
    assert MessageToDict(conversions.to_core_part(v03.Part.model_validate(part.wire()))) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param({"raw": "aGk"}, "aGk=", id="unpadded"),
        pytest.param({"raw": "-_8"}, "+/8=", id="url-safe"),
        pytest.param({"raw": "+/8="}, "+/8=", id="standard"),
    ],
)
def test_raw_input_is_read_leniently_and_stored_standard(given: dict[str, Any], expected: str) -> None:
    part = v1.part_from_v1(given)
    assert isinstance(part, FilePart)
    assert part.file == {"bytes": expected}
    assert ParseDict(given, pb.Part()).raw == ParseDict(v1.part_to_v1(part), pb.Part()).raw


@pytest.mark.parametrize(
    ("convert", "proto", "stored", "expected"),
    [
        pytest.param(
            v1.part_to_v1, pb.Part, FilePart(kind="file", file={"name": "x"}), {"raw": "", "filename": "x"}, id="file"
        ),
        pytest.param(
            v1.part_to_v1, pb.Part, FilePart(kind="file", file={"uri": "u", "name": 1}), {"url": "u"}, id="file-name"
        ),
        pytest.param(
            v1.part_to_v1, pb.Part, TextPart.model_validate({"text": "t", "mediaType": 1}), {"text": "t"}, id="text"
        ),
        pytest.param(
            v1.message_to_v1,
            pb.Message,
            Message.model_validate(
                {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": "t"}], "extensions": "x"}
            ),
            {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "t"}]},
            id="message-extensions",
        ),
        pytest.param(
            v1.artifact_to_v1,
            pb.Artifact,
            Artifact.model_validate({"artifactId": "a", "parts": [], "description": 1, "extensions": [1]}),
            {"artifactId": "a"},
            id="artifact-extras",
        ),
    ],
)
def test_unvalidated_0_3_fields_of_the_wrong_type_are_left_out(
    convert: Any, proto: type[Proto], stored: Any, expected: dict[str, Any]
) -> None:
    """What the 0.3 surface stored without checking must not make a 1.0 answer unparsable."""
    out = convert(stored)
    assert out == expected
    strict(out, proto)


# ---------------------------------------------------------------- messages

MESSAGES: list[Any] = [
    pytest.param(user(), id="minimal-user"),
    pytest.param(Message(role="agent", parts=[text()], message_id="m2"), id="minimal-agent"),
    pytest.param(user(context_id="c1"), id="context-only"),
    pytest.param(user(task_id="t1", context_id="c1", metadata={"skill": "smart-routing"}), id="task-context-metadata"),
    pytest.param(user(metadata={}), id="empty-metadata"),
    pytest.param(
        Message.model_validate(
            {
                "role": "agent",
                "messageId": "m3",
                "taskId": "t1",
                "contextId": "c1",
                "parts": [{"kind": "text", "text": "a"}, {"kind": "data", "data": {"x": 1}}],
                "metadata": {"a": [1, 2]},
                "extensions": ["https://ext/1"],
                "referenceTaskIds": ["t0", "t-1"],
            }
        ),
        id="every-field",
    ),
    pytest.param(
        user(
            text("see"),
            FilePart(kind="file", file={"uri": "https://x/a.pdf", "mimeType": "application/pdf"}),
            FilePart(kind="file", file={"bytes": "aGk=", "name": "a.bin"}),
            DataPart(kind="data", data={"q": True}),
        ),
        id="every-part-kind",
    ),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_message_round_trip(message: Message) -> None:
    out = v1.message_to_v1(message)
    parsed = strict(out, pb.Message)
    assert pb.Role.Name(parsed.role) == ("ROLE_USER" if message.role == "user" else "ROLE_AGENT")
    assert v1.message_from_v1(MessageToDict(parsed)) == message


# The SDK drops empty metadata; ProtoJSON keeps a present empty Struct, and so do we.
@pytest.mark.parametrize("message", [p for p in MESSAGES if p.values[0].metadata != {}])
def test_message_matches_the_sdk_compat_conversion(message: Message) -> None:
    sdk = conversions.to_core_message(v03.Message.model_validate(message.wire()))
    assert v1.message_to_v1(message) == MessageToDict(sdk)


def test_message_from_v1_matches_the_sdk_reading_of_a_sdk_message() -> None:
    sdk = pb.Message(
        message_id="m1", context_id="c", role=pb.Role.ROLE_USER, parts=[pb.Part(text="q"), pb.Part(url="u")]
    )
    sdk.metadata.update({"skill": "smart-routing"})
    sdk.reference_task_ids.append("t0")
    compat = conversions.to_compat_message(sdk).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert v1.message_from_v1(MessageToDict(sdk)) == Message.model_validate(compat)


# ---------------------------------------------------------------- tasks and states


@pytest.mark.parametrize(
    ("state", "name"),
    [
        ("submitted", "TASK_STATE_SUBMITTED"),
        ("working", "TASK_STATE_WORKING"),
        ("completed", "TASK_STATE_COMPLETED"),
        ("failed", "TASK_STATE_FAILED"),
        ("canceled", "TASK_STATE_CANCELED"),
        ("input-required", "TASK_STATE_INPUT_REQUIRED"),
        ("rejected", "TASK_STATE_REJECTED"),
        ("auth-required", "TASK_STATE_AUTH_REQUIRED"),
        ("unknown", "TASK_STATE_UNSPECIFIED"),
    ],
)
def test_every_state(state: Any, name: str) -> None:
    task = Task(id="t1", context_id="c1", status=TaskStatus(state=state, timestamp=TS))
    parsed = strict(v1.task_to_v1(task), pb.Task)
    assert pb.TaskState.Name(parsed.status.state) == name
    event = TaskStatusUpdateEvent(task_id="t1", context_id="c1", status=task.status, final=False)
    assert strict(v1.status_event_to_v1(event), pb.StreamResponse).status_update.status.state == parsed.status.state
    if state != "unknown":
        assert v1.list_tasks_params_from_v1({"status": name}).state == state


def full_task() -> Task:
    answer = Message(role="agent", parts=[text("done")], message_id="m2", task_id="t1", context_id="c1")
    return Task(
        id="t1",
        context_id="c1",
        status=TaskStatus(state="completed", timestamp=TS, message=answer),
        artifacts=[
            Artifact(artifact_id="a1", name="answer", parts=[text("Paris")], metadata={"routing": {"model": "m"}}),
            Artifact.model_validate(
                {
                    "artifactId": "a2",
                    "description": "raw data",
                    "extensions": ["https://ext/1"],
                    "parts": [{"kind": "data", "data": {"n": 1}}],
                }
            ),
        ],
        history=[user(task_id="t1", context_id="c1"), answer],
        metadata={"skill": "smart-routing", "cost": 0.25},
    )


def test_full_task() -> None:
    task = full_task()
    out = v1.task_to_v1(task)
    assert out["status"] == {
        "state": "TASK_STATE_COMPLETED",
        "message": v1.message_to_v1(task.history[1]),
        "timestamp": TS,
    }
    assert out["artifacts"][1] == {
        "artifactId": "a2",
        "description": "raw data",
        "parts": [{"data": {"n": 1}}],
        "extensions": ["https://ext/1"],
    }
    parsed = strict(out, pb.Task)
    back = MessageToDict(parsed)
    assert [v1.message_from_v1(m) for m in back["history"]] == task.history
    assert v1.message_from_v1(back["status"]["message"]) == task.status.message
    assert [[v1.part_from_v1(p) for p in a["parts"]] for a in back["artifacts"]] == [a.parts for a in task.artifacts]
    assert strict(v1.send_result_to_v1(task), pb.SendMessageResponse).task == parsed
    assert strict(v1.stream_event_to_v1(task), pb.StreamResponse).task == parsed


def test_task_matches_the_sdk_compat_conversion() -> None:
    task = full_task()
    assert v1.task_to_v1(task) == MessageToDict(conversions.to_core_task(v03.Task.model_validate(task.wire())))


def test_a_bare_task_leaves_out_empty_lists() -> None:
    task = Task(id="t1", context_id="c1", status=TaskStatus(state="submitted", timestamp=TS))
    assert v1.task_to_v1(task) == {
        "id": "t1",
        "contextId": "c1",
        "status": {"state": "TASK_STATE_SUBMITTED", "timestamp": TS},
    }


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        pytest.param(TS, TS, id="millis-z"),
        pytest.param("2025-01-02T03:04:05Z", "2025-01-02T03:04:05Z", id="seconds"),
        pytest.param("2025-01-02T03:04:05.000+00:00", "2025-01-02T03:04:05Z", id="zero-fraction-offset"),
        pytest.param("2025-01-02T04:04:05.5+01:00", "2025-01-02T03:04:05.500Z", id="offset"),
        pytest.param("2025-01-02T03:04:05.123456Z", "2025-01-02T03:04:05.123456Z", id="micros"),
        pytest.param("2025-01-02T03:04:05", "2025-01-02T03:04:05Z", id="naive-is-utc"),
        pytest.param("yesterday", None, id="not-a-timestamp-left-out"),
    ],
)
def test_status_timestamp_is_canonical(stored: str, expected: str | None) -> None:
    out = v1.status_to_v1(TaskStatus(state="working", timestamp=stored))
    assert out.get("timestamp") == expected
    strict(out, pb.TaskStatus)


# ---------------------------------------------------------------- stream events


@pytest.mark.parametrize("metadata", [None, {}, {"k": "v"}])
@pytest.mark.parametrize("final", [True, False])
def test_status_event(final: bool, metadata: dict[str, Any] | None) -> None:
    status = TaskStatus(state="completed" if final else "working", timestamp=TS)
    event = TaskStatusUpdateEvent(task_id="t1", context_id="c1", status=status, final=final, metadata=metadata)
    out = v1.status_event_to_v1(event)
    body = {"taskId": "t1", "contextId": "c1", "status": v1.status_to_v1(status)}
    assert out == {"statusUpdate": body if metadata is None else {**body, "metadata": metadata}}
    assert v1.stream_event_to_v1(event) == out
    strict(out, pb.StreamResponse)
    if metadata != {}:  # the SDK drops empty metadata; ProtoJSON keeps a present empty Struct
        compat = v03.TaskStatusUpdateEvent.model_validate(event.wire())
        assert out["statusUpdate"] == MessageToDict(conversions.to_core_task_status_update_event(compat))


@pytest.mark.parametrize("append", [None, False, True])
@pytest.mark.parametrize("last_chunk", [None, False, True])
def test_artifact_event(append: bool | None, last_chunk: bool | None) -> None:
    artifact = Artifact(artifact_id="a1", name="answer", parts=[text("Pa")])
    event = TaskArtifactUpdateEvent(
        task_id="t1", context_id="c1", artifact=artifact, append=append, last_chunk=last_chunk, metadata={"i": 0}
    )
    out = v1.artifact_event_to_v1(event)
    body = out["artifactUpdate"]
    assert body["artifact"] == {"artifactId": "a1", "name": "answer", "parts": [{"text": "Pa"}]}
    assert body.get("append", False) is bool(append)
    assert body.get("lastChunk", False) is bool(last_chunk)
    assert v1.stream_event_to_v1(event) == out
    parsed = strict(out, pb.StreamResponse).artifact_update
    assert (parsed.append, parsed.last_chunk) == (bool(append), bool(last_chunk))
    compat = v03.TaskArtifactUpdateEvent.model_validate(event.wire())
    assert body == MessageToDict(conversions.to_core_task_artifact_update_event(compat))


# ---------------------------------------------------------------- push configs

PUSH_CONFIGS: list[Any] = [
    pytest.param(PushNotificationConfig(url="https://hook"), {"url": "https://hook"}, id="url-only"),
    pytest.param(
        PushNotificationConfig(
            id="p1",
            url="https://hook",
            token="tok",
            authentication=PushAuthentication(schemes=["Bearer"], credentials="secret"),
        ),
        {
            "id": "p1",
            "url": "https://hook",
            "token": "tok",
            "authentication": {"scheme": "Bearer", "credentials": "secret"},
        },
        id="every-field",
    ),
    pytest.param(
        PushNotificationConfig(url="https://hook", authentication=PushAuthentication(schemes=["Basic"])),
        {"url": "https://hook", "authentication": {"scheme": "Basic"}},
        id="scheme-only",
    ),
]


@pytest.mark.parametrize(("push", "expected"), PUSH_CONFIGS)
def test_push_config_round_trip(push: PushNotificationConfig, expected: dict[str, Any]) -> None:
    config = TaskPushNotificationConfig(task_id="t1", push_notification_config=push)
    out = v1.push_config_to_v1(config)
    assert out == {**expected, "taskId": "t1"}
    parsed = strict(out, pb.TaskPushNotificationConfig)
    assert v1.push_config_from_v1(MessageToDict(parsed)) == config
    compat = v03.TaskPushNotificationConfig.model_validate(config.wire())
    assert out == MessageToDict(conversions.to_core_task_push_notification_config(compat))


def test_push_config_keeps_the_first_of_several_schemes() -> None:
    auth = PushAuthentication(schemes=["Bearer", "Basic"], credentials="c")
    config = TaskPushNotificationConfig(
        task_id="t1", push_notification_config=PushNotificationConfig(url="https://h", authentication=auth)
    )
    assert v1.push_config_to_v1(config)["authentication"] == {"scheme": "Bearer", "credentials": "c"}


@pytest.mark.parametrize("next_token", [None, "", "n2"])
def test_push_config_list(next_token: str | None) -> None:
    configs = [
        TaskPushNotificationConfig(task_id="t1", push_notification_config=PushNotificationConfig(id=f"p{i}", url="u"))
        for i in range(2)
    ]
    out = v1.push_config_list_to_v1(configs, next_token)
    parsed = strict(out, pb.ListTaskPushNotificationConfigsResponse)
    assert [c.id for c in parsed.configs] == ["p0", "p1"]
    assert parsed.next_page_token == (next_token or "")
    assert strict(v1.push_config_list_to_v1([]), pb.ListTaskPushNotificationConfigsResponse) == (
        pb.ListTaskPushNotificationConfigsResponse()
    )


def test_push_config_ref() -> None:
    ref = v1.push_config_ref_from_v1(MessageToDict(pb.GetTaskPushNotificationConfigRequest(task_id="t1", id="p1")))
    assert ref == v1.PushConfigRef("t1", "p1")
    listed = MessageToDict(pb.ListTaskPushNotificationConfigsRequest(task_id="t1", page_size=5))
    assert v1.push_config_ref_from_v1(listed) == v1.PushConfigRef("t1", None)


# ---------------------------------------------------------------- requests


def sdk_message() -> pb.Message:
    return pb.Message(message_id="m1", role=pb.Role.ROLE_USER, parts=[pb.Part(text="hi")])


SEND_REQUESTS: list[Any] = [
    pytest.param(pb.SendMessageRequest(message=sdk_message()), None, id="message-only"),
    pytest.param(
        pb.SendMessageRequest(message=sdk_message(), configuration=pb.SendMessageConfiguration()),
        SendConfiguration(blocking=True),
        id="empty-configuration",
    ),
    pytest.param(
        pb.SendMessageRequest(
            tenant="ignored",
            message=sdk_message(),
            configuration=pb.SendMessageConfiguration(
                accepted_output_modes=["text/plain"], history_length=0, return_immediately=True
            ),
        ),
        SendConfiguration(blocking=False, history_length=0, accepted_output_modes=["text/plain"]),
        id="return-immediately",
    ),
    pytest.param(
        pb.SendMessageRequest(
            message=sdk_message(),
            configuration=pb.SendMessageConfiguration(
                history_length=3,
                task_push_notification_config=pb.TaskPushNotificationConfig(
                    url="https://hook", token="tok", authentication=pb.AuthenticationInfo(scheme="Bearer")
                ),
            ),
        ),
        SendConfiguration(
            blocking=True,
            history_length=3,
            push_notification_config=PushNotificationConfig(
                url="https://hook", token="tok", authentication=PushAuthentication(schemes=["Bearer"])
            ),
        ),
        id="push-config",
    ),
]


@pytest.mark.parametrize(("given", "configuration"), SEND_REQUESTS)
@pytest.mark.parametrize("metadata", [None, {"skill": "smart-routing"}])
def test_send_params(
    given: pb.SendMessageRequest, configuration: SendConfiguration | None, metadata: dict[str, Any] | None
) -> None:
    request_ = pb.SendMessageRequest()
    request_.CopyFrom(given)
    if metadata is not None:
        request_.metadata.update(metadata)
    params = v1.send_params_from_v1(MessageToDict(request_))
    expected_message = Message(role="user", parts=[text()], message_id="m1")
    assert params == MessageSendParams(message=expected_message, configuration=configuration, metadata=metadata)
    # the proto field names parse too, as ParseDict allows
    assert v1.send_params_from_v1(MessageToDict(request_, preserving_proto_field_name=True)) == params


def test_input_is_read_as_protojson_reads_it() -> None:
    params = v1.send_params_from_v1(
        {
            "message": {
                "message_id": "m1",
                "role": 1,
                "parts": [{"text": "hi", "unknownField": 1}],
                "kind": "message",
            },
            "configuration": {"historyLength": "2", "returnImmediately": False},
            "futureField": {"x": 1},
        }
    )
    assert params.message == Message(role="user", parts=[text()], message_id="m1")
    assert params.configuration == SendConfiguration(blocking=True, history_length=2)
    assert v1.message_from_v1({"messageId": "m", "role": 2, "parts": [{"text": ""}]}).role == "agent"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(pb.GetTaskRequest(id="t1"), TaskQueryParams(id="t1"), id="get"),
        pytest.param(pb.GetTaskRequest(id="t1", history_length=0), TaskQueryParams(id="t1", history_length=0), id="h0"),
        pytest.param(pb.SubscribeToTaskRequest(id="t1"), TaskQueryParams(id="t1"), id="subscribe"),
        pytest.param(pb.CancelTaskRequest(id="t1", tenant="x"), TaskQueryParams(id="t1"), id="cancel"),
    ],
)
def test_task_query(request_: Proto, expected: TaskQueryParams) -> None:
    assert v1.task_query_from_v1(MessageToDict(request_)) == expected


def test_list_tasks_params_defaults() -> None:
    assert v1.list_tasks_params_from_v1(MessageToDict(pb.ListTasksRequest())) == v1.ListQuery()


def test_list_tasks_params_every_field() -> None:
    request_ = ParseDict(
        {
            "tenant": "ignored",
            "contextId": "c1",
            "status": "TASK_STATE_WORKING",
            "pageSize": 10,
            "pageToken": "tok",
            "historyLength": 2,
            "statusTimestampAfter": "2025-01-02T04:04:05.123456789+01:00",
            "includeArtifacts": True,
        },
        pb.ListTasksRequest(),
    )
    assert v1.list_tasks_params_from_v1(MessageToDict(request_)) == v1.ListQuery(
        context_id="c1",
        state="working",
        page_size=10,
        page_token="tok",
        history_length=2,
        status_timestamp_after=datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        include_artifacts=True,
    )
    assert v1.list_tasks_params_from_v1({"status": 2, "pageSize": "10"}).state == "working"


@pytest.mark.parametrize("include_artifacts", [True, False])
@pytest.mark.parametrize(("count", "next_token", "total"), [(0, None, 0), (1, "n", 3), (2, "", 2)])
def test_list_tasks_result(count: int, next_token: str | None, total: int, include_artifacts: bool) -> None:
    tasks = [full_task().model_copy(update={"id": f"t{i}"}) for i in range(count)]
    out = v1.list_tasks_result_to_v1(tasks, next_token, total, page_size=50, include_artifacts=include_artifacts)
    parsed = ParseDict(out, pb.ListTasksResponse(), ignore_unknown_fields=False)
    assert set(out) == {"tasks", "nextPageToken", "pageSize", "totalSize"}  # every field, as the SDK server sends
    assert MessageToDict(parsed) == {k: v for k, v in out.items() if v}
    assert (parsed.next_page_token, parsed.page_size, parsed.total_size) == (next_token or "", 50, total)
    assert [t.id for t in parsed.tasks] == [f"t{i}" for i in range(count)]
    assert all(bool(t.artifacts) is include_artifacts for t in parsed.tasks)
    assert v1.list_tasks_result_to_v1(tasks, None, total)["pageSize"] == count


# ---------------------------------------------------------------- bad shapes

MSG = {"messageId": "m1", "role": "ROLE_USER", "parts": [{"text": "hi"}]}


def send(**message: Any) -> dict[str, Any]:
    return {"message": {**MSG, **message}}


BAD: list[Any] = [
    pytest.param(v1.part_from_v1, {}, "exactly one of text, data, url, raw (got none)", id="part-empty"),
    pytest.param(v1.part_from_v1, {"text": None, "metadata": {}}, "(got none)", id="part-null-text"),
    pytest.param(v1.part_from_v1, {"kind": "file", "file": {"uri": "u"}}, "(got none)", id="part-0.3-file"),
    pytest.param(v1.part_from_v1, {"text": "a", "url": "u"}, "(got text and url)", id="part-two"),
    pytest.param(v1.part_from_v1, {"text": "a", "data": {}, "raw": ""}, "(got text and data and raw)", id="part-3"),
    pytest.param(v1.part_from_v1, "hi", "part must be an object", id="part-not-object"),
    pytest.param(v1.part_from_v1, {"text": 1}, "part.text must be a string", id="text-not-string"),
    pytest.param(v1.part_from_v1, {"raw": "!!"}, "part.raw must be base64", id="raw-not-base64"),
    pytest.param(v1.part_from_v1, {"url": "u", "mediaType": 1}, "part.mediaType must be a string", id="media-type"),
    pytest.param(v1.part_from_v1, {"text": "a", "metadata": [1]}, "part.metadata must be an object", id="part-meta"),
    pytest.param(v1.message_from_v1, [], "message must be an object", id="message-not-object"),
    pytest.param(v1.message_from_v1, {**MSG, "messageId": ""}, "message.messageId is required", id="no-message-id"),
    pytest.param(v1.message_from_v1, {**MSG, "messageId": 7}, "message.messageId must be a string", id="id-int"),
    pytest.param(v1.message_from_v1, {**MSG, "role": "user"}, "unknown value 'user'", id="role-0.3-name"),
    pytest.param(v1.message_from_v1, {**MSG, "role": "ROLE_SYSTEM"}, "message.role: unknown value", id="role-unknown"),
    pytest.param(v1.message_from_v1, {**MSG, "role": 3}, "message.role: unknown value 3", id="role-number"),
    pytest.param(v1.message_from_v1, {**MSG, "role": "ROLE_UNSPECIFIED"}, "message.role is required", id="role-unset"),
    pytest.param(v1.message_from_v1, {"messageId": "m", "parts": [{"text": ""}]}, "role is required", id="no-role"),
    pytest.param(v1.message_from_v1, {**MSG, "parts": []}, "message.parts must be a non-empty list", id="no-parts"),
    pytest.param(v1.message_from_v1, {**MSG, "parts": {"text": "a"}}, "non-empty list", id="parts-object"),
    pytest.param(v1.message_from_v1, {**MSG, "parts": [{"text": "a"}, {}]}, "message.parts[1]: a part", id="part-1"),
    pytest.param(v1.message_from_v1, {**MSG, "contextId": 1}, "message.contextId must be a string", id="context-id"),
    pytest.param(v1.message_from_v1, {**MSG, "metadata": "x"}, "message.metadata must be an object", id="metadata"),
    pytest.param(v1.message_from_v1, {**MSG, "extensions": "x"}, "extensions must be a list of strings", id="ext"),
    pytest.param(v1.message_from_v1, {**MSG, "referenceTaskIds": [1]}, "list of strings", id="reference-task-ids"),
    pytest.param(v1.send_params_from_v1, {}, "params.message is required", id="send-no-message"),
    pytest.param(v1.send_params_from_v1, [], "params must be an object", id="send-not-object"),
    pytest.param(v1.send_params_from_v1, send(role="x"), "params.message.role: unknown value", id="send-role"),
    pytest.param(v1.send_params_from_v1, {**send(), "metadata": 1}, "params.metadata must be an object", id="meta"),
    pytest.param(v1.send_params_from_v1, {**send(), "configuration": 1}, "configuration must be an object", id="cfg"),
    *[
        pytest.param(v1.send_params_from_v1, {**send(), "configuration": config}, error, id=name)
        for name, config, error in [
            ("history-negative", {"historyLength": -1}, "historyLength must not be negative"),
            ("history-text", {"historyLength": "two"}, "historyLength must be an integer"),
            ("history-fraction", {"historyLength": 1.5}, "historyLength must be an integer"),
            ("history-bool", {"historyLength": True}, "historyLength must be an integer"),
            ("history-int64", {"historyLength": 2**31}, "historyLength must be an integer"),
            ("return-immediately", {"returnImmediately": "yes"}, "returnImmediately must be a boolean"),
            ("output-modes", {"acceptedOutputModes": "text"}, "acceptedOutputModes must be a list of strings"),
            ("push-no-url", {"taskPushNotificationConfig": {"token": "t"}}, "taskPushNotificationConfig.url is req"),
            ("push-auth", {"taskPushNotificationConfig": {"url": "u", "authentication": {"scheme": 1}}}, "scheme"),
        ]
    ],
    pytest.param(v1.push_config_from_v1, {"url": "https://h"}, "params.taskId is required", id="push-no-task"),
    pytest.param(v1.push_config_from_v1, {"taskId": "t1"}, "params.url is required", id="push-no-url"),
    pytest.param(v1.push_config_ref_from_v1, {"id": "p1"}, "params.taskId is required", id="push-ref-no-task"),
    pytest.param(v1.task_query_from_v1, {}, "params.id is required", id="query-no-id"),
    pytest.param(v1.task_query_from_v1, {"id": "t", "historyLength": -2}, "must not be negative", id="query-history"),
    pytest.param(v1.list_tasks_params_from_v1, {"pageSize": 0}, "between 1 and 100", id="page-size-0"),
    pytest.param(v1.list_tasks_params_from_v1, {"pageSize": 101}, "between 1 and 100", id="page-size-101"),
    pytest.param(v1.list_tasks_params_from_v1, {"status": "working"}, "params.status: unknown value", id="status"),
    pytest.param(v1.list_tasks_params_from_v1, {"status": 9}, "params.status: unknown value 9", id="status-number"),
    pytest.param(v1.list_tasks_params_from_v1, {"statusTimestampAfter": "soon"}, "RFC 3339", id="timestamp"),
    pytest.param(v1.list_tasks_params_from_v1, {"includeArtifacts": 1}, "must be a boolean", id="include-artifacts"),
]


@pytest.mark.parametrize(("convert", "given", "error"), BAD)
def test_bad_shape_is_invalid_params(convert: Any, given: Any, error: str) -> None:
    with pytest.raises(A2AError) as caught:
        convert(given)
    assert caught.value.code == INVALID_PARAMS == -32602
    assert error in caught.value.message


def test_enum_tables_match_the_sdk() -> None:
    assert dict(pb.Role.items()) == {name: n for n, name in enumerate(v1.ROLES)}
    assert dict(pb.TaskState.items()) == {name: n for n, name in enumerate(v1.STATES)}
    assert set(v1.STATE_TO_V1.values()) == set(v1.STATES)
