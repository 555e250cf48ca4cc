//! HQ reports across stores and lanes: event counts and money totals per kind, summed as
//! `Decimal` in Rust (never in SQL), exported as CSV.

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stored event, reduced to what reports need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub store_id: String,
    pub lane_id: String,
    pub kind: String,
    /// The payload's `total` as text, when it has one.
    pub total: Option<String>,
}

/// One line of the report: a (store, lane, kind) group. `lane_id` is `*` in a per-store report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub store_id: String,
    pub lane_id: String,
    pub kind: String,
    pub events: u64,
    pub total: Decimal,
    /// Events whose payload had no readable `total`.
    pub without_total: u64,
}

/// The money total of an event payload as text: its `total`, or the `total` of the document
/// it wraps (the store writes a sale as `{"receipt_no", "created_at", "sale": {..., "total"}}`).
pub fn total_of(payload: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let as_text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let object = value.as_object()?;
    if let Some(total) = object.get("total") {
        return as_text(total);
    }
    object
        .values()
        .filter_map(|v| v.get("total"))
        .find_map(as_text)
}

/// Groups per store, lane and kind, sorted.
pub fn aggregate(rows: Vec<EventRow>) -> Vec<ReportRow> {
    let mut groups: BTreeMap<(String, String, String), ReportRow> = BTreeMap::new();
    for row in rows {
        let key = (row.store_id, row.lane_id, row.kind);
        let entry = groups.entry(key.clone()).or_insert_with(|| ReportRow {
            store_id: key.0,
            lane_id: key.1,
            kind: key.2,
            events: 0,
            total: Decimal::ZERO,
            without_total: 0,
        });
        entry.events += 1;
        match row.total.as_deref().map(str::parse::<Decimal>) {
            Some(Ok(total)) => entry.total += total,
            _ => entry.without_total += 1,
        }
    }
    groups.into_values().collect()
}

/// Folds a per-lane report into one line per store and kind.
pub fn by_store(rows: &[ReportRow]) -> Vec<ReportRow> {
    let mut groups: BTreeMap<(String, String), ReportRow> = BTreeMap::new();
    for row in rows {
        let entry = groups
            .entry((row.store_id.clone(), row.kind.clone()))
            .or_insert_with(|| ReportRow {
                lane_id: "*".into(),
                events: 0,
                total: Decimal::ZERO,
                without_total: 0,
                ..row.clone()
            });
        entry.events += row.events;
        entry.total += row.total;
        entry.without_total += row.without_total;
    }
    groups.into_values().collect()
}

/// CSV with a header line: store_id,lane_id,kind,events,total,without_total.
pub fn write_csv(rows: &[ReportRow], out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(store: &str, lane: &str, kind: &str, total: Option<&str>) -> EventRow {
        EventRow {
            store_id: store.into(),
            lane_id: lane.into(),
            kind: kind.into(),
            total: total.map(Into::into),
        }
    }

    #[test]
    fn totals_are_exact_decimals_per_group_and_per_store() {
        let rows = vec![
            row("s1", "l1", "sale", Some("0.10")),
            row("s1", "l1", "sale", Some("0.20")),
            row("s1", "l2", "sale", Some("1.05")),
            row("s1", "l2", "refund", Some("-1.05")),
            row("s2", "l3", "sale", None),
        ];
        let report = aggregate(rows);
        assert_eq!(report.len(), 4);
        assert_eq!(report[0].lane_id, "l1");
        assert_eq!(report[0].total.to_string(), "0.30", "no binary float drift");
        assert_eq!(report[3].without_total, 1);

        let stores = by_store(&report);
        let s1_sales = stores
            .iter()
            .find(|r| r.store_id == "s1" && r.kind == "sale")
            .unwrap();
        assert_eq!(
            (s1_sales.events, s1_sales.total.to_string()),
            (3, "1.35".to_string())
        );
    }

    #[test]
    fn totals_are_found_at_the_top_or_in_the_wrapped_document() {
        assert_eq!(total_of(r#"{"total":"1.50"}"#).as_deref(), Some("1.50"));
        let sale = r#"{"receipt_no":"R1","sale":{"total":"4.49","lines":[]}}"#;
        assert_eq!(total_of(sale).as_deref(), Some("4.49"));
        assert_eq!(total_of(r#"{"sku":"A"}"#), None);
        assert_eq!(total_of("not json"), None);
    }

    #[test]
    fn csv_has_a_header_and_one_line_per_group() {
        let report = aggregate(vec![row("s1", "l1", "sale", Some("2.50"))]);
        let mut out = Vec::new();
        write_csv(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "store_id,lane_id,kind,events,total,without_total\ns1,l1,sale,1,2.50,0\n"
        );
    }
}
