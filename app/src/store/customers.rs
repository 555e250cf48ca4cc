//! Customers: optional on a sale; the sale's transaction updates their totals and points.

use super::values::{now_rfc3339, parse_dec};
use super::{Store, StoreError, journal};
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;

type CustomerTuple = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
);

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub points: i64,
    pub total_spent: Decimal,
    pub visits: i64,
}

impl Store {
    /// Adds a customer; the id is the loyalty card number or any unique key.
    pub fn add_customer(
        &mut self,
        id: &str,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), StoreError> {
        if id.trim().is_empty() || name.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a customer needs an id and a name".into(),
            ));
        }
        if self.customer(id)?.is_some() {
            return Err(StoreError::Refused(format!("customer {id} already exists")));
        }
        let tx = self.conn.transaction()?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO customers (id, name, email, phone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, name, email, phone, now],
        )?;
        journal::append(&tx, "customer_add", &serde_json::json!({"customer_id": id}))?;
        tx.commit()?;
        Ok(())
    }

    /// One customer.
    pub fn customer(&self, id: &str) -> Result<Option<CustomerRow>, StoreError> {
        let row: Option<CustomerTuple> = self
            .conn
            .query_row(
                "SELECT id, name, email, phone, points, total_spent, visits FROM customers WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        row.map(|(id, name, email, phone, points, spent, visits)| {
            Ok(CustomerRow {
                id,
                name,
                email,
                phone,
                points,
                total_spent: parse_dec(&spent, "customers.total_spent")?,
                visits,
            })
        })
        .transpose()
    }

    /// The receipt numbers of a customer's sales and refunds, newest first.
    pub fn customer_history(&self, id: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT receipt_no FROM sales WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![id, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }
}
