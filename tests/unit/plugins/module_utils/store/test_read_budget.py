"""store/_read_budget: a driver's reads add up to at most LIMIT bytes, and none is allocated beyond it."""

import io

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import (
    LIMIT,
    BoundedReads,
    ReadLimitExceeded,
    bounded,
)


class Recorded(io.BytesIO):
    """A file that records the sizes asked of it."""

    def __init__(self, data):
        super().__init__(data)
        self.asked = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_reads_within_the_budget_pass_and_add_up_until_the_one_that_would_cross_it():
    inner = Recorded(b"x" * 64)
    file = bounded(inner)
    assert file.read(LIMIT - 10) == b"x" * 64  # the stream had less: what arrived counts
    assert file.read(0) == b""
    with pytest.raises(ReadLimitExceeded, match="more than 4 MiB"):
        file.read(LIMIT - 63)
    assert inner.asked == [LIMIT - 10, 0]  # the refused read never reached the file


@pytest.mark.parametrize("size", [-1, -4, None])
def test_a_read_to_the_end_of_the_stream_is_refused(size):
    inner = Recorded(b"abc")
    with pytest.raises(ReadLimitExceeded, match="length that no message has"):
        bounded(inner).read(size)
    assert not inner.asked


def test_other_reads_are_not_offered_and_the_rest_is_the_file_s_own():
    inner = io.BytesIO()
    file = bounded(inner)
    for name in ("readinto", "readline", "readlines", "read1", "peek"):
        assert not hasattr(file, name)
    file.write(b"sent")
    file.flush()
    assert inner.getvalue() == b"sent" and not file.closed
    file.close()
    assert inner.closed and file.closed


def test_bounded_keeps_none_and_does_not_wrap_twice():
    once = bounded(io.BytesIO())
    assert bounded(None) is None and bounded(once) is once and isinstance(once, BoundedReads)
