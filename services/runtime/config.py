"""Configuration: read once from the environment at start-up into a typed, frozen object.

Nothing else in linli reads os.environ. docs/configuration.md lists every variable.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.runtime.auth import Quota, TokenPolicy
from services.runtime.env import ConfigError, boolean, duration, integer, parse_duration, positive, secret
from services.runtime.tls_settings import TemporalTls, TlsSettings, temporal_tls, tls_settings
from services.runtime.token_keys import BadKey, KeySet, SigningKey, parse_key_set, parse_signing_key

# Fixed default ports of the local run (the README lists them).
GRPC_PORTS = {"registry": 50051, "wishes": 50052, "dispatch": 50053}
METRICS_PORTS = {"registry": 9101, "wishes": 9102, "dispatch": 9103, "worker": 9104}
# Only these hold personal data, so only they need the encryption and look-up keys.
SERVICES_WITH_PERSONAL_DATA = frozenset({"registry", "wishes", "dispatch"})
# These call other services, so they sign their own (service-only) tokens; the registry signs only when it issues
# calling systems' credentials.
SIGNING_PROCESSES = frozenset({"wishes", "dispatch", "worker"})


@dataclass(frozen=True)
class WishLimits:
    """How long a wish may wait in a state before its lifecycle reminds someone, then escalates."""

    review: timedelta  # submitted, not yet reviewed
    publish: timedelta  # approved, not yet on the wall
    claim: timedelta  # published, nobody has claimed it
    # Claimed and past its deadline: the claimant is reminded at the deadline, and after this grace the wish is
    # escalated and reopened for claiming.
    overdue_grace: timedelta = timedelta(hours=48)
    confirm: timedelta = timedelta(days=7)  # fulfilled, not confirmed: then closed as confirmed by default
    # How much later than its current deadline a claimant may move a claim's deadline (once, before it lapses).
    extension: timedelta = timedelta(days=7)
    # Overrides per category (the wish categories' names, e.g. "medical_care"): {category: {limit name: duration}}.
    by_category: dict[str, dict[str, timedelta]] = field(default_factory=dict)
    max_open_claims: int = 5  # claimed wishes one member may hold at once
    escalate_to: str = "district"  # the highest org level an unanswered wish is escalated to
    claim_notice: timedelta = timedelta(hours=24)  # how long before a claim's deadline the claimant is told
    recommended_per_day: int = 3  # "a wish near you" notices one member gets a day at most
    # The service standard's time limit (服务时限) of each category: the deadline an approval without one gets.
    deadlines: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))


# The org levels above a community that a wish's escalation may stop at.
ESCALATION_LEVELS = ("street", "district", "city")


# Each category's standard time limit (服务时限) from approval, as the field runs it: care and mediation cannot wait,
# legal aid and help out of poverty take longer; LINLI_WISH_CATEGORY_DEADLINES overrides any of them.
DEFAULT_DEADLINES: dict[str, timedelta] = {
    "policy_publicity": timedelta(days=7),
    "legal_aid": timedelta(days=14),
    "medical_care": timedelta(days=3),
    "poverty_relief": timedelta(days=14),
    "convenience": timedelta(days=7),
    "culture": timedelta(days=14),
    "security_mediation": timedelta(days=3),
    "environment": timedelta(days=7),
}


def parse_category_deadlines(name: str, text: str) -> dict[str, timedelta]:
    """'medical_care=3d;legal_aid=14d' -> the defaults with those two replaced; each at least an hour."""
    deadlines = dict(DEFAULT_DEADLINES)
    for item in filter(None, (part.strip() for part in text.split(";"))):
        category, eq, value = item.partition("=")
        category = category.strip()
        if not eq or category not in DEFAULT_DEADLINES:
            raise ConfigError(
                f"{name}: '{item}' must be CATEGORY=DURATION, CATEGORY one of {', '.join(DEFAULT_DEADLINES)}"
            )
        deadline = parse_duration(name, value)
        if deadline < timedelta(hours=1):
            raise ConfigError(f"{name}: {category}'s deadline must be an hour or more")
        deadlines[category] = deadline
    return deadlines


WISH_LIMIT_NAMES = ("review", "publish", "claim", "overdue_grace", "confirm", "extension", "claim_notice")


def parse_category_limits(name: str, text: str) -> dict[str, dict[str, timedelta]]:
    """'medical_care:claim=24h,confirm=3d;legal_aid:review=12h' -> {'medical_care': {'claim': ..., ...}, ...}."""
    limits: dict[str, dict[str, timedelta]] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        category, sep, settings = item.partition(":")
        category = category.strip()
        if not sep or not re.fullmatch(r"[a-z_]+", category):
            raise ConfigError(f"{name}: each entry is CATEGORY:LIMIT=DURATION[,LIMIT=DURATION...], separated by ;")
        for setting in filter(None, (s.strip() for s in settings.split(","))):
            limit, eq, text_value = setting.partition("=")
            if not eq or limit.strip() not in WISH_LIMIT_NAMES:
                raise ConfigError(
                    f"{name}: '{setting}' must be LIMIT=DURATION, LIMIT one of {', '.join(WISH_LIMIT_NAMES)}"
                )
            limits.setdefault(category, {})[limit.strip()] = parse_duration(name, text_value)
    return limits


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept once it is no longer needed; then the worker's Schedule erases it."""

    resident_months: int = 12  # residents' names and contacts, after their wish closed (in any closing state)
    deregistered_months: int = 24  # a deregistered member's name, phone and ID number
    alert_address_days: int = 30  # a closed alert's address and device id


