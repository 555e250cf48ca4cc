//! Application selection (EMV Book 1 12): the PSE directory, then the terminal's list of AIDs
//! with partial selection; candidates ordered by priority; the cardholder chooses when there is
//! more than one or the application asks for confirmation; final SELECT with its FCI.

use super::outcome::TerminationReason;
use super::session::{Session, Step, Stop, card_error, malformed};
use super::{Action, Candidate, Event};
use crate::tlv::{Tag, find_all, find_bytes, parse, tags};

const PSE: &[u8] = b"1PAY.SYS.DDF01";
pub(super) const PPSE: &[u8] = b"2PAY.SYS.DDF01";

impl Session {
    /// True if the terminal supports a card AID (exactly, or as a partial match).
    fn supports(&self, card_aid: &[u8]) -> bool {
        self.cfg
            .aids
            .iter()
            .any(|a| card_aid == a.aid || (a.partial && card_aid.starts_with(&a.aid)))
    }

    pub(super) fn directory_candidates(&self, objects: &[crate::tlv::Tlv]) -> Vec<Candidate> {
        find_all(objects, tags::APP_TEMPLATE)
            .into_iter()
            .filter_map(|entry| {
                let aid = find_bytes(entry.children(), tags::AID_ICC)?.to_vec();
                let label = find_bytes(entry.children(), tags::APP_LABEL)
                    .map(ascii)
                    .unwrap_or_default();
                let priority = find_bytes(entry.children(), tags::PRIORITY)
                    .and_then(|p| p.first().copied())
                    .unwrap_or(0);
                self.supports(&aid).then_some(Candidate {
                    aid,
                    label,
                    priority,
                })
            })
            .collect()
    }

    /// Builds the candidate list: PSE first, the list of AIDs if that gives nothing.
    pub(super) async fn build_candidates(&mut self) -> Step<()> {
        let r = self.select(PSE, false).await?;
        if r.sw == [0x6A, 0x81] {
            return Err(Stop::Terminate(TerminationReason::CardBlocked));
        }
        if r.ok() {
            let fci = parse(&r.data).map_err(|e| malformed(format!("PSE FCI: {e}")))?;
            let sfi = find_bytes(&fci, tags::SFI)
                .and_then(|s| s.first().copied())
                .unwrap_or(1);
            for record in 1..=16u8 {
                let rec = self.read_record(sfi, record).await?;
                if !rec.ok() {
                    break; // 6A83: end of the directory
                }
                let objects =
                    parse(&rec.data).map_err(|e| malformed(format!("PSE record: {e}")))?;
                let found = self.directory_candidates(&objects);
                self.candidates.extend(found);
            }
        }
        if self.candidates.is_empty() {
            self.list_of_aids().await?;
        }
        Ok(())
    }

    async fn list_of_aids(&mut self) -> Step<()> {
        let aids = self.cfg.aids.clone();
        for cfg in aids {
            let mut next = false;
            // A card may list many applications under one AID prefix; a hostile one could
            // answer forever, so partial selection stops after 16.
            for _ in 0..16 {
                let r = self.select(&cfg.aid, next).await?;
                if r.sw == [0x6A, 0x81] {
                    return Err(Stop::Terminate(TerminationReason::CardBlocked));
                }
                if !(r.ok() || r.sw == [0x62, 0x83]) {
                    break;
                }
                let fci = parse(&r.data).map_err(|e| malformed(format!("FCI: {e}")))?;
                let df = find_bytes(&fci, tags::DF_NAME).unwrap_or_default().to_vec();
                let exact = df == cfg.aid;
                // 6283: application blocked, never a candidate.
                if r.ok() && (exact || (cfg.partial && df.starts_with(&cfg.aid))) {
                    let label = find_bytes(&fci, tags::APP_LABEL)
                        .map(ascii)
                        .unwrap_or_default();
                    let priority = find_bytes(&fci, tags::PRIORITY)
                        .and_then(|p| p.first().copied())
                        .unwrap_or(0);
                    self.candidates.push(Candidate {
                        aid: df.clone(),
                        label,
                        priority,
                    });
                }
                if exact || !cfg.partial || df.is_empty() {
                    break;
                }
                next = true;
            }
        }
        Ok(())
    }

    /// Picks a candidate (asking the cardholder when needed) and selects it. Removes it from the
    /// list, so a GPO `6985` can come back here for the next one.
    pub(super) async fn choose_and_select(&mut self) -> Step<()> {
        loop {
            if self.candidates.is_empty() {
                return Err(Stop::Terminate(TerminationReason::NoApplication));
            }
            // Priority 1 is highest; 0 (none) sorts last. Stable: card order otherwise.
            self.candidates.sort_by_key(|c| match c.priority & 0x0F {
                0 => 16,
                p => p,
            });
            let confirm = self.candidates[0].priority & 0x80 != 0;
            let index = if self.candidates.len() > 1 || confirm {
                match self
                    .ask(Action::ChooseApplication(self.candidates.clone()))
                    .await?
                {
                    Event::ApplicationChosen(i) if i < self.candidates.len() => i,
                    _ => return Err(Stop::Terminate(TerminationReason::UnexpectedEvent)),
                }
            } else {
                0
            };
            let chosen = self.candidates.remove(index);
            let r = self.select(&chosen.aid, false).await?;
            if !r.ok() {
                tracing::debug!(sw = ?r.sw, "final SELECT refused; next candidate");
                continue;
            }
            let fci = parse(&r.data).map_err(|e| malformed(format!("FCI: {e}")))?;
            if find_bytes(&fci, tags::DF_NAME).is_none() {
                return Err(card_error(r.sw, "final SELECT without DF name"));
            }
            self.card.retain(|t, _| *t == Tag(0)); // forget a previous attempt's data
            self.store(&fci);
            let label = find_bytes(&fci, tags::APP_PREFERRED_NAME)
                .or_else(|| find_bytes(&fci, tags::APP_LABEL))
                .map(ascii)
                .unwrap_or(chosen.label.clone());
            self.aid_cfg = self
                .cfg
                .aids
                .iter()
                .find(|a| chosen.aid == a.aid || (a.partial && chosen.aid.starts_with(&a.aid)))
                .cloned();
            self.selected = Some(Candidate { label, ..chosen });
            return Ok(());
        }
    }
}

pub(super) fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if (0x20..0x7F).contains(b) {
                char::from(*b)
            } else {
                '?'
            }
        })
        .collect()
}
