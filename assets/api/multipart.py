"""Multipart uploads whose file names Django's parser cannot take: names that are not UTF-8
(Django drops the part's headers, so "No file was submitted") and names longer than its
1,024-byte limit on a part's headers ("Request max total header size exceeded").

``MultiPartParser`` reads the body through ``PartHeaderRewriter``, a stream that passes every
byte through except the file name of a part that would be refused: that name is kept aside
(raw bytes) and the part goes on under a short placeholder. The upload then carries the name
given as ``upload.raw_name``, which dam keeps as metadata (escaped and capped by
``assets.ingest.safe_name``). Nothing is buffered beyond one part's headers.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from django.http.multipartparser import MultiPartParserError
from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError

HEADERS_LIMIT = 1024  # django.http.multipartparser.MAX_TOTAL_HEADER_SIZE
REWRITE_ABOVE = 700  # headers longer than this get the placeholder name (room for the rest)
HEADERS_SEARCH_LIMIT = 64 * 1024  # a part whose headers do not end by then is left to Django to refuse
PLACEHOLDER = "dam-upload-name-{}"
_PLACEHOLDER = re.compile(r"^dam-upload-name-(\d+)$")
_FILENAME = re.compile(rb"""(;\s*filename\*?\s*=\s*)("(?:[^"\\]|\\.)*"|[^;\r\n]*)""", re.IGNORECASE)


def _name_bytes(header_line: bytes) -> tuple[bytes | None, bool]:
    """The file name a Content-Disposition line gives (``filename*=`` decoded), as raw bytes,
    and whether it came from ``filename*``; None when it names none."""
    found = {}
    for match in _FILENAME.finditer(header_line):
        starred = b"*" in match.group(1)
        value = match.group(2).strip()
        if value.startswith(b'"') and value.endswith(b'"') and len(value) >= 2:
            value = re.sub(rb"\\(.)", rb"\1", value[1:-1])
        if starred:
            _, _, value = value.partition(b"''")
            value = unquote_to_bytes(value)
        found[starred] = value
    if True in found:
        return found[True], True
    return found.get(False), False


class PartHeaderRewriter:
    """A readable stream over ``source`` (a multipart body with ``boundary``) in which each
    part's file name that Django could not take is replaced by a placeholder; ``names`` maps
    each placeholder's number to the name given (raw bytes)."""

    def __init__(self, source, boundary: bytes) -> None:
        self.source = source
        self.marker = b"--" + boundary + b"\r\n"
        self.pending = b""
        self.ready = b""
        self.eof = False
        self.names: dict[int, bytes] = {}

    def _fill(self) -> None:
        chunk = self.source.read(64 * 1024)
        if chunk:
            self.pending += chunk
        else:
            self.eof = True

    def _advance(self) -> None:
        """Move what can be passed on from ``pending`` to ``ready``."""
        at = self.pending.find(self.marker)
        if at < 0:
            keep = 0 if self.eof else len(self.marker) - 1
            cut = len(self.pending) - keep
            self.ready, self.pending = self.ready + self.pending[:cut], self.pending[cut:]
            if not self.eof:
                self._fill()
            return
        start = at + len(self.marker)
        end = self.pending.find(b"\r\n\r\n", start)
        if end < 0 and not self.eof and len(self.pending) - start < HEADERS_SEARCH_LIMIT:
            self._fill()  # the headers are not all here yet
            return
        if end < 0:  # headers without an end: left to Django to refuse
            self.ready, self.pending = self.ready + self.pending[:start], self.pending[start:]
            return
        headers = self._rewritten(self.pending[start:end])
        self.ready += self.pending[:start] + headers + b"\r\n\r\n"
        self.pending = self.pending[end + 4 :]

    def _rewritten(self, headers: bytes) -> bytes:
        lines = headers.split(b"\r\n")
        for index, line in enumerate(lines):
            if not line.lower().startswith(b"content-disposition:"):
                continue
            name, _ = _name_bytes(line)
            if name is None:
                return headers
            try:
                name.decode("utf-8")
                readable = True
            except UnicodeDecodeError:
                readable = False
            if readable and len(headers) <= REWRITE_ABOVE:
                return headers
            number = len(self.names)
            self.names[number] = name
            placeholder = PLACEHOLDER.format(number).encode()
            kept = _FILENAME.sub(b"", line)
            lines[index] = kept + b'; filename="' + placeholder + b'"'
            return b"\r\n".join(lines)
        return headers

    def read(self, size: int = -1) -> bytes:
        while not self.eof and (size < 0 or len(self.ready) < size):
            self._advance()
        while self.eof and self.pending:
            self._advance()
        if size < 0:
            data, self.ready = self.ready, b""
        else:
            data, self.ready = self.ready[:size], self.ready[size:]
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, taking any file name (see the module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        _, options = parse_header_parameters(media_type or "")
        boundary = options.get("boundary", "")
        if not boundary or stream is None:
            return super().parse(stream, media_type, parser_context)
        rewriter = PartHeaderRewriter(stream, boundary.encode("latin-1", errors="replace"))
        try:
            result = super().parse(rewriter, media_type, parser_context)
        except ParseError as error:
            if "header size" in str(error):
                raise ParseError(
                    f"a part of the form has headers longer than the {HEADERS_LIMIT:,} bytes dam reads "
                    "(a very long field name or content type)"
                ) from None
            raise
        except MultiPartParserError as error:
            raise ParseError(f"the multipart form cannot be read: {error}") from None
        for upload in (each for _, uploads in result.files.lists() for each in uploads):
            match = _PLACEHOLDER.match(upload.name or "")
            if match and int(match.group(1)) in rewriter.names:
                upload.raw_name = rewriter.names[int(match.group(1))]
        return result
