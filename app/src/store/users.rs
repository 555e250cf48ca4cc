//! Users and PIN login: argon2id hashes (never the PIN), a failure counter and a lockout
//! after repeated failures.

use super::values::{format_time, now_rfc3339, parse_time};
use super::{Store, StoreError, journal};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{OptionalExtension, params};
use time::{Duration, OffsetDateTime};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cashier,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "cashier" => Some(Role::Cashier),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// A user as listed (no hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub locked: bool,
}

/// The result of one PIN attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok(UserRow),
    WrongPin { attempts_left: u32 },
    Locked { until: String },
    UnknownUser,
}

fn hash_pin(pin: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash PIN: {e}")))
}

fn pin_matches(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A PIN is 4 to 8 digits.
pub(crate) fn check_pin_format(pin: &str) -> Result<(), StoreError> {
    if (4..=8).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StoreError::Invalid("a PIN is 4 to 8 digits".into()))
    }
}

impl Store {
    /// Adds a user with a PIN (stored as an argon2id hash).
    pub fn add_user(&mut self, name: &str, role: Role, pin: &str) -> Result<i64, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("empty user name".into()));
        }
        check_pin_format(pin)?;
        let hash = hash_pin(pin)?;
        let tx = self.conn.transaction()?;
        let exists: Option<i64> = tx
            .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::Refused(format!("user {name:?} already exists")));
        }
        tx.execute(
            "INSERT INTO users (name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), hash, now_rfc3339()],
        )?;
        let id = tx.last_insert_rowid();
        journal::append(
            &tx,
            "user_add",
            &serde_json::json!({"user_id": id, "name": name, "role": role}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every user.
    pub fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role, active, locked_until FROM users ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let role: String = r.get(2)?;
            let locked_until: Option<String> = r.get(4)?;
            let locked = match locked_until {
                Some(t) => parse_time(&t, "users.locked_until")? > now,
                None => false,
            };
            out.push(UserRow {
                id: r.get(0)?,
                name: r.get(1)?,
                role: Role::parse(&role).ok_or(StoreError::BadValue {
                    what: "users.role",
                    value: role,
                })?,
                active: r.get::<_, i64>(3)? != 0,
                locked,
            });
        }
        Ok(out)
    }

    /// One user by id.
    pub fn user(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        Ok(self.users()?.into_iter().find(|u| u.id == id))
    }

    /// Checks `pin` for user `name`; counts failures and locks the user for `lockout` after
    /// `max_attempts` consecutive failures. A locked user is refused without checking the PIN.
    pub fn login(
        &mut self,
        name: &str,
        pin: &str,
        max_attempts: u32,
        lockout: Duration,
    ) -> Result<LoginOutcome, StoreError> {
        let row: Option<(i64, String, String, i64, Option<String>, i64)> = self
            .conn
            .query_row(
                "SELECT id, role, pin_hash, failed_attempts, locked_until, active FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some((id, role, hash, failed, locked_until, active)) = row else {
            return Ok(LoginOutcome::UnknownUser);
        };
        if active == 0 {
            return Ok(LoginOutcome::UnknownUser);
        }
        let now = OffsetDateTime::now_utc();
        if let Some(until) = locked_until
            && parse_time(&until, "users.locked_until")? > now
        {
            return Ok(LoginOutcome::Locked { until });
        }
        let role = Role::parse(&role).ok_or(StoreError::BadValue {
            what: "users.role",
            value: role,
        })?;
        if pin_matches(pin, &hash) {
            self.conn.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                [id],
            )?;
            return Ok(LoginOutcome::Ok(UserRow {
                id,
                name: name.to_string(),
                role,
                active: true,
                locked: false,
            }));
        }
        let failed = failed + 1;
        let tx = self.conn.transaction()?;
        if failed >= i64::from(max_attempts) {
            let until = format_time(now + lockout);
            tx.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = ?1 WHERE id = ?2",
                params![until, id],
            )?;
            journal::append(
                &tx,
                "user_locked",
                &serde_json::json!({"user_id": id, "until": until}),
            )?;
            tx.commit()?;
            return Ok(LoginOutcome::Locked { until });
        }
        tx.execute(
            "UPDATE users SET failed_attempts = ?1 WHERE id = ?2",
            params![failed, id],
        )?;
        tx.commit()?;
        let left = i64::from(max_attempts) - failed;
        Ok(LoginOutcome::WrongPin {
            attempts_left: u32::try_from(left).unwrap_or(0),
        })
    }

    /// Finds the active, unlocked manager whose PIN this is (manager approval).
    pub fn manager_by_pin(&self, pin: &str) -> Result<Option<UserRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, pin_hash, locked_until FROM users
             WHERE role = 'manager' AND active = 1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let now = OffsetDateTime::now_utc();
        for (id, name, hash, locked_until) in rows {
            if let Some(t) = locked_until
                && parse_time(&t, "users.locked_until")? > now
            {
                continue;
            }
            if pin_matches(pin, &hash) {
                return Ok(Some(UserRow {
                    id,
                    name,
                    role: Role::Manager,
                    active: true,
                    locked: false,
                }));
            }
        }
        Ok(None)
    }
}
