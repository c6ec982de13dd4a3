"""core/price_feed.py: the price feed format omniroute_sync_pricing reads, entry by entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from omniroute_agent.core import price_feed
from omniroute_agent.core.price_feed import Skipped, parse_feed, read_source
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.store.base import PriceRow


@pytest.mark.parametrize(
    ("entry", "row"),
    [
        pytest.param(
            {"model": "a/b", "input": 1, "output": 2.5}, PriceRow("a/b", 1.0, 2.5, source="sync"), id="minimal"
        ),
        pytest.param(
            {"model": " a/b ", "input": 0, "output": 0, "cached_input": 0.1, "context_window": 8192},
            PriceRow("a/b", 0.0, 0.0, 0.1, 8192, source="sync"),
            id="full-and-stripped",
        ),
        pytest.param(
            {"model": "a/b", "input": 1, "output": 2, "cache_write": 3, "note": "x"},
            PriceRow("a/b", 1.0, 2.0, source="sync"),
            id="unknown-fields-ignored",
        ),
    ],
)
def test_a_valid_entry_becomes_a_synced_row(entry: dict[str, Any], row: PriceRow):
    assert parse_feed(json.dumps([entry]).encode()) == ([row], [])


@pytest.mark.parametrize(
    ("entry", "skipped"),
    [
        pytest.param({"input": 1, "output": 2}, Skipped("entry 0", "'model': Field required"), id="no-model"),
        pytest.param({"model": "", "input": 1, "output": 2}, Skipped("entry 0", "'model': "), id="blank-model"),
        pytest.param({"model": "m", "input": -1, "output": 2}, Skipped("m", "'input': "), id="negative"),
        pytest.param({"model": "m", "input": "1", "output": 2}, Skipped("m", "'input': "), id="string-price"),
        pytest.param({"model": "m", "input": True, "output": 2}, Skipped("m", "'input': "), id="bool-price"),
        pytest.param({"model": "m", "input": 1}, Skipped("m", "'output': Field required"), id="no-output"),
        pytest.param(
            {"model": "m", "input": 1, "output": 2, "context_window": 0},
            Skipped("m", "'context_window'"),
            id="window-0",
        ),
        pytest.param("gpt-4o", Skipped("entry 0", "not a JSON object"), id="not-an-object"),
    ],
)
def test_an_invalid_entry_is_skipped_with_its_reason(entry: Any, skipped: Skipped):
    rows, got = parse_feed(json.dumps([entry]).encode())
    assert rows == []
    (only,) = got
    assert only.model == skipped.model
    assert only.reason.startswith(skipped.reason)


def test_a_model_listed_twice_counts_once():
    feed = [{"model": "a/b", "input": 1, "output": 2}, {"model": "A/B", "input": 9, "output": 9}]
    rows, skipped = parse_feed(json.dumps(feed).encode())
    assert [r.input for r in rows] == [1.0]
    assert skipped == [Skipped("A/B", "listed twice in the feed; the first entry counts")]


@pytest.mark.parametrize("raw", [b"not json", b'{"prices": []}', b"\xff\xfe", b"3"])
def test_a_document_that_is_not_a_json_list_is_refused_whole(raw: bytes):
    with pytest.raises(InvalidRequest) as err:
        parse_feed(raw)
    assert err.value.param == "source"


@pytest.mark.anyio
async def test_read_source_reads_a_file_within_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    feed = tmp_path / "prices.json"
    feed.write_text("[]")
    async with aiohttp.ClientSession() as session:
        assert await read_source(str(feed), session) == b"[]"
        with pytest.raises(InvalidRequest, match="cannot read"):
            await read_source(str(tmp_path / "missing.json"), session)
        with pytest.raises(InvalidRequest, match="http"):
            await read_source("ftp://example.com/prices.json", session)
        monkeypatch.setattr(price_feed, "MAX_FEED_BYTES", 1)
        with pytest.raises(InvalidRequest, match="larger than 1 bytes"):
            await read_source(str(feed), session)
