"""Subscriptions: create (with the callbackUri check), find duplicates, read, delete.

"Identical" subscriptions (answered 303 unless duplicates are allowed): the same
``callbackUri`` (compared as written), the same verbosity (absent means FULL) and
filters that select the same notifications as written: after dropping empty lists
and objects, with every list compared as a set (order and repetition ignored).
The authentication block is not compared: it is not part of what a subscription
shows, and the existing subscription keeps its own credentials.

The subscriber's credentials are stored for delivery and leave this module only
toward the subscriber: :func:`subscription_doc` does not show them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vnfm.api.problems import BadRequest, NotFound, Unprocessable
from vnfm.db.models import utcnow
from vnfm.notify.auth import AUTH_TYPES, BASIC, OAUTH2, TokenCache, credentials, shared_tokens
from vnfm.notify.config import NotifySettings
from vnfm.notify.documents import FULL, SHORT
from vnfm.notify.filters import FilterError, canonical, filter_keys, normalise_filter
from vnfm.notify.http import Outcome, call, safe_uri
from vnfm.notify.matching import filter_key_rows
from vnfm.notify.models import OutboxRow, SubscriptionKeyRow, SubscriptionRow

if TYPE_CHECKING:
    from vnfm.app import Services

#: The answer a callbackUri must give to the check (SOL013: 204 No Content).
CHECK_STATUS = 204

# ------------------------------------------------------------------ validation


def validate_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """An LccnSubscriptionRequest checked and normalised; 400 naming what is wrong."""
    if not isinstance(request, Mapping):
        raise BadRequest("the body must be an LccnSubscriptionRequest object")
    callback_uri = request.get("callbackUri")
    check_callback_uri(callback_uri)
    verbosity = request.get("verbosity", FULL)
    if verbosity not in (FULL, SHORT):
        raise BadRequest(f"verbosity: {verbosity!r} is not FULL or SHORT")
    try:
        filter_doc = normalise_filter(request.get("filter"))
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    return {
        "callbackUri": callback_uri,
        "verbosity": verbosity,
        "filter": filter_doc,
        "authentication": validate_authentication(request.get("authentication")),
    }


def check_callback_uri(uri: Any) -> None:
    if not isinstance(uri, str) or not uri:
        raise BadRequest("callbackUri: required, an absolute http or https URI")
    try:
        parts = urlsplit(uri)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise BadRequest("callbackUri: not a valid URI") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise BadRequest("callbackUri: must be an absolute http or https URI with a host")


def validate_authentication(raw: Any) -> dict[str, Any] | None:
    """SubscriptionAuthentication: the parameters of each asked type must be there."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise BadRequest("authentication: expected an object")
    types = raw.get("authType")
    if not isinstance(types, list) or not types:
        raise BadRequest("authentication.authType: a non-empty array is required")
    for kind in types:
        if kind not in AUTH_TYPES:
            raise BadRequest(
                f"authentication.authType: {kind!r} is not one of {', '.join(AUTH_TYPES)}"
            )
    result: dict[str, Any] = {"authType": list(dict.fromkeys(types))}
    if BASIC in types:
        result["paramsBasic"] = _params(
            raw.get("paramsBasic"), "paramsBasic", ("userName", "password"), BASIC
        )
    if OAUTH2 in types:
        params = _params(
            raw.get("paramsOauth2ClientCredentials"),
            "paramsOauth2ClientCredentials",
            ("clientId", "clientPassword", "tokenEndpoint"),
            OAUTH2,
        )
        endpoint = urlsplit(params["tokenEndpoint"])
        if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
            raise BadRequest(
                "authentication.paramsOauth2ClientCredentials.tokenEndpoint: "
                "must be an absolute http or https URI"
            )
        result["paramsOauth2ClientCredentials"] = params
    return result


def _params(raw: Any, name: str, required: tuple[str, ...], kind: str) -> dict[str, str]:
    where = f"authentication.{name}"
    if not isinstance(raw, Mapping):
        raise BadRequest(f"{where}: required when authType includes {kind}")
    missing = [key for key in required if not isinstance(raw.get(key), str) or not raw.get(key)]
    if missing:
        raise BadRequest(f"{where}: {', '.join(missing)} required (non-empty strings)")
    return {key: raw[key] for key in required}


