"""The CMS feed: a schema.org DataFeed of the assets a caller may see, in the order they changed.

Each asset has a *feed position*: the last moment its record changed or its visibility changed
with time (an embargo lifting, an expiry passing). Pages are keyset slices ordered by
(position, asset ID) after an opaque cursor, never OFFSET. An asset withdrawn, expired or deleted
is reported once as a ``DataFeedItem`` with ``dateDeleted`` (a tombstone) so a CMS can remove it.
Assets hidden from the caller by territory or group are left out entirely: a tombstone would
reveal that they exist. So are tombstones of deleted assets the caller could not see when they
were deleted (the tombstone keeps the restrictions: ``selectors.tombstone_rights_q``). Positions
of location-sensitive assets are coarsened for callers without the permission (``assets.locations``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe

from assets.jsonld import CONTEXT, asset_iri, asset_jsonld
from assets.locations import exact_location_allowed
from assets.models import Asset, AssetTombstone, asset_id_well_formed
from assets.selectors import asset_rights_q, territory_for, tombstone_rights_q, user_sees_everything
from assets.vocabulary.keywords import terms_for

CHUNK = 100  # assets serialised per database round trip while streaming
MALFORMED = "the cursor is malformed: use a cursor exactly as the feed returned it (Link rel=next)"


class FeedCursorError(ValueError):
    """A cursor or ``since`` value that cannot be read."""


@dataclass(frozen=True, order=True)
class FeedCursor:
    position: datetime
    asset_id: str

    def encode(self) -> str:
        raw = json.dumps([self.position.isoformat(), self.asset_id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> FeedCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            position_text, asset_id = json.loads(raw)
            position = parse_datetime(position_text)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError) as error:
            raise FeedCursorError(MALFORMED) from error
        if position is None or not isinstance(asset_id, str) or timezone.is_naive(position):
            raise FeedCursorError(MALFORMED)
        if asset_id and not asset_id_well_formed(asset_id):  # its values reach the database: check them all
            raise FeedCursorError(MALFORMED)
        try:
            return cls(position.astimezone(UTC), asset_id)
        except OverflowError:
            raise FeedCursorError(MALFORMED) from None

    @classmethod
    def from_since(cls, since: str) -> FeedCursor:
        """``since`` is a cursor or an ISO 8601 timestamp (with a time zone)."""
        if "\x00" in since:
            raise FeedCursorError("`since` must not contain NUL characters")
        try:
            position = parse_datetime(since.replace(" ", "+")) if since[:4].isdigit() else None
        except ValueError:  # shaped like a timestamp, but no such moment (month 13, hour 25...)
            raise FeedCursorError(
                f"`since` {since[:40]!r} is not a real moment: give an ISO 8601 timestamp such as "
                "2026-01-31T12:00:00Z, or a cursor exactly as the feed returned it"
            ) from None
        if position is not None:
            if timezone.is_naive(position):
                raise FeedCursorError("`since` needs a time zone, e.g. 2026-01-31T12:00:00Z")
            try:
                return cls(position.astimezone(UTC), "")  # any offset, also those PostgreSQL cannot take
            except OverflowError:
                raise FeedCursorError(f"`since` {since[:40]!r} is outside the years 1 to 9999 in UTC") from None
        return cls.decode(since)


@dataclass(frozen=True)
class FeedEntry:
    asset_id: str
    position: datetime
    deleted: bool

    @property
    def cursor(self) -> FeedCursor:
        return FeedCursor(self.position, self.asset_id)


def feed_position(now: datetime):
    """SQL for an asset's feed position at ``now``."""
    return Case(
        When(expires_at__lte=now, then=Greatest("updated_at", "expires_at")),
        When(embargo_until__lte=now, then=Greatest("updated_at", "embargo_until")),
        default=F("updated_at"),
        output_field=DateTimeField(),
    )


def _after(cursor: FeedCursor | None) -> Q:
    if cursor is None:
        return Q()
    return Q(position__gt=cursor.position) | Q(position=cursor.position, id__gt=cursor.asset_id)


