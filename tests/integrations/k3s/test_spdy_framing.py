"""The SPDY/3.1 framing of the port-forward tunnel, against bytes that spdystream's own framer
(github.com/moby/spdystream v0.5.1, the kubelet's and kwok's SPDY side) wrote: header blocks in one
compression context with the SPDY/3 dictionary, control and data frames, stream ids."""

from __future__ import annotations

import zlib

import pytest

from pyspire.integrations.k3s.spdy import (
    DICTIONARY,
    MAX_STREAM_ID,
    DataFrame,
    FrameReader,
    FrameWriter,
    GoAway,
    HeadersFrame,
    OtherControl,
    Ping,
    RstStatus,
    RstStream,
    SpdyError,
    StreamIds,
    SynReply,
    SynStream,
    WindowUpdate,
    decode_header_block,
    encode_header_block,
)

# Written by spdystream's Framer, in this order, through ONE Framer (so one compression context):
# SynStream{1, streamtype: error}, SynStream{3, streamtype: data}, SynReply{1, no headers},
# DataFrame{3, FIN, "abc"}, RstStream{3, Cancel}, Ping{1}, GoAway{2, OK}, WindowUpdate{3, 65536}.
GO_FRAMES = {
    "syn_error": "80030001000000290000000100000000000078f9e3c6a7c26260606004a7b392a2d4c45c6851c29a0a0a6800000000ffff",
    "syn_data": "800300010000001600000003000000000000c22a052a651201000000ffff",
    "reply": "800300020000000e000000016260606000000000ffff",
    "data_fin": "0000000301000003616263",
    "rst": "80030003000000080000000300000005",
    "ping": "800300060000000400000001",
    "goaway": "80030007000000080000000200000000",
    "window": "80030009000000080000000300010000",
}
GO_DECODED = [
    SynStream(1, {"streamtype": "error"}),
    SynStream(3, {"streamtype": "data"}),
    SynReply(1, {}),
    DataFrame(3, b"abc", fin=True),
    RstStream(3, RstStatus.CANCEL),
    Ping(1),
    GoAway(2, 0),
    WindowUpdate(3, 65536),
]


def test_the_dictionary_is_spdy3s_1423_bytes_whose_zlib_id_spdystream_writes_in_its_stream_header() -> None:
    assert len(DICTIONARY) == 1423
    assert zlib.adler32(DICTIONARY) == 0xE3C6A7C2
    first_block = bytes.fromhex(GO_FRAMES["syn_error"])[18:]
    assert first_block[:2] == bytes.fromhex("78f9"), "zlib header: deflate, a preset dictionary"
    assert first_block[2:6] == (0xE3C6A7C2).to_bytes(4, "big"), "the dictionary's id"


def test_frames_spdystream_wrote_in_one_compression_context_decode_to_what_it_was_given() -> None:
    reader = FrameReader()
    assert reader.feed(b"".join(bytes.fromhex(h) for h in GO_FRAMES.values())) == GO_DECODED


def test_frames_fed_one_byte_at_a_time_decode_the_same_as_all_at_once() -> None:
    reader = FrameReader()
    wire = b"".join(bytes.fromhex(h) for h in GO_FRAMES.values())
    frames = [frame for i in range(len(wire)) for frame in reader.feed(wire[i : i + 1])]
    assert frames == GO_DECODED


@pytest.mark.parametrize("name", ["data_fin", "rst", "ping", "goaway", "window"])
def test_frames_without_headers_are_encoded_byte_for_byte_as_spdystream_does(name: str) -> None:
    frame = GO_DECODED[list(GO_FRAMES).index(name)]
    assert FrameWriter().encode(frame).hex() == GO_FRAMES[name]


