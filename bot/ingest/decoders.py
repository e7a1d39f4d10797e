"""Content-Encoding decoders (gzip, deflate, br) whose output is bounded at every step,
so a small compressed body cannot expand past the body cap."""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli


class UnsupportedEncodingError(ValueError):
    """A Content-Encoding we do not decode."""


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def flush(self, limit: int) -> bytes: ...


class _ZlibDecoder:
    """gzip/deflate with bounded output per call (``max_length``)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        # deflate: the RFC says zlib-wrapped, but many servers send raw deflate;
        # start with zlib and fall back to raw on the first chunk (as browsers do).
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        try:
            out += self._obj.decompress(data, limit + 1)
        except zlib.error:
            if self._gzip or not self._first:
                raise
            self._first = False
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out += self._obj.decompress(data, limit + 1)
        self._first = False
        while len(out) <= limit:
            if self._obj.unconsumed_tail:
                more = self._obj.decompress(self._obj.unconsumed_tail, limit + 1 - len(out))
            elif self._obj.eof and self._obj.unused_data and self._gzip:
                # concatenated gzip members
                rest = self._obj.unused_data
                self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
                more = self._obj.decompress(rest, limit + 1 - len(out))
            else:
                break
            if not more and not self._obj.unconsumed_tail:
                break
            out += more
        return bytes(out)

    def flush(self, limit: int) -> bytes:
        return bytes(self._obj.flush()) if not self._obj.eof else b""


class _BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray(self._obj.process(data, output_buffer_limit=limit + 1))
        # The decoder holds back output past the limit; drain it while under the cap.
        while len(out) <= limit and not self._obj.can_accept_more_data():
            more = self._obj.process(b"", output_buffer_limit=limit + 1 - len(out))
            if not more:
                break
            out += more
        return bytes(out)

    def flush(self, limit: int) -> bytes:
        return b""


class _Chain:
    """Content-Encoding may list several codings; undo them in reverse order."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes, limit: int) -> bytes:
        for dec in self._decoders:
            data = dec.feed(data, limit)
        return data

    def flush(self, limit: int) -> bytes:
        data = b""
        for dec in self._decoders:
            data = (dec.feed(data, limit) if data else b"") + dec.flush(limit)
        return data


def decoder_for(content_encoding: str) -> _Decoder | None:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    decoders: list[_Decoder] = []
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            decoders.append(_ZlibDecoder(coding))
        elif coding == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise UnsupportedEncodingError(f"unsupported Content-Encoding {coding}")
    if not decoders:
        return None
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)
