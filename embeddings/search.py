"""Semantic search: a query becomes a vector of the role's active version; the nearest assets the
caller may see come back, best first, with their matching segments."""

from __future__ import annotations

from dataclasses import dataclass, field

from assets.models import Asset
from assets.selectors import asset_list_visible_to
from embeddings.encoders import encoder_for
from embeddings.models import Role
from embeddings.storage import nearest


class SearchError(ValueError):
    """A query dam cannot answer; the message says why."""


@dataclass
class SearchResult:
    asset_id: str
    score: float
    kind: str
    title: str
    segments: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "asset_id": self.asset_id,
            "score": round(self.score, 6),
            "kind": self.kind,
            "title": self.title,
            "segments": self.segments,
        }


def search_text(
    user, text: str, k: int = 10, kind: str | None = None, territory: str | None = None, role_name: str = "asset_text"
) -> list[SearchResult]:
    if not text.strip():
        raise SearchError("the query text is empty")
    role = Role.objects.select_related("model_version").filter(name=role_name).first()
    if role is None:
        raise SearchError(f"no model is active for the {role_name!r} role: run `python manage.py models setup`")
    vector = encoder_for(role.model_version).embed_texts([text])[0]
    assets = asset_list_visible_to(user, territory=territory)
    if kind:
        assets = assets.filter(kind=kind)
    # Several segments of one asset may match: fetch more, then keep each asset's best segments.
    neighbours = nearest(role.model_version, vector.tolist(), k * 3, assets=assets)
    by_asset: dict[str, list] = {}
    for neighbour in neighbours:
        by_asset.setdefault(neighbour.asset_id, []).append(neighbour)
    chosen = list(by_asset)[:k]
    details = {a.pk: a for a in Asset.objects.filter(pk__in=chosen).only("id", "kind", "title")}
    return [
        SearchResult(
            asset_id=asset_id,
            score=by_asset[asset_id][0].score,
            kind=details[asset_id].kind,
            title=details[asset_id].title,
            segments=[
                {"start_ms": n.segment_start_ms, "end_ms": n.segment_end_ms, "score": round(n.score, 6), "text": n.text}
                for n in by_asset[asset_id]
            ],
        )
        for asset_id in chosen
    ]
