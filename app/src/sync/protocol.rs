//! The sync protocol's wire types (serde JSON) and the pure checks both ends apply to them.
//!
//! Push: a lane sends its outbox in `seq` order as a [`PushBatch`]; HQ applies the whole batch
//! in one transaction or nothing, and answers with one [`EventAck`] per event. Pull: a lane
//! asks for catalog changes after the last version it applied and gets a [`PullResponse`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Most events one batch may carry; bigger batches are refused as malformed.
pub const MAX_BATCH_EVENTS: usize = 5_000;
/// Most changes one pull returns.
pub const MAX_PULL_CHANGES: usize = 5_000;
/// Longest event kind accepted.
const MAX_KIND_LEN: usize = 64;

/// One outbox row on the wire. The payload travels byte for byte as the lane stored it: no
/// parse into a tree and back, and a redelivery is identical to the first delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxEvent {
    /// The lane's delivery order (outbox.seq).
    pub seq: i64,
    /// The idempotency key (outbox.event_id).
    pub event_id: Uuid,
    pub kind: String,
    pub payload: Box<RawValue>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl PartialEq for OutboxEvent {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
            && self.event_id == other.event_id
            && self.kind == other.kind
            && self.payload.get() == other.payload.get()
            && self.created_at == other.created_at
    }
}

/// Checks that `text` is JSON and wraps it for the wire without re-encoding it.
pub fn raw_payload(text: String) -> Result<Box<RawValue>, ProtocolError> {
    RawValue::from_string(text).map_err(|e| {
        bad(format!(
            "payload is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

/// What a lane pushes in one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushBatch {
    pub lane_id: String,
    pub events: Vec<OutboxEvent>,
}

/// HQ's verdict on one event of an accepted batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Stored now.
    Applied,
    /// Already stored by an earlier delivery of the same event: nothing changed.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAck {
    pub event_id: Uuid,
    pub status: AckStatus,
}

/// HQ's answer to an accepted batch: one ack per event, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    pub acks: Vec<EventAck>,
}

/// Why HQ refused a request; sent as the JSON body of every non-2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not a valid batch (JSON, order, limits, fields).
    Malformed,
    /// No lane has this token.
    Unauthorized,
    /// The lane's token was revoked.
    Revoked,
    /// The batch names another lane than the token's, or an event already belongs to another lane.
    ForeignEvent,
    /// An event id already stored with different content, or a seq reused with another id.
    Conflict,
    /// HQ could not complete the request (database down); retry later.
    Unavailable,
    /// A bug or unexpected state at HQ; retry later.
    Internal,
}

impl ErrorCode {
    /// Whether resending the same request unchanged can ever succeed.
    pub fn is_permanent(self) -> bool {
        !matches!(self, ErrorCode::Unavailable | ErrorCode::Internal)
    }
}

/// The body of every refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// The one event refused for what it is (its content, or a clash with what HQ holds);
    /// absent when the refusal concerns the request or the lane. A lane parks that event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Uuid>,
}

/// A catalog change, numbered by HQ in commit order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub version: i64,
    pub body: ChangeBody,
}

/// What changed. Prices and rates are canonical decimal strings on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChangeBody {
    /// A new or edited item (everything but the lane-local stock).
    Item(ItemChange),
    /// Only the price of an existing item.
    Price { sku: String, price: Decimal },
    /// The rate of a tax class in percent (20 for 20 %), as `[tax] rates` has it.
    TaxRate { tax_class: String, percent: Decimal },
    /// A user who may log in at the lanes.
    User(UserChange),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemChange {
    pub sku: String,
    /// Normalised 13 or 14 digits, or none.
    pub gtin: Option<String>,
    pub name: String,
    pub category: String,
    pub price: Decimal,
    pub tax_class: String,
    /// `each` or `kg`.
    pub unit: String,
    pub active: bool,
}

/// A user as HQ publishes it: the PIN only as a password hash (PHC string), never in clear.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// The login name (unique at every lane).
    pub name: String,
    /// `cashier` or `manager`.
    pub role: String,
    pub pin_hash: String,
    pub active: bool,
}

impl std::fmt::Debug for UserChange {
    // The hash is not the PIN, but it is still nothing a log needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("pin_hash", &"<redacted>")
            .field("active", &self.active)
            .finish()
    }
}

/// HQ's answer to a pull: the changes after the lane's version, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// The newest version HQ has; more changes wait when it is above the last one returned.
    pub latest_version: i64,
}

impl PullResponse {
    /// The version the lane holds after applying this response.
    pub fn applied_version(&self, since: i64) -> i64 {
        self.changes.last().map_or(since, |c| c.version)
    }

    /// Whether another pull is needed to catch up.
    pub fn has_more(&self, since: i64) -> bool {
        self.applied_version(since) < self.latest_version
    }
}

/// A batch or pull that breaks the protocol; the message says which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProtocolError(pub String);

fn bad(msg: impl Into<String>) -> ProtocolError {
    ProtocolError(msg.into())
}

/// A lane or user id: 1-64 characters of `[A-Za-z0-9_.-]`.
pub fn validate_id(what: &str, id: &str) -> Result<(), ProtocolError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "{what} must be 1-64 characters of A-Z a-z 0-9 _ . -"
        )))
    }
}