def test_a_syn_stream_carries_the_stream_id_the_fin_flag_priority_and_compressed_headers() -> None:
    wire = FrameWriter().encode(SynStream(5, {"streamtype": "data"}, fin=True, priority=3))
    assert wire[:4] == bytes.fromhex("80030001"), "control bit, version 3, SYN_STREAM"
    assert wire[4] == 0x01, "FIN"
    assert int.from_bytes(wire[5:8], "big") == len(wire) - 8
    assert wire[8:12] == (5).to_bytes(4, "big") and wire[12:16] == bytes(4), "stream 5, no associated stream"
    assert wire[16] == 3 << 5, "priority in the top 3 bits"
    assert FrameReader().feed(wire) == [SynStream(5, {"streamtype": "data"}, fin=True, priority=3)]


def test_header_blocks_share_one_context_so_each_is_read_only_after_the_ones_before_it() -> None:
    writer = FrameWriter()
    headers = [{"streamtype": t, "port": "8080", "requestid": str(i)} for i in range(3) for t in ("error", "data")]
    frames = [SynStream(1 + 2 * i, h) for i, h in enumerate(headers)]
    wire = [writer.encode(f) for f in frames]
    assert len(wire[-1]) < len(wire[0]), "later blocks reuse what the context has seen"
    assert FrameReader().feed(b"".join(wire)) == frames
    with pytest.raises(SpdyError, match="does not inflate"):
        FrameReader().feed(wire[1])  # the second block alone: the context it relies on is missing


def test_header_names_are_sent_lower_case_and_a_block_is_count_then_length_prefixed_pairs() -> None:
    block = encode_header_block({"streamType": "error", "port": "80"})
    assert block == (
        b"\x00\x00\x00\x02" + b"\x00\x00\x00\x0astreamtype" + b"\x00\x00\x00\x05error"
        b"\x00\x00\x00\x04port" + b"\x00\x00\x00\x0280"
    )
    assert decode_header_block(block) == {"streamtype": "error", "port": "80"}


def test_a_header_block_cut_short_is_an_error_naming_the_header_block() -> None:
    with pytest.raises(SpdyError, match="header block"):
        decode_header_block(encode_header_block({"port": "8080"})[:-2])


def test_replies_and_headers_frames_round_trip_through_a_writer_and_a_reader() -> None:
    frames = [SynReply(1, {}, fin=True), HeadersFrame(3, {"x": "y"}), DataFrame(3, b"", fin=True), Ping(2)]
    writer, reader = FrameWriter(), FrameReader()
    assert reader.feed(b"".join(writer.encode(f) for f in frames)) == frames


def test_a_control_frame_the_tunnel_does_not_use_is_kept_as_its_type_flags_and_payload() -> None:
    settings = OtherControl(4, 0, bytes.fromhex("00000001" "00000007" "00010000"))
    assert FrameReader().feed(FrameWriter().encode(settings)) == [settings]


def test_a_data_frame_for_stream_zero_is_refused() -> None:
    with pytest.raises(SpdyError, match="stream 0"):
        FrameReader().feed(bytes.fromhex("0000000000000001") + b"x")


def test_a_truncated_control_payload_is_refused_naming_the_frame_type() -> None:
    with pytest.raises(SpdyError, match="RST_STREAM frame of 4 bytes"):
        FrameReader().feed(bytes.fromhex("8003000300000004" "00000003"))


def test_a_header_block_inflating_past_the_limit_is_refused() -> None:
    writer = FrameWriter()
    with pytest.raises(SpdyError, match="more than"):
        FrameReader().feed(writer.encode(SynReply(1, {"x": "a" * 100_000})))


def test_client_stream_ids_are_odd_and_increasing_from_one_until_31_bits_run_out() -> None:
    ids = StreamIds()
    assert [ids.allocate() for _ in range(4)] == [1, 3, 5, 7]
    last = StreamIds(MAX_STREAM_ID - 2)
    assert last.left == 2
    assert [last.allocate(), last.allocate(), last.allocate()] == [MAX_STREAM_ID - 2, MAX_STREAM_ID, None]
    assert last.left == 0