@dataclass(frozen=True)
class AlertSettings:
    """Emergency dispatch: how long each party called has to acknowledge, and where notices go."""

    ack_timeout: timedelta = timedelta(seconds=60)  # each on-duty volunteer called
    staff_timeout: timedelta = timedelta(minutes=5)  # community staff, before the street is called
    webhook_url: str = ""  # the SMS / app-push gateway; empty: notices go to the log only


def _alert_settings(env: Mapping[str, str]) -> AlertSettings:
    url = env.get("LINLI_NOTIFY_WEBHOOK_URL", "").strip()
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError("LINLI_NOTIFY_WEBHOOK_URL: must be an http:// or https:// URL")
    return AlertSettings(
        ack_timeout=duration(env, "LINLI_ALERT_ACK_TIMEOUT", "60s"),
        staff_timeout=duration(env, "LINLI_ALERT_STAFF_TIMEOUT", "5m"),
        webhook_url=url,
    )


# libpq's sslmode values, which asyncpg reads from DATABASE_URL (with sslrootcert, sslcert, sslkey).
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _database_url(env: Mapping[str, str]) -> str | None:
    """DATABASE_URL, its TLS parameters checked: a known sslmode, and a CA file that can be read."""
    url = env.get("DATABASE_URL") or None
    if url is None:
        return None
    query = parse_qs(urlsplit(url).query)
    mode = query.get("sslmode", [""])[-1]
    if mode and mode not in SSL_MODES:
        raise ConfigError(f"DATABASE_URL: sslmode '{mode}' must be one of {', '.join(SSL_MODES)}")
    for parameter, path in ((p, path) for p in ("sslrootcert", "sslcert", "sslkey") for path in query.get(p, [])):
        if not os.access(path, os.R_OK):
            raise ConfigError(f"DATABASE_URL: {parameter} {path} cannot be read")
    return url


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str | None
    db_pool_max: int
    temporal_address: str
    temporal_namespace: str
    task_queue: str
    grpc_host: str
    grpc_port: int
    metrics_host: str
    metrics_port: int
    registry_address: str
    wishes_address: str
    dispatch_address: str
    # The public keys every token is verified with, and what a token must carry besides (issuer, audience, lifetime).
    token_keys: KeySet
    token_policy: TokenPolicy
    # This process's own private key: service-only for the services and the worker; None where nothing is signed.
    signing_key: SigningKey | None = field(repr=False)
    # What one calling system may ask of each replica unless its credential says otherwise.
    system_quota: Quota
    # How often every service reads the revoked tokens (a revoked credential is refused within a minute).
    revocation_refresh: timedelta
    # Encryption keys for personal data at rest by key id; the active one encrypts, all decrypt.
    # Empty for processes that hold no personal data.
    data_keys: dict[str, bytes] = field(repr=False)
    active_data_key: str
    lookup_key: bytes = field(repr=False)
    shutdown_grace: timedelta
    log_level: str
    outbox_poll_interval: timedelta
    wish_limits: WishLimits
    # How long the answer of an idempotent write is kept for retries with the same request id.
    request_retention: timedelta = timedelta(days=30)
    # The parent org's time to approve a proposed activity before a reminder, and again before an escalation.
    activity_approval_limit: timedelta = timedelta(hours=48)
    # A care pair's visit missed: after its carers are reminded, how long before the unit's office is told.
    care_grace: timedelta = timedelta(hours=24)
    # The deployment's local time (an IANA zone name): duty rosters' days and hours, the daily digest's hour, where
    # report weeks and years begin and when report schedules run.
    timezone: str = "Asia/Shanghai"
    alerts: AlertSettings = field(default_factory=AlertSettings)
    retention: Retention = field(default_factory=Retention)
    tls: TlsSettings = field(default_factory=TlsSettings)
    temporal_tls: TemporalTls = field(default_factory=TemporalTls)
    # A plaintext port serving the health check alone (0: none), for probes that cannot speak TLS (Kubernetes').
    health_port: int = 0
    # The units whose weekly and yearly report Schedules the registry keeps: ids, or name paths from the root.
    report_units: tuple[str, ...] = ()
    # Whether the outbox sets linli's search attributes on the workflows it starts (registered on the cluster first).
    search_attributes: bool = False
    # Emergency dispatch's own task queue, so imports, reports and notices queued on task_queue never delay an alert.
    emergency_task_queue: str = "linli-emergency"
    # Which queues this worker serves: "all" (both), "emergency" (only emergency_task_queue) or "bulk" (task_queue).
    worker_queues: str = "all"
    # A service closes each client connection after this long (calls in flight finish), so clients resolve its
    # replicas again and reach ones added since they connected; zero: never.
    grpc_max_connection_age: timedelta = timedelta(minutes=5)


