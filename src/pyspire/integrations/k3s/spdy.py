"""SPDY/3.1 frames, as the port-forward tunnel needs them: bytes to frames and back, header blocks.

``kubectl port-forward`` (client-go ≥ 1.31) opens ONE websocket with subprotocol
``SPDY/3.1+portforward.k8s.io``; the API server passes its bytes through to the kubelet — kwok in
the tests — whose end is ``github.com/moby/spdystream`` (through ``k8s.io/streaming``). Each
forwarded TCP connection is then a pair of SPDY streams in that one connection
(:mod:`.pod_tunnel`). This module is the wire format alone, without any socket, so it is unit-tested
against bytes spdystream's own framer wrote.

Written here because no maintained Python SPDY library exists: ``python-spdylay`` (0.1.2, 2012)
binds the archived C spdylay, ``spdy-py`` (0.2.0, 2021) had one release; and the part a tunnel
uses is small — what spdystream does, checked in its source:

- Frames: a control frame is ``1 | version(15) | type(16) | flags(8) | length(24) | payload``, a
  data frame ``0 | stream id(31) | flags(8) | length(24) | data``; FIN (0x01) ends a direction.
  Version 3 is written; spdystream does not check it on reading.
- Header blocks (SYN_STREAM, SYN_REPLY, HEADERS): ``count(32)`` then ``len(32) name len(32) value``
  pairs, names lower case, zlib-compressed with the SPDY/3 dictionary. ONE compression context per
  direction for the whole connection (Go's Framer keeps one zlib writer and one reader), each block
  ended by a sync flush: every block received must be decompressed, even one for a stream already
  forgotten, or the next one cannot be read.
- Flow control: spdystream has none. It never sends WINDOW_UPDATE and ignores those it gets, so a
  sender that honoured SPDY/3.1's 64 KiB initial window would stall after 64 KiB. Neither side
  counts windows; back-pressure is the TCP connection's (spdystream hands a data frame to its
  stream's reader before it reads the next frame), as for kubectl.
- Stream ids: the client's are odd, from 1, increasing (spdystream refuses a SYN_STREAM whose id is
  below one it has seen); ping ids: the client's odd, and a ping of the other parity is echoed.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

from pyspire.errors import TemporaryError

VERSION = 3
FLAG_FIN = 0x01
#: The most a frame's length field can say (24 bits).
MAX_FRAME_LENGTH = (1 << 24) - 1
#: The most a header block may inflate to: port-forward's are a few dozen bytes; more is an attack.
MAX_HEADER_BLOCK = 64 * 1024
#: Stream ids are 31 bits.
MAX_STREAM_ID = (1 << 31) - 1

_CONTROL_HEAD = struct.Struct(">HHI")  # control bit + version, type, flags + length
_DATA_HEAD = struct.Struct(">II")  # stream id, flags + length
_U32 = struct.Struct(">I")
_TWO_U32 = struct.Struct(">II")


class FrameType(IntEnum):
    SYN_STREAM = 1
    SYN_REPLY = 2
    RST_STREAM = 3
    SETTINGS = 4
    PING = 6
    GOAWAY = 7
    HEADERS = 8
    WINDOW_UPDATE = 9


class RstStatus(IntEnum):
    PROTOCOL_ERROR = 1
    INVALID_STREAM = 2
    REFUSED_STREAM = 3
    UNSUPPORTED_VERSION = 4
    CANCEL = 5
    INTERNAL_ERROR = 6
    FLOW_CONTROL_ERROR = 7
    STREAM_IN_USE = 8
    STREAM_ALREADY_CLOSED = 9
    INVALID_CREDENTIALS = 10
    FRAME_TOO_LARGE = 11


class SpdyError(TemporaryError, ValueError):
    """Bytes that are not SPDY/3.1 as spdystream writes it (the tunnel cannot go on after one)."""


def _dictionary() -> bytes:
    """The SPDY/3 header compression dictionary (the draft's section 2.6.10.1): length-prefixed
    header names and values, then status codes, reasons, dates and common values run together."""
    words = (
        "options head post put delete trace accept accept-charset accept-encoding accept-language "
        "accept-ranges age allow authorization cache-control connection content-base content-encoding "
        "content-language content-length content-location content-md5 content-range content-type date "
        "etag expect expires from host if-match if-modified-since if-none-match if-range "
        "if-unmodified-since last-modified location max-forwards pragma proxy-authenticate "
        "proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
        "user-agent vary via warning www-authenticate method get status"
    ).split() + ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"]
    tail = (
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
        "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
        "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
        "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
        "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
        "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
    )
    return b"".join(_U32.pack(len(w)) + w.encode() for w in words) + tail.encode()


DICTIONARY = _dictionary()

Headers: TypeAlias = dict[str, str]


@dataclass(frozen=True)
class DataFrame:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclass(frozen=True)
class SynStream:
    stream_id: int
    headers: Headers
    fin: bool = False
    associated_to: int = 0
    priority: int = 0


@dataclass(frozen=True)
class SynReply:
    stream_id: int
    headers: Headers
    fin: bool = False


@dataclass(frozen=True)
class HeadersFrame:
    stream_id: int
    headers: Headers
    fin: bool = False


@dataclass(frozen=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True)
class Ping:
    ping_id: int


@dataclass(frozen=True)
class GoAway:
    last_good_stream_id: int
    status: int = 0


@dataclass(frozen=True)
class WindowUpdate:
    stream_id: int
    delta: int


@dataclass(frozen=True)
class OtherControl:
    """A control frame the tunnel has no use for (SETTINGS, or a type SPDY/3.1 does not define)."""

    frame_type: int
    flags: int
    payload: bytes


Frame: TypeAlias = (
    DataFrame | SynStream | SynReply | HeadersFrame | RstStream | Ping | GoAway | WindowUpdate | OtherControl
)


def encode_header_block(headers: Headers) -> bytes:
    """The uncompressed block: count, then each name (lower-cased) and value, length-prefixed."""
    out = [_U32.pack(len(headers))]
    for name, value in headers.items():
        raw_name, raw_value = name.lower().encode(), value.encode()
        out += [_U32.pack(len(raw_name)), raw_name, _U32.pack(len(raw_value)), raw_value]
    return b"".join(out)


def decode_header_block(block: bytes) -> Headers:
    """The headers of an uncompressed block (several values of one name stay NUL-separated)."""
    try:
        (count,) = _U32.unpack_from(block, 0)
        headers: Headers = {}
        offset = 4
        for _ in range(count):
            (size,) = _U32.unpack_from(block, offset)
            name = block[offset + 4 : offset + 4 + size]
            offset += 4 + size
            (size,) = _U32.unpack_from(block, offset)
            value = block[offset + 4 : offset + 4 + size]
            offset += 4 + size
            if offset > len(block):
                raise SpdyError("a header block ends inside a header")
            headers[name.decode().lower()] = value.decode()
    except (struct.error, UnicodeDecodeError) as exc:
        raise SpdyError(f"a header block that cannot be read: {exc}") from exc
    return headers


def _control(frame_type: FrameType, flags: int, payload: bytes) -> bytes:
    return _CONTROL_HEAD.pack(0x8000 | VERSION, frame_type, (flags << 24) | len(payload)) + payload


class FrameWriter:
    """Frames to bytes for one connection: owns the sending direction's compression context, so
    frames must go out in the order they are made here."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(level=9, zdict=DICTIONARY)

    def _block(self, headers: Headers) -> bytes:
        raw = encode_header_block(headers)
        return self._compressor.compress(raw) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    def encode(self, frame: Frame) -> bytes:
        """The bytes of ``frame`` (header blocks compressed in this connection's context)."""
        match frame:
            case DataFrame(stream_id, data, fin):
                if len(data) > MAX_FRAME_LENGTH:
                    raise SpdyError(f"a data frame of {len(data)} bytes (at most {MAX_FRAME_LENGTH})")
                return _DATA_HEAD.pack(stream_id & MAX_STREAM_ID, (FLAG_FIN if fin else 0) << 24 | len(data)) + data
            case SynStream(stream_id, headers, fin, associated_to, priority):
                head = _TWO_U32.pack(stream_id, associated_to) + bytes(((priority & 7) << 5, 0))
                return _control(FrameType.SYN_STREAM, FLAG_FIN if fin else 0, head + self._block(headers))
            case SynReply(stream_id, headers, fin):
                return _control(FrameType.SYN_REPLY, FLAG_FIN if fin else 0, _U32.pack(stream_id) + self._block(headers))
            case HeadersFrame(stream_id, headers, fin):
                return _control(FrameType.HEADERS, FLAG_FIN if fin else 0, _U32.pack(stream_id) + self._block(headers))
            case RstStream(stream_id, status):
                return _control(FrameType.RST_STREAM, 0, _TWO_U32.pack(stream_id, status))
            case Ping(ping_id):
                return _control(FrameType.PING, 0, _U32.pack(ping_id))
            case GoAway(last_good, status):
                return _control(FrameType.GOAWAY, 0, _TWO_U32.pack(last_good, status))
            case WindowUpdate(stream_id, delta):
                return _control(FrameType.WINDOW_UPDATE, 0, _TWO_U32.pack(stream_id, delta))
            case OtherControl(frame_type, flags, payload):
                return _CONTROL_HEAD.pack(0x8000 | VERSION, frame_type, (flags << 24) | len(payload)) + payload
        raise TypeError(f"not a SPDY frame: {frame!r}")


class FrameReader:
    """Bytes to frames for one connection, fed as they arrive (a frame may span many feeds); owns
    the receiving direction's decompression context."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._inflater = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        """The frames completed by ``data`` (the rest waits for the next feed)."""
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        size, offset = len(buffer), 0
        view = memoryview(buffer)
        try:
            while size - offset >= 8:
                first, second = _TWO_U32.unpack_from(buffer, offset)
                end = offset + 8 + (second & MAX_FRAME_LENGTH)
                if end > size:
                    break
                payload = bytes(view[offset + 8 : end])
                offset = end
                flags = second >> 24
                if first & 0x80000000:
                    frames.append(self._control(first & 0xFFFF, flags, payload))
                else:
                    if first == 0:
                        raise SpdyError("a data frame for stream 0")
                    frames.append(DataFrame(first, payload, bool(flags & FLAG_FIN)))
        finally:
            view.release()
        del buffer[:offset]
        return frames

    def _headers(self, block: bytes) -> Headers:
        try:
            raw = self._inflater.decompress(block, MAX_HEADER_BLOCK)
        except zlib.error as exc:
            raise SpdyError(f"a header block that does not inflate: {exc}") from exc
        if self._inflater.unconsumed_tail:
            raise SpdyError(f"a header block of more than {MAX_HEADER_BLOCK} bytes")
        return decode_header_block(raw)

    def _control(self, frame_type: int, flags: int, payload: bytes) -> Frame:
        fin = bool(flags & FLAG_FIN)
        try:
            if frame_type == FrameType.SYN_STREAM:
                stream_id, associated = _TWO_U32.unpack_from(payload, 0)
                headers = self._headers(payload[10:])
                return SynStream(stream_id & MAX_STREAM_ID, headers, fin, associated & MAX_STREAM_ID, payload[8] >> 5)
            if frame_type in (FrameType.SYN_REPLY, FrameType.HEADERS):
                (stream_id,) = _U32.unpack_from(payload, 0)
                cls = SynReply if frame_type == FrameType.SYN_REPLY else HeadersFrame
                return cls(stream_id & MAX_STREAM_ID, self._headers(payload[4:]), fin)
            if frame_type == FrameType.RST_STREAM:
                stream_id, status = _TWO_U32.unpack_from(payload, 0)
                return RstStream(stream_id & MAX_STREAM_ID, status)
            if frame_type == FrameType.PING:
                return Ping(_U32.unpack_from(payload, 0)[0])
            if frame_type == FrameType.GOAWAY:
                last_good, status = _TWO_U32.unpack_from(payload, 0)
                return GoAway(last_good & MAX_STREAM_ID, status)
            if frame_type == FrameType.WINDOW_UPDATE:
                stream_id, delta = _TWO_U32.unpack_from(payload, 0)
                return WindowUpdate(stream_id & MAX_STREAM_ID, delta & MAX_STREAM_ID)
        except struct.error as exc:
            raise SpdyError(f"a {FrameType(frame_type).name} frame of {len(payload)} bytes is too short") from exc
        return OtherControl(frame_type, flags, payload)


class StreamIds:
    """The ids of the streams this side opens: odd from 1 for a client (even from 2 for a server),
    increasing; None once the 31 bits are used up (the connection must be replaced then)."""

    def __init__(self, first: int = 1) -> None:
        self._next = first

    def allocate(self) -> int | None:
        """The next id, or None when there is none left."""
        stream_id = self._next
        if stream_id > MAX_STREAM_ID:
            return None
        self._next += 2
        return stream_id

    @property
    def left(self) -> int:
        """How many ids can still be allocated."""
        return max(0, (MAX_STREAM_ID - self._next) // 2 + 1)
