//! Settlement reconciliation (pure): the acquirer batch against the journal's card
//! payments, line by line, and the batch totals the 0500 carries.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;

use super::decision::{AmountError, to_minor};
use super::store::BatchLine;
use crate::acquirer::requests::Totals;

/// A card payment (or refund) as the journal recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalCardPayment {
    pub stan: u32,
    pub amount: Decimal,
    pub refund: bool,
}

/// One line of disagreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The acquirer approved it; no completed sale carries it.
    NotInJournal { stan: u32, amount: Decimal },
    /// A sale carries it; the acquirer batch does not.
    NotAtAcquirer { stan: u32, amount: Decimal },
    AmountDiffers {
        stan: u32,
        journal: Decimal,
        acquirer: Decimal,
    },
    /// Payment on one side, refund on the other.
    KindDiffers { stan: u32 },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInJournal { stan, amount } => {
                write!(
                    f,
                    "STAN {stan:06}: {amount} approved by the acquirer, not in the journal"
                )
            }
            Self::NotAtAcquirer { stan, amount } => {
                write!(
                    f,
                    "STAN {stan:06}: {amount} in the journal, not in the acquirer batch"
                )
            }
            Self::AmountDiffers {
                stan,
                journal,
                acquirer,
            } => write!(
                f,
                "STAN {stan:06}: journal says {journal}, acquirer batch says {acquirer}"
            ),
            Self::KindDiffers { stan } => {
                write!(
                    f,
                    "STAN {stan:06}: payment on one side, refund on the other"
                )
            }
        }
    }
}

/// Every difference between the batch and the journal, ordered by STAN.
pub fn reconcile(batch: &[BatchLine], journal: &[JournalCardPayment]) -> Vec<Mismatch> {
    let acquirer: BTreeMap<u32, &BatchLine> = batch.iter().map(|l| (l.stan, l)).collect();
    let recorded: BTreeMap<u32, &JournalCardPayment> =
        journal.iter().map(|j| (j.stan, j)).collect();
    let mut stans: Vec<u32> = acquirer.keys().chain(recorded.keys()).copied().collect();
    stans.sort_unstable();
    stans.dedup();
    stans
        .into_iter()
        .filter_map(|stan| match (acquirer.get(&stan), recorded.get(&stan)) {
            (Some(a), None) => Some(Mismatch::NotInJournal {
                stan,
                amount: a.amount,
            }),
            (None, Some(j)) => Some(Mismatch::NotAtAcquirer {
                stan,
                amount: j.amount,
            }),
            (Some(a), Some(j)) if a.refund != j.refund => Some(Mismatch::KindDiffers { stan }),
            (Some(a), Some(j)) if a.amount != j.amount => Some(Mismatch::AmountDiffers {
                stan,
                journal: j.amount,
                acquirer: a.amount,
            }),
            _ => None,
        })
        .collect()
}

/// The 0500 totals of a batch, in minor units.
pub fn totals(batch: &[BatchLine], exponent: u32) -> Result<Totals, AmountError> {
    let mut t = Totals::default();
    for line in batch {
        let minor = to_minor(line.amount, exponent)?;
        if line.refund {
            t.credits_count += 1;
            t.credits_amount += minor;
        } else {
            t.debits_count += 1;
            t.debits_amount += minor;
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::store::Channel;
    use rust_decimal_macros::dec;

    fn line(stan: u32, amount: Decimal, refund: bool) -> BatchLine {
        BatchLine {
            stan,
            transmitted: "1129093000".into(),
            refund,
            amount,
            auth_code: None,
            masked_pan: "476173******0119".into(),
            channel: Channel::Online,
        }
    }

    #[test]
    fn reports_each_difference_on_its_own_line() {
        let batch = [
            line(1, dec!(10), false),
            line(2, dec!(5), false),
            line(3, dec!(7), true),
            line(5, dec!(1), false),
        ];
        let journal = [
            JournalCardPayment {
                stan: 1,
                amount: dec!(10),
                refund: false,
            },
            JournalCardPayment {
                stan: 2,
                amount: dec!(5.5),
                refund: false,
            },
            JournalCardPayment {
                stan: 3,
                amount: dec!(7),
                refund: false,
            },
            JournalCardPayment {
                stan: 4,
                amount: dec!(3),
                refund: false,
            },
        ];
        let lines: Vec<String> = reconcile(&batch, &journal)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "STAN 000002: journal says 5.5, acquirer batch says 5",
                "STAN 000003: payment on one side, refund on the other",
                "STAN 000004: 3 in the journal, not in the acquirer batch",
                "STAN 000005: 1 approved by the acquirer, not in the journal",
            ]
        );
        assert!(reconcile(&batch[..1], &journal[..1]).is_empty());
    }

    #[test]
    fn totals_split_debits_and_credits() {
        let t = totals(
            &[
                line(1, dec!(10.50), false),
                line(2, dec!(2), true),
                line(3, dec!(1.25), false),
            ],
            2,
        )
        .unwrap();
        assert_eq!(
            t,
            Totals {
                debits_count: 2,
                debits_amount: 1175,
                credits_count: 1,
                credits_amount: 200
            }
        );
    }
}