impl PushBatch {
    /// Everything HQ checks before touching its database: one bad event refuses the batch.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        self.validate_events().map_err(|(_, e)| e)
    }

    /// [`PushBatch::validate`], naming the event whose own content is refused (kind, payload,
    /// time); order and limit errors name none.
    pub fn validate_events(&self) -> Result<(), (Option<Uuid>, ProtocolError)> {
        let batch = |e: ProtocolError| (None, e);
        validate_id("lane_id", &self.lane_id).map_err(batch)?;
        if self.events.is_empty() {
            return Err(batch(bad("batch has no events")));
        }
        if self.events.len() > MAX_BATCH_EVENTS {
            return Err(batch(bad(format!(
                "batch has {} events, at most {MAX_BATCH_EVENTS} allowed",
                self.events.len()
            ))));
        }
        let mut seen = HashSet::with_capacity(self.events.len());
        let mut previous_seq = 0_i64;
        for event in &self.events {
            let at = format!("event seq {}", event.seq);
            if event.seq <= previous_seq {
                return Err(batch(bad(format!(
                    "{at}: seq must be positive and strictly increasing"
                ))));
            }
            previous_seq = event.seq;
            if !seen.insert(event.event_id) {
                return Err(batch(bad(format!(
                    "{at}: event_id {} repeated",
                    event.event_id
                ))));
            }
            let refused = |e: ProtocolError| (Some(event.event_id), e);
            let kind_ok = !event.kind.is_empty()
                && event.kind.len() <= MAX_KIND_LEN
                && event
                    .kind
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_');
            if !kind_ok {
                return Err(refused(bad(format!(
                    "{at}: kind must be 1-64 characters of a-z and _"
                ))));
            }
            if !event.payload.get().trim_start().starts_with('{') {
                return Err(refused(bad(format!("{at}: payload must be a JSON object"))));
            }
            if OffsetDateTime::parse(&event.created_at, &Rfc3339).is_err() {
                return Err(refused(bad(format!("{at}: created_at is not RFC 3339"))));
            }
        }
        Ok(())
    }

    pub fn event_ids(&self) -> Vec<Uuid> {
        self.events.iter().map(|e| e.event_id).collect()
    }
}

impl PushAck {
    /// A lane trusts an ack only when it answers exactly the events it sent, in order.
    pub fn matches(&self, sent: &PushBatch) -> bool {
        self.acks.len() == sent.events.len()
            && self
                .acks
                .iter()
                .zip(&sent.events)
                .all(|(a, e)| a.event_id == e.event_id)
    }
}

impl ChangeBody {
    /// The checks a lane applies before writing a change into its store.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        match self {
            ChangeBody::Item(item) => {
                validate_sku(&item.sku)?;
                if let Some(gtin) = &item.gtin {
                    let digits = gtin.bytes().all(|b| b.is_ascii_digit());
                    if !digits || !(gtin.len() == 13 || gtin.len() == 14) {
                        return Err(bad(format!(
                            "item {}: gtin must be 13 or 14 digits",
                            item.sku
                        )));
                    }
                }
                if item.name.trim().is_empty() {
                    return Err(bad(format!("item {}: name is empty", item.sku)));
                }
                if item.unit != "each" && item.unit != "kg" {
                    return Err(bad(format!("item {}: unit must be each or kg", item.sku)));
                }
                validate_price(&item.sku, item.price)
            }
            ChangeBody::Price { sku, price } => {
                validate_sku(sku)?;
                validate_price(sku, *price)
            }
            ChangeBody::TaxRate { tax_class, percent } => {
                if tax_class.trim().is_empty() {
                    return Err(bad("tax rate: tax_class is empty"));
                }
                if percent.is_sign_negative() || *percent >= Decimal::ONE_HUNDRED {
                    return Err(bad(format!(
                        "tax class {tax_class}: percent must be in [0, 100)"
                    )));
                }
                Ok(())
            }
            ChangeBody::User(user) => {
                validate_id("user name", &user.name)?;
                if user.role != "cashier" && user.role != "manager" {
                    return Err(bad(format!(
                        "user {}: role must be cashier or manager",
                        user.name
                    )));
                }
                if !user.pin_hash.starts_with("$argon2") {
                    return Err(bad(format!(
                        "user {}: pin_hash must be an argon2 PHC hash",
                        user.name
                    )));
                }
                Ok(())
            }
        }
    }
}

fn validate_sku(sku: &str) -> Result<(), ProtocolError> {
    if sku.trim().is_empty() || sku.len() > 64 {
        return Err(bad("sku must be 1-64 characters"));
    }
    Ok(())
}

fn validate_price(sku: &str, price: Decimal) -> Result<(), ProtocolError> {
    if price.is_sign_negative() {
        return Err(bad(format!("item {sku}: price is negative")));
    }
    Ok(())
}

impl PullResponse {
    /// Versions must rise strictly, start after `since` and not pass `latest_version`; every
    /// change must be valid. A lane applies nothing from a response that fails this.
    pub fn validate(&self, since: i64) -> Result<(), ProtocolError> {
        let mut previous = since;
        for change in &self.changes {
            if change.version <= previous {
                return Err(bad(format!(
                    "change version {} does not follow {previous}",
                    change.version
                )));
            }
            previous = change.version;
            change.body.validate()?;
        }
        if previous > self.latest_version {
            return Err(bad(format!(
                "change version {previous} is above latest_version {}",
                self.latest_version
            )));
        }
        Ok(())
    }
}

/// Replaces every run of 12 or more digits with `[digits]`: an error text that quotes a
/// request must never carry a card number into a log or the database.
pub fn redact_long_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 12 {
            out.push_str("[digits]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(ch);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests;
