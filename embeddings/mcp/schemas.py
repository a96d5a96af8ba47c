"""What the MCP tools answer, as pydantic models: the SDK publishes each as the tool's output
schema and checks every structured result against it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Place(BaseModel):
    name: str | None = None
    locality: str | None = None
    region: str | None = None
    country: str | None = None
    latitude: float | None = Field(None, description="only where the caller's rights show coordinates")
    longitude: float | None = None


class Facts(BaseModel):
    """What a citation of the asset rests on, from its schema.org document."""

    description: str | None = None
    creator: list[str] = Field(default_factory=list, description="who made it")
    credit: str | None = Field(None, description="the credit line to print beside it")
    copyright_notice: str | None = None
    license: str | None = Field(None, description="the licence's URL")
    acquire_license_page: str | None = Field(None, description="where to license it")
    usage_terms: str | None = None
    date_created: str | None = None
    place: Place | None = None
    keywords: list[str] = Field(default_factory=list, description="the vocabulary's preferred labels")
    content_url: str | None = Field(None, description="the delivery copy (needs the same token)")


class Span(BaseModel):
    start: float = Field(description="seconds from the start of the recording")
    end: float = Field(description="seconds from the start of the recording")
    words: str = Field("", description="what is said in the span (empty for a sound)")
    score: float | None = None


class Hit(BaseModel):
    iri: str = Field(description="the asset's stable IRI: cite it")
    asset_id: str = Field(description="give it to get_asset or similar_assets")
    kind: str = Field(description="image or audio")
    name: str = Field(description="the asset's title")
    score: float = Field(description="relevance, higher is better; compare within one answer only")
    evidence: list[dict[str, Any]] = Field(
        description="what matched, one record per piece, each with a kind (metadata fields with highlights, "
        "visual, acoustic, spoken)"
    )
    spans: list[Span] = Field(description="the moments of a recording that matched, best first")
    facts: Facts


class SearchAnswer(BaseModel):
    hits: list[Hit] = Field(description="best first; empty when nothing the caller may see matches")


class Reference(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="@id")


class Clip(BaseModel):
    """A schema.org Clip: a span of a recording."""

    model_config = ConfigDict(populate_by_name=True)

    type: str = Field("Clip", alias="@type")
    id: str = Field(alias="@id", description="the recording's IRI with a media fragment (#t=start,end): cite it")
    startOffset: float = Field(description="seconds")  # noqa: N815 - schema.org's name
    endOffset: float | None = Field(None, description="seconds")  # noqa: N815
    isPartOf: Reference = Field(description="the recording")  # noqa: N815
    text: str | None = Field(None, description="the words said in it")


class Moment(BaseModel):
    clip: Clip
    score: float | None = None
    recording: str = Field(description="the recording's title")
    asset_id: str


class MomentsAnswer(BaseModel):
    moments: list[Moment] = Field(description="best first")


class Document(BaseModel):
    """A schema.org ImageObject or AudioObject in JSON-LD."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    context: str = Field("https://schema.org", alias="@context")
    type: str = Field(alias="@type", description="ImageObject or AudioObject")
    id: str = Field(alias="@id", description="the asset's IRI: cite it")


class Term(BaseModel):
    label: str = Field(description="the preferred label: use it, not an alias")
    language: str
    aliases: list[str]
    uri: str | None = Field(None, description="the concept in an external vocabulary")
    broader: str | None = Field(None, description="the broader term's preferred label")
    assets: int = Field(description="assets the caller may see that carry it")


class VocabularyAnswer(BaseModel):
    terms: list[Term]
    truncated: bool = Field(description="more terms match: give a longer prefix")
