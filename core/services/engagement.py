"""Favourites and leads: buyers showing interest in a listing."""

from __future__ import annotations

import uuid

from core.actor import Actor
from core.errors import DomainError, InvalidInputError, ListingNotAvailableError, NotFoundError
from core.models import Favourite, Lead, LeadChannel, Listing, ListingStatus
from core.unit_of_work import UnitOfWork

MAX_MESSAGE_LENGTH = 2_000


def favourite_listing(uow: UnitOfWork, *, actor: Actor, listing_id: uuid.UUID) -> Favourite:
    """Keep a listing; doing it again returns the existing favourite (and records nothing)."""
    with uow:
        existing = uow.favourites.get((actor.user_id, listing_id))
        if existing is not None:
            return existing
        listing = _published(uow, listing_id)
        if listing.status is ListingStatus.ARCHIVED:
            raise ListingNotAvailableError(f"listing {listing_id} is archived")
        favourite = Favourite.mark(
            user_id=actor.user_id, listing_id=listing.id, seller_id=listing.seller_id
        )
        uow.favourites.add(favourite)
        uow.commit()
    return favourite


def create_lead(
    uow: UnitOfWork,
    *,
    actor: Actor,
    listing_id: uuid.UUID,
    channel: LeadChannel,
    message: str | None = None,
) -> Lead:
    """A buyer contacts the seller about an active or reserved listing."""
    message = (message or "").strip() or None
    if channel is LeadChannel.MESSAGE and message is None:
        raise InvalidInputError("a lead on the message channel needs a message")
    if message is not None and len(message) > MAX_MESSAGE_LENGTH:
        raise InvalidInputError(f"message must have at most {MAX_MESSAGE_LENGTH} characters")
    with uow:
        listing = _published(uow, listing_id)
        if listing.status not in (ListingStatus.ACTIVE, ListingStatus.RESERVED):
            raise ListingNotAvailableError(
                f"listing {listing_id} is {listing.status.value}; leads go to active listings"
            )
        seller = uow.sellers.get(listing.seller_id)
        if seller is not None and seller.user_id == actor.user_id:
            raise DomainError("you cannot send a lead to your own listing")
        lead = Lead.create(
            listing_id=listing.id,
            seller_id=listing.seller_id,
            buyer_id=actor.user_id,
            channel=channel,
            message=message,
        )
        uow.leads.add(lead)
        uow.commit()
    return lead


def _published(uow: UnitOfWork, listing_id: uuid.UUID) -> Listing:
    """The listing, if the public may see it (drafts are the seller's own)."""
    listing = uow.listings.get(listing_id)
    if listing is None or listing.status is ListingStatus.DRAFT:
        raise NotFoundError(f"no listing {listing_id}")
    return listing
