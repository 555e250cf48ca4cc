//! Contactless: entry point (PPSE, pre-processing against the contactless transaction, floor
//! and CVM limits) and two kernel paths — a Visa-like qVSDC path where the GPO answer carries
//! the cryptogram and fDDA authenticates offline approvals, and a Mastercard-like EMV-mode
//! path that reuses the contact steps with CDA. One tap: the card may leave the field once
//! the cryptogram is in ("remove card"); online approval has no second GENERATE AC.

use super::bits::*;
use super::contact::{ARQC, TC};
use super::outcome::{CvmPerformed, Decision, TerminationReason};
use super::selection::PPSE;
use super::session::{Session, Step, Stop, malformed};
use super::{Action, Event, Message, PinEntry, PinRequest};
use crate::emv::crypto::open_sdad_dda;
use crate::tlv::{find, parse, tags};

impl Session {
    pub(super) async fn contactless(&mut self) -> Step<Decision> {
        let r = self.select(PPSE, false).await?;
        if !r.ok() {
            return Err(Stop::TryAnotherInterface);
        }
        let fci = parse(&r.data).map_err(|e| malformed(format!("PPSE FCI: {e}")))?;
        let directory = find(&fci, tags::FCI_ISSUER_DISCRETIONARY)
            .map(|d| d.children().to_vec())
            .unwrap_or_default();
        self.candidates = self.directory_candidates(&directory);
        if self.candidates.is_empty() {
            return Err(Stop::Terminate(TerminationReason::NoApplication));
        }
        // No cardholder choice on a tap: the highest priority wins.
        for c in &mut self.candidates {
            c.priority &= 0x7F;
        }
        self.candidates.sort_by_key(|c| match c.priority & 0x0F {
            0 => 16,
            p => p,
        });
        self.candidates.truncate(1);
        self.choose_and_select().await?;
        let limit = self
            .aid_cfg
            .as_ref()
            .map_or(u64::MAX, |a| a.cl_transaction_limit);
        if self.p.amount > limit {
            return Err(Stop::TryAnotherInterface);
        }
        if !self.get_processing_options().await? {
            return Err(Stop::TryAnotherInterface);
        }
        if self.card_value(tags::AC).is_some() {
            self.qvsdc().await
        } else {
            self.emv_mode().await
        }
    }

    async fn remove_card(&mut self) -> Step<()> {
        self.ask(Action::ShowMessage(Message::RemoveCard)).await?;
        Ok(())
    }

    /// Visa-like: the cryptogram came with the GPO answer.
    async fn qvsdc(&mut self) -> Step<Decision> {
        // qVSDC cards carry track 2 equivalent data; PAN, expiry and CDOLs are optional.
        self.read_application_data(&[(tags::TRACK2, "57")]).await?;
        self.remove_card().await?;
        self.processing_restrictions();
        let cid = self
            .card_value(tags::CID)
            .and_then(|c| c.first().copied())
            .unwrap_or(ARQC)
            & 0xC0;
        self.contactless_cvm(cid).await?;
        match cid {
            TC => {
                if is_set(&self.tvr, EXPIRED_APPLICATION) {
                    return Ok(Decision::Declined);
                }
                Ok(if self.fdda() {
                    Decision::ApprovedOffline
                } else {
                    Decision::Declined
                })
            }
            ARQC => Ok(match self.go_online().await? {
                (true, _) => Decision::ApprovedOnline,
                _ => Decision::Declined,
            }),
            _ => Ok(Decision::Declined),
        }
    }

    /// fDDA: the SDAD in the GPO answer signs UN ‖ amount ‖ currency.
    fn fdda(&mut self) -> bool {
        self.set_tsi(TSI_ODA_PERFORMED);
        let terminal: Vec<u8> = [tags::UN, tags::AMOUNT_AUTH, tags::TXN_CURRENCY]
            .iter()
            .flat_map(|t| self.terminal_value(*t).unwrap_or_default())
            .collect();
        let result = self.icc_public_key().and_then(|key| {
            let sdad = self.card_value(tags::SDAD).ok_or("no SDAD for fDDA")?;
            open_sdad_dda(&key, sdad, &terminal).map_err(|e| e.to_string())
        });
        match result {
            Ok(idn) => {
                self.card.insert(tags::ICC_DYNAMIC_NUMBER, idn);
                true
            }
            Err(why) => {
                tracing::info!(%why, "fDDA failed");
                self.set(DDA_FAILED);
                false
            }
        }
    }

    /// Contactless CVM: above the CVM limit, consumer-device CVM if the phone did it, else
    /// online PIN (online transactions) or signature, as the card qualifiers allow.
    async fn contactless_cvm(&mut self, cid: u8) -> Step<()> {
        let required = self.ttq()[1] & 0x40 != 0;
        let ctq = self
            .card_value(tags::CTQ)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        if !required {
            self.cvm_results = [0x1F, 0x00, 0x02];
            return Ok(());
        }
        self.set_tsi(TSI_CVM_PERFORMED);
        if ctq.get(1).is_some_and(|b| b & 0x80 != 0) {
            self.cvm = CvmPerformed::ConsumerDevice;
            self.cvm_results = [0x01, 0x00, 0x02];
            return Ok(());
        }
        if cid == ARQC && ctq.first().is_some_and(|b| b & 0x80 != 0) {
            if let Event::Pin(PinEntry::OnlineBlock(block)) =
                self.ask(Action::AskPin(PinRequest::Online)).await?
            {
                self.online_pin_block = Some(block);
                self.set(ONLINE_PIN_ENTERED);
                self.cvm = CvmPerformed::OnlinePin;
                self.cvm_results = [0x02, 0x00, 0x00];
                return Ok(());
            }
            self.set(PIN_NOT_ENTERED);
        }
        self.cvm = CvmPerformed::Signature;
        self.cvm_results = [0x1E, 0x00, 0x00];
        Ok(())
    }

    /// Mastercard-like EMV mode: contact steps, contactless limits, one GENERATE AC with CDA.
    async fn emv_mode(&mut self) -> Step<Decision> {
        self.read_application_data(super::contact::CONTACT_MANDATORY)
            .await?;
        self.offline_data_authentication().await?;
        self.processing_restrictions();
        let floor = self.aid_cfg.as_ref().map_or(0, |a| a.cl_floor_limit);
        if self.p.amount > floor || self.p.force_online {
            self.set(FLOOR_LIMIT_EXCEEDED);
        }
        self.set_tsi(TSI_TERMINAL_RISK_MANAGEMENT);
        let requested = self.terminal_action_analysis();
        let cid = self.first_generate_ac(requested).await?;
        self.remove_card().await?;
        self.contactless_cvm(cid).await?;
        match cid {
            TC => Ok(Decision::ApprovedOffline),
            ARQC => Ok(match self.go_online().await? {
                (true, _) => Decision::ApprovedOnline,
                _ => Decision::Declined,
            }),
            _ => Ok(Decision::Declined),
        }
    }
}
