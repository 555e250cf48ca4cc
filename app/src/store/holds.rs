//! Held carts: parked as JSON, recalled (and removed) later on the same lane.

use super::values::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Parks a cart; returns the hold id.
    pub fn put_hold(
        &mut self,
        lane: &str,
        user_id: i64,
        label: &str,
        cart_json: &str,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO holds (lane_id, user_id, label, cart, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![lane, user_id, label, cart_json, now_rfc3339()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The lane's held carts: (id, label, created_at), oldest first.
    pub fn holds(&self, lane: &str) -> Result<Vec<(i64, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, label, created_at FROM holds WHERE lane_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([lane], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Takes a held cart out (removing the hold) in one transaction.
    pub fn take_hold(&mut self, id: i64) -> Result<Option<String>, StoreError> {
        let tx = self.conn.transaction()?;
        let cart: Option<String> = tx
            .query_row("SELECT cart FROM holds WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        tx.execute("DELETE FROM holds WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(cart)
    }
}
