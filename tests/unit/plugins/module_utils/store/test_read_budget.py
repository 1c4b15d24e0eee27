"""store/_read_budget: a driver connection's reads add up to at most LIMIT bytes, none allocated beyond it."""

import io

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import (
    LIMIT,
    BoundedReads,
    ReadLimitExceeded,
    file_attribute,
    refusal,
)


class Recorded(io.BytesIO):
    """A file that records the sizes asked of it."""

    def __init__(self, data):
        super().__init__(data)
        self.asked = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


class Driver:
    """A driver connection as PyMySQL's and pg8000's keep their socket file: an attribute set again after TLS."""

    file = file_attribute("the socket file")


def test_reads_within_the_budget_pass_and_add_up_until_the_one_that_would_cross_it():
    inner = Recorded(b"x" * 64)
    file = BoundedReads(inner)
    assert file.read(LIMIT - 10) == b"x" * 64  # the stream had less: what arrived counts
    assert file.read(0) == b""
    with pytest.raises(ReadLimitExceeded, match="more than 4 MiB"):
        file.read(LIMIT - 63)
    assert inner.asked == [LIMIT - 10, 0]  # the refused read never reached the file


@pytest.mark.parametrize("size", [-1, -4, None])
def test_a_read_to_the_end_of_the_stream_is_refused(size):
    inner = Recorded(b"abc")
    with pytest.raises(ReadLimitExceeded, match="length that no message has"):
        BoundedReads(inner).read(size)
    assert not inner.asked


def test_other_reads_are_not_offered_and_the_rest_is_the_file_s_own():
    inner = io.BytesIO()
    file = BoundedReads(inner)
    for name in ("readinto", "readline", "readlines", "read1", "peek"):
        assert not hasattr(file, name)
    file.write(b"sent")
    file.flush()
    assert inner.getvalue() == b"sent" and not file.closed
    file.close()
    assert inner.closed and file.closed


def test_the_budget_is_the_connection_s_across_the_files_it_is_given():
    driver = Driver()
    assert driver.file is None
    driver.file = io.BytesIO(b"y" * 100)  # before TLS
    assert driver.file.read(100) == b"y" * 100
    driver.file = io.BytesIO(b"z" * 10)  # after TLS: a new file, the same connection
    assert isinstance(driver.file, BoundedReads) and driver.file.left == LIMIT - 100
    driver.file = None  # closed
    assert driver.file is None and Driver().file is None


def test_refusal_finds_the_refusal_a_driver_wrapped():
    try:
        try:
            raise ReadLimitExceeded("refused here")
        except OSError as exc:
            raise RuntimeError("Lost connection to MySQL server during query (%s)" % exc) from None
    except RuntimeError as wrapped:
        assert refusal(wrapped) == "refused here"  # through __context__, as PyMySQL raises it
    assert refusal(ValueError("other")) is None