def fingerprint(callback_uri: str, filter_doc: dict[str, Any] | None, verbosity: str) -> str:
    text = json.dumps([callback_uri, canonical(filter_doc), verbosity], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ the callback check


def http_check(
    uri: str,
    authentication: Mapping[str, Any] | None,
    settings: NotifySettings,
    tokens: TokenCache,
) -> Outcome:
    """GET the callbackUri with the subscriber's credentials, as SOL013 describes."""
    return call(
        "GET",
        uri,
        credentials(authentication),
        tokens,
        settings,
        timeout=settings.subscription_check_timeout,
    )


def verify_callback(
    uri: str,
    authentication: Mapping[str, Any] | None,
    settings: NotifySettings,
    tokens: TokenCache,
) -> None:
    """422 unless the callbackUri answers the check with 204."""
    outcome = http_check(uri, authentication, settings, tokens)
    if outcome.status == CHECK_STATUS:
        return
    if outcome.status is None:
        why = outcome.describe()
    else:
        why = f"it answered {outcome.status} where {CHECK_STATUS} was expected"
    raise Unprocessable(
        f"callbackUri {safe_uri(uri)} failed the test GET: {why}; the subscription was not created"
    )


# ------------------------------------------------------------------ use cases


def find_identical(session: Session, normalised: Mapping[str, Any]) -> SubscriptionRow | None:
    digest = fingerprint(normalised["callbackUri"], normalised["filter"], normalised["verbosity"])
    candidates = session.scalars(
        select(SubscriptionRow)
        .where(SubscriptionRow.fingerprint == digest)
        .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
    )
    for row in candidates:  # a digest is only a pointer; compare what it stands for
        if (
            row.callback_uri == normalised["callbackUri"]
            and row.verbosity == normalised["verbosity"]
            and canonical(row.filter) == canonical(normalised["filter"])
        ):
            return row
    return None


def create_subscription(
    services: Services,
    request: Mapping[str, Any],
) -> tuple[SubscriptionRow, bool]:
    """The new subscription and True, or an identical existing one and False.

    The callbackUri check runs outside any database transaction: a slow subscriber
    must not hold the database's write lock.
    """
    settings = NotifySettings.of(services.settings)
    normalised = validate_request(request)
    if not settings.subscription_allow_duplicates:
        with services.reader() as session:
            existing = find_identical(session, normalised)
        if existing is not None:
            return existing, False
    if settings.subscription_check_callback:
        tokens = shared_tokens(services.extras)
        verify_callback(normalised["callbackUri"], normalised["authentication"], settings, tokens)
    with services.session() as session, session.begin():
        row = add_subscription(session, normalised)
    return row, True


def add_subscription(session: Session, normalised: Mapping[str, Any]) -> SubscriptionRow:
    """Insert a validated subscription and its match keys."""
    row = SubscriptionRow(
        id=str(uuid.uuid4()),
        callback_uri=normalised["callbackUri"],
        verbosity=normalised["verbosity"],
        filter=normalised["filter"],
        authentication=normalised["authentication"],
        fingerprint=fingerprint(
            normalised["callbackUri"], normalised["filter"], normalised["verbosity"]
        ),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    session.add_all(filter_key_rows(row.id, filter_keys(row.filter)))
    session.flush()
    return row


def get_subscription(session: Session, subscription_id: str) -> SubscriptionRow:
    row = session.get(SubscriptionRow, subscription_id)
    if row is None:
        raise NotFound(f"no subscription with id {subscription_id!r}")
    return row


def delete_subscription(session: Session, subscription_id: str) -> None:
    """Delete a subscription, its match keys and its queued and dead notifications."""
    row = get_subscription(session, subscription_id)
    session.execute(delete(OutboxRow).where(OutboxRow.subscription_id == row.id))
    session.execute(delete(SubscriptionKeyRow).where(SubscriptionKeyRow.subscription_id == row.id))
    session.delete(row)
    session.flush()


def subscription_doc(row: SubscriptionRow, self_href: str) -> dict[str, Any]:
    """LccnSubscription: what may be shown of a subscription (never its credentials)."""
    doc: dict[str, Any] = {"id": row.id}
    if row.filter:
        doc["filter"] = row.filter
    doc["callbackUri"] = row.callback_uri
    doc["verbosity"] = row.verbosity
    doc["_links"] = {"self": {"href": self_href}}
    return doc