def parse_data_keys(name: str, text: str) -> tuple[dict[str, bytes], str]:
    """'k2:BASE64,k1:BASE64' -> ({'k2': ..., 'k1': ...}, 'k2'): the first key encrypts, all decrypt."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", key_id):
            raise ConfigError(f"{name}: each key is KEY_ID:BASE64, key ids are letters, digits, _ or -")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ConfigError(f"{name}: key {key_id} is not valid base64") from exc
        if len(key) != 32:
            raise ConfigError(f"{name}: key {key_id} must be 32 bytes (AES-256), got {len(key)}")
        keys[key_id] = key
    if not keys:
        raise ConfigError(f"{name}: no keys given")
    return keys, next(iter(keys))


def _revocation_refresh(env: Mapping[str, str]) -> timedelta:
    every = duration(env, "LINLI_REVOCATION_REFRESH", "10s")
    if not timedelta(seconds=1) <= every <= timedelta(seconds=30):
        raise ConfigError("LINLI_REVOCATION_REFRESH: must lie between 1s and 30s (revoked tokens go within a minute)")
    return every


def _system_quota(env: Mapping[str, str]) -> Quota:
    name = "LINLI_SYSTEM_CALLS_PER_SECOND"
    raw = env.get(name) or "50"
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: '{raw}' is not a number of calls a second") from None
    if not 0 < rate <= 10_000:
        raise ConfigError(f"{name}: must lie above 0 and at most 10000, got {raw}")
    return Quota(rate, positive(env, "LINLI_SYSTEM_BURST", 100), positive(env, "LINLI_SYSTEM_MAX_STREAMS", 2))


def _escalation_level(env: Mapping[str, str]) -> str:
    level = env.get("LINLI_WISH_ESCALATE_TO") or "district"
    if level not in ESCALATION_LEVELS:
        raise ConfigError(f"LINLI_WISH_ESCALATE_TO: '{level}' must be one of {', '.join(ESCALATION_LEVELS)}")
    return level


def _data_keys(env: Mapping[str, str]) -> tuple[dict[str, bytes], str]:
    text = secret(env, "LINLI_DATA_KEYS")
    if not text:
        raise ConfigError("LINLI_DATA_KEYS (or LINLI_DATA_KEYS_FILE) is required: KEY_ID:BASE64[,KEY_ID:BASE64...]")
    return parse_data_keys("LINLI_DATA_KEYS", text)


def _lookup_key(env: Mapping[str, str]) -> bytes:
    text = secret(env, "LINLI_LOOKUP_KEY")
    if not text:
        raise ConfigError("LINLI_LOOKUP_KEY (or LINLI_LOOKUP_KEY_FILE) is required: 32 bytes or more, base64")
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ConfigError("LINLI_LOOKUP_KEY is not valid base64") from exc
    if len(key) < 32:
        raise ConfigError("LINLI_LOOKUP_KEY must be at least 32 bytes")
    return key


# One time zone for the whole deployment; a variable that once set part of it stops the start, naming its successor.
RENAMED = {"LINLI_DUTY_TIMEZONE": "LINLI_TIMEZONE", "LINLI_REPORT_TIMEZONE": "LINLI_TIMEZONE"}


def _timezone(env: Mapping[str, str]) -> str:
    for old, new in RENAMED.items():
        if old in env:
            raise ConfigError(f"{old}: renamed to {new}; set {new} instead (one time zone for every process)")
    zone = env.get("LINLI_TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"LINLI_TIMEZONE: '{zone}' is not a time zone name such as Asia/Shanghai") from exc
    return zone


def _report_units(env: Mapping[str, str]) -> tuple[str, ...]:
    """'陕西省/宝鸡市/金台区,42' -> each unit by its id or by the names of its path from the root."""
    units = []
    for entry in filter(None, (part.strip() for part in env.get("LINLI_REPORT_UNITS", "").split(","))):
        names = [name.strip() for name in entry.split("/")]
        if not entry.isdigit() and not all(names):
            raise ConfigError(f"LINLI_REPORT_UNITS: '{entry}' must be an org unit id or a path of names such as A/B/C")
        units.append(entry if entry.isdigit() else "/".join(names))
    return tuple(dict.fromkeys(units))


WORKER_QUEUES = ("all", "emergency", "bulk")


def _task_queues(env: Mapping[str, str]) -> tuple[str, str, str]:
    """The general task queue, the emergency one (never the same: that would put alerts back behind the bulk), and
    which of them this worker serves."""
    general = env.get("LINLI_TASK_QUEUE") or "linli"
    # Derived by default, so every deployment (or test platform) with a queue of its own has its own emergency queue.
    emergency = env.get("LINLI_EMERGENCY_TASK_QUEUE") or f"{general}-emergency"
    if emergency == general:
        raise ConfigError(f"LINLI_EMERGENCY_TASK_QUEUE: must differ from LINLI_TASK_QUEUE ('{general}')")
    serves = env.get("LINLI_WORKER_QUEUES") or "all"
    if serves not in WORKER_QUEUES:
        raise ConfigError(f"LINLI_WORKER_QUEUES: '{serves}' must be one of {', '.join(WORKER_QUEUES)}")
    return general, emergency, serves


def _token_keys(env: Mapping[str, str], service: str) -> tuple[KeySet, SigningKey | None]:
    retired = "LINLI_AUTH_SECRET"
    if retired in env or f"{retired}_FILE" in env:
        raise ConfigError(
            "LINLI_AUTH_SECRET: replaced by LINLI_TOKEN_KEYS (public keys) and LINLI_SIGNING_KEY (this process's "
            "private key); see docs/upgrades.md"
        )
    text = secret(env, "LINLI_TOKEN_KEYS")
    if not text:
        raise ConfigError("LINLI_TOKEN_KEYS (or LINLI_TOKEN_KEYS_FILE) is required: the public keys of tokens (JWKS)")
    try:
        keys = parse_key_set(text)
    except BadKey as exc:
        raise ConfigError(f"LINLI_TOKEN_KEYS: {exc}") from exc
    text = secret(env, "LINLI_SIGNING_KEY")
    if not text:
        if service in SIGNING_PROCESSES:
            raise ConfigError(f"LINLI_SIGNING_KEY (or LINLI_SIGNING_KEY_FILE) is required: {service} calls services")
        return keys, None
    try:
        signing = parse_signing_key(text)
    except BadKey as exc:
        raise ConfigError(f"LINLI_SIGNING_KEY: {exc}") from exc
    public = keys.get(signing.kid)
    if public is None or public.key.public_bytes_raw() != signing.public.key.public_bytes_raw():
        raise ConfigError(f"LINLI_SIGNING_KEY: key {signing.kid} is not in LINLI_TOKEN_KEYS, so no one would trust it")
    if service in SIGNING_PROCESSES and public.roles != {"service"}:
        raise ConfigError(
            f"LINLI_SIGNING_KEY: {service} signs only as service; key {signing.kid} may sign for "
            f"{', '.join(sorted(public.roles))}"
        )
    # What the key may sign for is what the public key set says, not what the private copy claims.
    return keys, SigningKey(signing.kid, public.roles, signing.key)


def load_settings(service: str, env: Mapping[str, str] | None = None) -> Settings:
    """Reads the settings of one process: 'registry', 'wishes', 'dispatch' or 'worker'."""
    env = os.environ if env is None else env

    token_keys, signing_key = _token_keys(env, service)
    task_queue, emergency_task_queue, worker_queues = _task_queues(env)
    data_keys: dict[str, bytes] = {}
    active, lookup_key = "", b""
    if service in SERVICES_WITH_PERSONAL_DATA:
        data_keys, active = _data_keys(env)
        lookup_key = _lookup_key(env)

    return Settings(
        service=service,
        database_url=_database_url(env),
        db_pool_max=integer(env, "LINLI_DB_POOL_MAX", 10),
        temporal_address=env.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
        temporal_namespace=env.get("TEMPORAL_NAMESPACE", "default"),
        task_queue=task_queue,
        emergency_task_queue=emergency_task_queue,
        worker_queues=worker_queues,
        grpc_host=env.get("LINLI_GRPC_HOST", "127.0.0.1"),
        grpc_port=integer(env, "LINLI_GRPC_PORT", GRPC_PORTS.get(service, 0)),
        metrics_host=env.get("LINLI_METRICS_HOST", "127.0.0.1"),
        metrics_port=integer(env, "LINLI_METRICS_PORT", METRICS_PORTS[service]),
        registry_address=env.get("LINLI_REGISTRY_ADDRESS", f"127.0.0.1:{GRPC_PORTS['registry']}"),
        wishes_address=env.get("LINLI_WISHES_ADDRESS", f"127.0.0.1:{GRPC_PORTS['wishes']}"),
        dispatch_address=env.get("LINLI_DISPATCH_ADDRESS", f"127.0.0.1:{GRPC_PORTS['dispatch']}"),
        token_keys=token_keys,
        token_policy=TokenPolicy(
            issuer=env.get("LINLI_TOKEN_ISSUER") or "linli",
            audience=env.get("LINLI_TOKEN_AUDIENCE") or "linli",
            max_lifetime_seconds=int(duration(env, "LINLI_TOKEN_MAX_LIFETIME", "400d").total_seconds()),
        ),
        signing_key=signing_key,
        system_quota=_system_quota(env),
        revocation_refresh=_revocation_refresh(env),
        data_keys=data_keys,
        active_data_key=active,
        lookup_key=lookup_key,
        shutdown_grace=duration(env, "LINLI_SHUTDOWN_GRACE", "10s"),
        log_level=env.get("LINLI_LOG_LEVEL", "INFO").upper(),
        outbox_poll_interval=duration(env, "LINLI_OUTBOX_POLL", "2s"),
        request_retention=duration(env, "LINLI_REQUEST_RETENTION", "30d"),
        activity_approval_limit=duration(env, "LINLI_ACTIVITY_APPROVAL_LIMIT", "48h"),
        care_grace=duration(env, "LINLI_CARE_GRACE", "24h"),
        timezone=_timezone(env),
        alerts=_alert_settings(env),
        retention=Retention(
            resident_months=positive(env, "LINLI_RETAIN_RESIDENT_MONTHS", 12),
            deregistered_months=positive(env, "LINLI_RETAIN_DEREGISTERED_MONTHS", 24),
            alert_address_days=positive(env, "LINLI_RETAIN_ALERT_ADDRESS_DAYS", 30),
        ),
        tls=tls_settings(env),
        temporal_tls=temporal_tls(env),
        health_port=integer(env, "LINLI_HEALTH_PORT", 0),
        grpc_max_connection_age=duration(env, "LINLI_GRPC_MAX_CONNECTION_AGE", "5m"),
        report_units=_report_units(env),
        search_attributes=bool(boolean(env, "LINLI_SEARCH_ATTRIBUTES", False)),
        wish_limits=WishLimits(
            review=duration(env, "LINLI_WISH_REVIEW_LIMIT", "48h"),
            publish=duration(env, "LINLI_WISH_PUBLISH_LIMIT", "24h"),
            claim=duration(env, "LINLI_WISH_CLAIM_LIMIT", "72h"),
            overdue_grace=duration(env, "LINLI_WISH_OVERDUE_GRACE", "48h"),
            confirm=duration(env, "LINLI_WISH_CONFIRM_LIMIT", "7d"),
            extension=duration(env, "LINLI_WISH_MAX_EXTENSION", "7d"),
            by_category=parse_category_limits("LINLI_WISH_CATEGORY_LIMITS", env.get("LINLI_WISH_CATEGORY_LIMITS", "")),
            max_open_claims=positive(env, "LINLI_WISH_MAX_OPEN_CLAIMS", 5),
            escalate_to=_escalation_level(env),
            claim_notice=duration(env, "LINLI_WISH_CLAIM_NOTICE", "24h"),
            recommended_per_day=positive(env, "LINLI_WISH_RECOMMENDED_PER_DAY", 3),
            deadlines=parse_category_deadlines(
                "LINLI_WISH_CATEGORY_DEADLINES", env.get("LINLI_WISH_CATEGORY_DEADLINES", "")
            ),
        ),
    )


def settings_or_exit(service: str) -> Settings:
    """The settings of this process; a mistake in them is one line on stderr naming the variable, and exit code 2."""
    try:
        settings = load_settings(service)
        if service != "worker" and not settings.database_url:
            raise ConfigError("DATABASE_URL is required: postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    except ConfigError as error:
        print(f"linli {service}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    return settings
