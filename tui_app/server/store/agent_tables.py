"""The agents' tables: activity, OAuth clients, connection requests, key sessions and
their refresh tokens. In the schema's one metadata (db.metadata); apart from db.py so
that each module stays about one thing."""

from __future__ import annotations

import sqlalchemy as sa

from tui_app.server.store import db

# What agents did with their keys (verify, whoami, MCP tool calls), apart from the audit
# log of what people changed. Append-only, written in batches, pruned by age. The owner
# is kept with each entry so visibility needs no join, and survives the key's deletion.
activity = sa.Table(
    "activity",
    db.metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("at", db.Millis, nullable=False),
    sa.Column("key_id", db.bytewise_text(40), nullable=False),
    sa.Column("owner_id", sa.String(40), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # verify, whoami, mcp
    sa.Column("tool", sa.String(64)),
    sa.Column("code", sa.String(32), nullable=False),  # VALID or the refusal's code
    sa.Column("client", sa.String(100)),
    sa.Column("ip", sa.String(64)),
    sa.Column("session_id", sa.String(40)),
    sa.Index("ix_activity_key", "key_id", "seq"),
    sa.Index("ix_activity_owner", "owner_id", "seq"),
    sa.Index("ix_activity_key_at", "key_id", "at"),
    sa.Index("ix_activity_at", "at"),
)

# OAuth clients that registered themselves (public clients: no secret).
oauth_clients = sa.Table(
    "oauth_clients",
    db.metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("redirect_uris", sa.JSON, nullable=False),
    sa.Column("grant_types", sa.JSON, nullable=False),
    sa.Column("created_at", db.Millis, nullable=False),
)

# A client's request for access, waiting for a person's answer (device flow and
# authorization code flow alike), then its outcome. The device code and the
# authorization code are stored as HMAC digests, like every token.
connection_requests = sa.Table(
    "connection_requests",
    db.metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("user_code", sa.String(16), nullable=False, unique=True),
    sa.Column("flow", sa.String(8), nullable=False),  # device, code
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(32)),
    sa.Column("device_digest", sa.String(64), unique=True),
    sa.Column("redirect_uri", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("code_challenge", sa.String(128)),
    sa.Column("resource", sa.Text),
    sa.Column("created_at", db.Millis, nullable=False),
    sa.Column("expires_at", db.Millis, nullable=False),
    sa.Column("interval_s", sa.Integer, nullable=False),
    sa.Column("last_poll_at", db.Millis),
    sa.Column("status", sa.String(12), nullable=False),  # pending approved denied used
    sa.Column("user_id", sa.String(40)),
    sa.Column("key_id", sa.String(40)),
    sa.Column("decided_at", db.Millis),
    sa.Column("code_digest", sa.String(64), unique=True),
    sa.Column("code_expires_at", db.Millis),
    sa.Index("ix_connection_requests_expires", "expires_at"),
)

# Key sessions: what an approved connection holds. Each acts as its key (never more:
# `scope` may be narrower) until its access token expires; its refresh token (rotated
# on every use, each used once) makes a new access token until the session ends.
key_sessions = sa.Table(
    "key_sessions",
    db.metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("key_id", db.bytewise_text(40), sa.ForeignKey("keys.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("client_name", sa.String(200), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("access_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("access_expires_at", db.Millis, nullable=False),
    sa.Column("refresh_expires_at", db.Millis, nullable=False),
    sa.Column("created_at", db.Millis, nullable=False),
    sa.Column("last_used_at", db.Millis),
    sa.Column("revoked_at", db.Millis),
    sa.Index("ix_key_sessions_key", "key_id", "created_at"),
)

# Every refresh token a session was given; a used one presented again means it was
# stolen or replayed, and ends its session.
session_refresh = sa.Table(
    "session_refresh",
    db.metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(40),
              sa.ForeignKey("key_sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("used_at", db.Millis),
    sa.Index("ix_session_refresh_session", "session_id"),
)