class Feed:
    """One caller's view of the feed (user, territory, moment)."""

    def __init__(self, user, territory: str | None = None, now: datetime | None = None) -> None:
        self.user = user
        self.now = now or timezone.now()
        self.territory = territory_for(user, territory)
        self.sees_everything = user_sees_everything(user)
        self.exact_location = exact_location_allowed(user)

    def _candidates(self):
        """Assets in the feed for this caller: all but those held back by an embargo and, for
        callers without full access, those outside their territory and groups. Withdrawn and
        expired assets stay in, to be reported as deleted."""
        assets = Asset.objects.annotate(position=feed_position(self.now)).filter(position__lte=self.now)
        assets = assets.exclude(embargo_until__gt=self.now)
        if not self.sees_everything:
            assets = assets.filter(asset_rights_q(self.user.pk, self.territory))
        return assets

    def entries(self, cursor: FeedCursor | None, limit: int) -> list[FeedEntry]:
        """The next ``limit`` entries after ``cursor``: assets and deletions, merged in order."""
        rows = (
            self._candidates()
            .filter(_after(cursor))
            .order_by("position", "id")
            .values_list("id", "position", "withdrawn_at", "expires_at")[:limit]
        )
        entries = [
            FeedEntry(asset_id, position, withdrawn is not None or (expires is not None and expires <= self.now))
            for asset_id, position, withdrawn, expires in rows
        ]
        tombstones = AssetTombstone.objects.annotate(position=F("deleted_at")).filter(position__lte=self.now)
        if not self.sees_everything:  # a deletion is news only to those who could see the asset
            tombstones = tombstones.filter(tombstone_rights_q(self.user.pk, self.territory))
        if cursor is not None:
            tombstones = tombstones.filter(
                Q(position__gt=cursor.position) | Q(position=cursor.position, asset_id__gt=cursor.asset_id)
            )
        entries += [
            FeedEntry(asset_id, position, True)
            for asset_id, position in tombstones.order_by("position", "asset_id").values_list("asset_id", "position")[
                :limit
            ]
        ]
        entries.sort(key=lambda entry: (entry.position, entry.asset_id))
        return entries[:limit]

    def etag(self, cursor: FeedCursor | None, entries: list[FeedEntry]) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([self.user.pk, self.territory, cursor.encode() if cursor else None]).encode())
        for entry in entries:
            digest.update(f"{entry.asset_id}|{entry.position.isoformat()}|{entry.deleted}".encode())
        return f'W/"{digest.hexdigest()[:32]}"'

    def stream(self, entries: list[FeedEntry], url_for) -> Iterator[bytes]:
        """The DataFeed document, produced a chunk of assets at a time (flat memory)."""
        modified = max((entry.position for entry in entries), default=self.now)
        head = {"@context": CONTEXT, "@type": "DataFeed", "dateModified": modified.isoformat()}
        yield json.dumps(head)[:-1].encode() + b', "dataFeedElement": ['
        first = True
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]
            live_ids = [entry.asset_id for entry in chunk if not entry.deleted]
            assets = {
                asset.id: asset for asset in Asset.objects.filter(pk__in=live_ids).select_related("current_version")
            }
            terms = terms_for([keyword for asset in assets.values() for keyword in asset.keywords])
            for entry in chunk:
                item = {"@type": "DataFeedItem", "dateModified": entry.position.isoformat()}
                asset = assets.get(entry.asset_id)
                if entry.deleted or asset is None:
                    item["dateDeleted"] = entry.position.isoformat()
                    item["item"] = {"@type": "Thing", "@id": asset_iri(entry.asset_id)}
                else:
                    item["item"] = asset_jsonld(
                        asset, url_for, with_context=False, terms=terms, exact_location=self.exact_location
                    )
                yield (b"" if first else b", ") + json.dumps(item, ensure_ascii=False).encode()
                first = False
        yield b"]}"


class FeedPage:
    """One page of a caller's feed, with what HTTP says about it: its validators (ETag,
    Last-Modified), where the next page starts, and whether a conditional request may get 304."""

    def __init__(self, feed: Feed, cursor: FeedCursor | None, limit: int, territory: str | None = None) -> None:
        self.feed = feed
        self.cursor = cursor
        self.limit = limit
        self.territory = territory  # as the request named it, to carry into the next page's link
        self.entries = feed.entries(cursor, limit)

    @cached_property
    def etag(self) -> str:
        return self.feed.etag(self.cursor, self.entries)

    @property
    def last_modified(self) -> datetime | None:
        """The newest position on the page, else the cursor's; None for an empty first page."""
        return max((e.position for e in self.entries), default=self.cursor.position if self.cursor else None)

    @property
    def next_cursor(self) -> str:
        """Where the next pull starts: after the last entry, else where this one started ("" when
        nothing was ever pulled)."""
        if self.entries:
            return self.entries[-1].cursor.encode()
        return self.cursor.encode() if self.cursor and self.cursor.asset_id else ""

    def headers(self, feed_url: str) -> dict[str, str]:
        """The response headers, whether the page is sent or not modified; ``feed_url`` is the
        feed's absolute URL, for the ``Link: <...>; rel="next"`` of a full page."""
        headers = {"ETag": self.etag, "Cache-Control": "private, no-cache"}
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified.timestamp())
        if self.next_cursor:
            headers["DAM-Next-Cursor"] = self.next_cursor
        if len(self.entries) == self.limit:
            url = f"{feed_url}?since={self.next_cursor}&limit={self.limit}"
            headers["Link"] = f'<{url}{f"&territory={self.territory}" if self.territory else ""}>; rel="next"'
        return headers

    def unchanged(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether a request with these conditional headers may get 304 (If-None-Match wins)."""
        if if_none_match is not None:
            return self.etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = parse_http_date_safe(if_modified_since or "")
        last_modified = self.last_modified
        return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since

    def stream(self, url_for) -> Iterator[bytes]:
        return self.feed.stream(self.entries, url_for)


def feed_page(user, cursor: FeedCursor | None, limit: int, territory: str | None = None) -> FeedPage:
    """The next ``limit`` entries of ``user``'s feed after ``cursor`` (from the start when None),
    for ``territory`` (else the user's default)."""
    return FeedPage(Feed(user, territory=territory), cursor, limit, territory)
