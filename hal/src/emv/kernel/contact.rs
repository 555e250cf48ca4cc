//! The contact flow after selection (EMV Book 3 10, Book 4 6): initiate application
//! processing (GPO), read application data (AFL), processing restrictions, terminal risk
//! management, terminal action analysis, first GENERATE AC, online processing with issuer
//! authentication and scripts, and completion (second GENERATE AC).

use super::bits::*;
use super::outcome::{Decision, OnlineRequest, SensitiveData, TerminationReason};
use super::session::{Session, Step, Stop, card_error, malformed};
use super::{Action, Event};
use crate::emv::crypto::{open_sdad_cda, transaction_data_hash};
use crate::tlv::{Dol, Tag, Tlv, encode, parse, tags};

pub(super) const AAC: u8 = 0x00;
pub(super) const TC: u8 = 0x40;
pub(super) const ARQC: u8 = 0x80;

/// Data a contact (or EMV-mode contactless) card must provide (Book 3 7.2).
pub(super) const CONTACT_MANDATORY: &[(Tag, &str)] = &[
    (tags::EXPIRY, "5F24"),
    (tags::PAN, "5A"),
    (tags::CDOL1, "8C"),
    (tags::CDOL2, "8D"),
];

fn rank(cid: u8) -> u8 {
    match cid & 0xC0 {
        ARQC => 2,
        TC => 1,
        _ => 0,
    }
}

impl Session {
    pub(super) async fn contact(&mut self) -> Step<Decision> {
        self.build_candidates().await?;
        loop {
            self.choose_and_select().await?;
            if self.get_processing_options().await? {
                break;
            }
        }
        self.read_application_data(CONTACT_MANDATORY).await?;
        self.offline_data_authentication().await?;
        self.processing_restrictions();
        self.cardholder_verification().await?;
        self.terminal_risk_management().await?;
        let requested = self.terminal_action_analysis();
        let cid = self.first_generate_ac(requested).await?;
        match cid {
            TC => Ok(Decision::ApprovedOffline),
            ARQC => self.online_and_complete().await,
            _ => Ok(Decision::Declined),
        }
    }

    /// GPO with the PDOL data. `Ok(false)`: the card refused (6985), back to selection.
    pub(super) async fn get_processing_options(&mut self) -> Step<bool> {
        let pdol = match self.card_value(tags::PDOL) {
            Some(p) => Dol::parse(p).map_err(|e| malformed(format!("PDOL: {e}")))?,
            None => Dol::default(),
        };
        self.pdol_data = self.dol_data(&pdol);
        let pdol_tvr = self.tvr;
        let mut data = vec![0x83, self.pdol_data.len() as u8];
        data.extend_from_slice(&self.pdol_data);
        let r = self.command([0x80, 0xA8, 0x00, 0x00], &data).await?;
        if r.sw == [0x69, 0x85] {
            return Ok(false);
        }
        if !r.ok() {
            return Err(card_error(r.sw, "GET PROCESSING OPTIONS"));
        }
        let objects = parse(&r.data).map_err(|e| malformed(format!("GPO: {e}")))?;
        match objects.as_slice() {
            [o] if o.tag == tags::RESPONSE_FORMAT1 => {
                let v = o.bytes().unwrap_or_default();
                if v.len() < 2 || (v.len() - 2) % 4 != 0 {
                    return Err(malformed("GPO format 1 length"));
                }
                self.card.insert(tags::AIP, v[..2].to_vec());
                self.card.insert(tags::AFL, v[2..].to_vec());
            }
            [o] if o.tag == tags::RESPONSE_FORMAT2 => self.store(o.children()),
            _ => return Err(malformed("GPO answer is neither format 1 nor 2")),
        }
        if self.card_value(tags::AIP).map(<[u8]>::len) != Some(2) {
            return Err(self.missing("AIP"));
        }
        if self.card_value(tags::AC).is_some() {
            self.cryptogram_tvr = Some(pdol_tvr); // qVSDC: the GPO answer is the cryptogram
        }
        Ok(true)
    }

    pub(super) fn missing(&mut self, what: &str) -> Stop {
        self.set(ICC_DATA_MISSING);
        Stop::Terminate(TerminationReason::MissingData(what.into()))
    }

    /// Reads the AFL's records; keeps the ODA static data (Book 3 10.2).
    pub(super) async fn read_application_data(&mut self, mandatory: &[(Tag, &str)]) -> Step<()> {
        let afl = self.card_value(tags::AFL).unwrap_or_default().to_vec();
        if !afl.len().is_multiple_of(4) {
            return Err(malformed("AFL length"));
        }
        let mut from_records: Vec<Tag> = Vec::new();
        for entry in afl.chunks_exact(4) {
            let (sfi, first, last, oda) = (entry[0] >> 3, entry[1], entry[2], entry[3]);
            let valid =
                entry[0] & 0x07 == 0 && (1..=30).contains(&sfi) && first >= 1 && last >= first;
            if !valid || usize::from(oda) > usize::from(last - first) + 1 {
                return Err(malformed(format!("AFL entry {:02X?}", entry)));
            }
            for record in first..=last {
                let r = self.read_record(sfi, record).await?;
                if !r.ok() {
                    return Err(card_error(r.sw, "READ RECORD"));
                }
                let objects = parse(&r.data).map_err(|e| malformed(format!("record: {e}")))?;
                let in_template = matches!(objects.as_slice(), [o] if o.tag == tags::RECORD);
                if sfi <= 10 && !in_template {
                    return Err(malformed("record not in template 70"));
                }
                if record - first < oda {
                    match (sfi <= 10, template_value(&r.data)) {
                        (true, Some(v)) => self.static_data.extend_from_slice(v),
                        (false, _) if in_template => self.static_data.extend_from_slice(&r.data),
                        _ => self.oda_record_invalid = true,
                    }
                }
                let inner = objects.first().map(Tlv::children).unwrap_or_default();
                for o in inner.iter().filter(|o| o.bytes().is_some()) {
                    if from_records.contains(&o.tag) {
                        return Err(malformed(format!(
                            "tag {} appears twice in the records",
                            o.tag
                        )));
                    }
                    from_records.push(o.tag);
                }
                self.store(inner);
            }
        }
        for &(tag, name) in mandatory {
            if self.card_value(tag).is_none() {
                return Err(self.missing(name));
            }
        }
        if let Some(list) = self.card_value(tags::SDA_TAG_LIST) {
            if list == [0x82] {
                let aip = self.card_value(tags::AIP).unwrap_or_default().to_vec();
                self.static_data.extend_from_slice(&aip);
            } else {
                self.oda_record_invalid = true;
            }
        }
        Ok(())
    }

    /// Application version, usage control, effective and expiry dates, exception file
    /// (Book 3 10.4).
    pub(super) fn processing_restrictions(&mut self) {
        if let (Some(card), Some(cfg)) = (self.card_value(tags::APP_VERSION_ICC), &self.aid_cfg)
            && card != cfg.app_version
        {
            self.set(DIFFERENT_APP_VERSIONS);
        }
        if let Some(auc) = self.card_value(tags::AUC).map(<[u8]>::to_vec) {
            let domestic = self.card_value(tags::ISSUER_COUNTRY) == Some(&self.cfg.country[..]);
            let atm = self.cfg.terminal_type & 0x0F == 0x04 && self.cfg.terminal_type >= 0x14;
            let mut ok = auc.len() == 2 && (atm || auc[0] & 0x01 != 0);
            if self.p.transaction_type == 0x00 {
                let needed = if domestic { 0x20 | 0x08 } else { 0x10 | 0x04 };
                ok &= auc.first().is_some_and(|b| b & needed != 0);
            }
            if !ok {
                self.set(SERVICE_NOT_ALLOWED);
            }
        }
        let today = full_date(self.p.date);
        let date = |tag| {
            self.card_value(tag)
                .and_then(|e| <[u8; 3]>::try_from(e).ok())
        };
        let (expiry, effective) = (date(tags::EXPIRY), date(tags::EFFECTIVE));
        if expiry.is_some_and(|e| full_date(e) < today) {
            self.set(EXPIRED_APPLICATION);
        }
        if effective.is_some_and(|e| full_date(e) > today) {
            self.set(NOT_YET_EFFECTIVE);
        }
        if let Some(pan) = self.pan() {
            let digits = crate::tlv::bcd_digits(&pan);
            if self.cfg.exception_file.contains(&digits) {
                self.set(CARD_ON_EXCEPTION_FILE);
            }
        }
    }

    /// Floor limit, random selection, velocity checking (Book 3 10.6).
    pub(super) async fn terminal_risk_management(&mut self) -> Step<()> {
        self.set_tsi(TSI_TERMINAL_RISK_MANAGEMENT);
        let Some(cfg) = self.aid_cfg.clone() else {
            return Ok(());
        };
        let amount = self.p.amount;
        if amount >= cfg.floor_limit {
            self.set(FLOOR_LIMIT_EXCEEDED);
        }
        let random = u64::from(self.p.random_percent);
        let target = u64::from(cfg.random_target_percent);
        if amount < cfg.random_threshold {
            if random < target {
                self.set(RANDOMLY_SELECTED_ONLINE);
            }
        } else if amount < cfg.floor_limit {
            let span = cfg.floor_limit - cfg.random_threshold;
            let extra = u64::from(cfg.random_max_target_percent).saturating_sub(target);
            let interpolated = target + extra * (amount - cfg.random_threshold) / span.max(1);
            if random < interpolated {
                self.set(RANDOMLY_SELECTED_ONLINE);
            }
        }
        let limits = (
            self.card_value(tags::LCOL).map(<[u8]>::to_vec),
            self.card_value(tags::UCOL).map(<[u8]>::to_vec),
        );
        if let (Some(lcol), Some(ucol)) = limits {
            let atc = self.get_data(tags::ATC).await?;
            let last = self.get_data(tags::LAST_ONLINE_ATC).await?;
            match (atc.as_deref().map(from_bin), last.as_deref().map(from_bin)) {
                (Some(atc), Some(last)) => {
                    let since = atc.saturating_sub(last);
                    if since > from_bin(&lcol) {
                        self.set(LCOL_EXCEEDED);
                    }
                    if since > from_bin(&ucol) {
                        self.set(UCOL_EXCEEDED);
                    }
                    if last == 0 {
                        self.set(NEW_CARD);
                    }
                }
                _ => {
                    self.set(LCOL_EXCEEDED);
                    self.set(UCOL_EXCEEDED);
                }
            }
        }
        if self.p.force_online {
            self.set(MERCHANT_FORCED_ONLINE);
        }
        Ok(())
    }

    fn action_codes(&self) -> ([u8; 5], [u8; 5], [u8; 5]) {
        let iac = |tag, default| {
            self.card_value(tag)
                .and_then(|v| <[u8; 5]>::try_from(v).ok())
                .unwrap_or(default)
        };
        let (tac_denial, tac_online, tac_default) =
            self.aid_cfg.as_ref().map_or(([0; 5], [0; 5], [0; 5]), |a| {
                (a.tac_denial, a.tac_online, a.tac_default)
            });
        let or = |a: [u8; 5], b: [u8; 5]| std::array::from_fn(|i| a[i] | b[i]);
        (
            or(tac_denial, iac(tags::IAC_DENIAL, [0; 5])),
            or(tac_online, iac(tags::IAC_ONLINE, [0xFF; 5])),
            or(tac_default, iac(tags::IAC_DEFAULT, [0xFF; 5])),
        )
    }

    fn matches(&self, codes: [u8; 5]) -> bool {
        codes.iter().zip(self.tvr).any(|(c, t)| c & t != 0)
    }

    fn online_capable(&self) -> bool {
        matches!(self.cfg.terminal_type & 0x0F, 0x01 | 0x02 | 0x04 | 0x05)
    }

    /// Terminal action analysis (Book 3 10.7): which cryptogram to ask for.
    pub(super) fn terminal_action_analysis(&self) -> u8 {
        let (denial, online, default) = self.action_codes();
        if self.matches(denial) {
            AAC
        } else if self.online_capable() {
            if self.matches(online) { ARQC } else { TC }
        } else if self.matches(default) {
            AAC
        } else {
            TC
        }
    }

    /// "Unable to go online": the default action codes decide (Book 3 10.7).
    fn default_action(&self) -> u8 {
        if self.matches(self.action_codes().2) {
            AAC
        } else {
            TC
        }
    }

    /// First GENERATE AC, with CDA when the card and terminal agreed on it. Returns the CID
    /// type the card answered (after CDA verification, which turns a failure into AAC).
    pub(super) async fn first_generate_ac(&mut self, requested: u8) -> Step<u8> {
        let cdol1 = Dol::parse(self.card_value(tags::CDOL1).unwrap_or_default())
            .map_err(|e| malformed(format!("CDOL1: {e}")))?;
        self.cdol1_data = self.dol_data(&cdol1);
        let cda = requested != AAC && self.cda_selected();
        self.set_tsi(TSI_CARD_RISK_MANAGEMENT);
        let data = self.cdol1_data.clone();
        let cid = self.generate_ac(requested, cda, &data, &[]).await?;
        if rank(cid) > rank(requested) {
            return Err(malformed(
                "card answered a higher cryptogram than requested",
            ));
        }
        if cid == ARQC && super::bits::is_set(&self.tvr, CDA_FAILED) {
            // CDA failed on an ARQC: do not go online, complete with an AAC.
            self.arc = Some(*b"Z3");
            let cdol2 = self.cdol2()?;
            let data = self.dol_data(&cdol2);
            self.generate_ac(AAC, false, &data, &[]).await?;
            return Ok(AAC);
        }
        if cid == TC && super::bits::is_set(&self.tvr, CDA_FAILED) {
            return Ok(AAC);
        }
        Ok(cid)
    }

    fn cdol2(&self) -> Step<Dol> {
        Dol::parse(self.card_value(tags::CDOL2).unwrap_or_default())
            .map_err(|e| malformed(format!("CDOL2: {e}")))
    }

    /// Sends GENERATE AC and stores the answer (formats 1 and 2); verifies CDA when asked.
    async fn generate_ac(
        &mut self,
        requested: u8,
        cda: bool,
        data: &[u8],
        cdol2_data: &[u8],
    ) -> Step<u8> {
        let p1 = requested | if cda { 0x10 } else { 0 };
        self.cryptogram_tvr = Some(self.tvr);
        let r = self.command([0x80, 0xAE, p1, 0x00], data).await?;
        if !r.ok() {
            return Err(card_error(r.sw, "GENERATE AC"));
        }
        let objects = parse(&r.data).map_err(|e| malformed(format!("GENERATE AC: {e}")))?;
        self.card.remove(&tags::AC);
        self.card.remove(&tags::SDAD);
        let children = match objects.as_slice() {
            [o] if o.tag == tags::RESPONSE_FORMAT1 => {
                let v = o.bytes().unwrap_or_default();
                if v.len() < 11 {
                    return Err(malformed("GENERATE AC format 1 too short"));
                }
                let mut list = vec![
                    Tlv::primitive(tags::CID, &v[..1]),
                    Tlv::primitive(tags::ATC, &v[1..3]),
                    Tlv::primitive(tags::AC, &v[3..11]),
                ];
                if v.len() > 11 {
                    list.push(Tlv::primitive(tags::IAD, &v[11..]));
                }
                list
            }
            [o] if o.tag == tags::RESPONSE_FORMAT2 => o.children().to_vec(),
            _ => return Err(malformed("GENERATE AC answer is neither format 1 nor 2")),
        };
        self.store(&children);
        let cid = self
            .card_value(tags::CID)
            .and_then(|c| c.first().copied())
            .ok_or_else(|| malformed("no CID"))?
            & 0xC0;
        if self.card_value(tags::ATC).is_none() {
            return Err(malformed("no ATC in GENERATE AC"));
        }
        if cda && cid != AAC {
            let first_cdol = if cdol2_data.is_empty() {
                data
            } else {
                &self.cdol1_data
            };
            let hashed: Vec<Tlv> = children
                .iter()
                .filter(|o| o.tag != tags::SDAD)
                .cloned()
                .collect();
            let tdh = transaction_data_hash(
                &self.pdol_data,
                &[first_cdol, cdol2_data].concat(),
                &encode(&hashed),
            );
            let verified = match (&self.icc_key, self.card_value(tags::SDAD)) {
                (Some(key), Some(sdad)) => {
                    open_sdad_cda(key, sdad, &self.p.unpredictable_number, &tdh)
                        .ok()
                        .filter(|r| r.cid & 0xC0 == cid)
                }
                _ => None,
            };
            match verified {
                Some(res) => {
                    self.card.insert(tags::AC, res.ac.to_vec());
                    self.card
                        .insert(tags::ICC_DYNAMIC_NUMBER, res.icc_dynamic_number);
                }
                None => self.set(CDA_FAILED),
            }
        } else if self.card_value(tags::AC).is_none() {
            return Err(malformed("no application cryptogram"));
        }
        Ok(cid)
    }

    /// Online authorisation, issuer authentication, scripts and the second GENERATE AC.
    async fn online_and_complete(&mut self) -> Step<Decision> {
        let (approved, response) = self.go_online().await?;
        let scripts = match &response {
            Some(r) => parse(&r.scripts).map_err(|e| malformed(format!("issuer scripts: {e}")))?,
            None => Vec::new(),
        };
        if let Some(iad) = response.as_ref().and_then(|r| r.issuer_auth_data.clone()) {
            self.card.insert(tags::ISSUER_AUTH_DATA, iad.clone());
            self.set_tsi(TSI_ISSUER_AUTH);
            let supported = self.card_value(tags::AIP).is_some_and(|a| a[0] & 0x04 != 0);
            if supported {
                let r = self.command([0x00, 0x82, 0x00, 0x00], &iad).await?;
                if !r.ok() {
                    self.set(ISSUER_AUTH_FAILED);
                }
            }
        }
        self.run_scripts(&scripts, tags::SCRIPT_71, SCRIPT_FAILED_BEFORE)
            .await?;
        let requested = match (response.is_some(), approved) {
            (true, true) => TC,
            (true, false) => AAC,
            (false, _) => self.default_action(),
        };
        let cdol2 = self.cdol2()?;
        let data = self.dol_data(&cdol2);
        let cid = self.generate_ac(requested, false, &data, &data).await?;
        self.run_scripts(&scripts, tags::SCRIPT_72, SCRIPT_FAILED_AFTER)
            .await?;
        Ok(match (cid, response.is_some()) {
            (TC, true) => Decision::ApprovedOnline,
            (TC, false) => Decision::ApprovedOffline,
            _ => Decision::Declined,
        })
    }

    /// Hands the online request out. Returns (issuer approved, the response) — `None` when
    /// the terminal could not go online (ARC `Z3`).
    pub(super) async fn go_online(&mut self) -> Step<(bool, Option<super::OnlineResponse>)> {
        let request = OnlineRequest {
            field55: self.field55(),
            pan: SensitiveData::new(self.pan().unwrap_or_default()),
            track2: self
                .card_value(tags::TRACK2)
                .map(|t| SensitiveData::new(t.to_vec())),
            psn: self.card_value(tags::PSN).and_then(|p| p.first().copied()),
            online_pin_block: self.online_pin_block.clone(),
        };
        match self.ask(Action::GoOnline(Box::new(request))).await? {
            Event::Online(r) => {
                self.arc = Some(r.arc);
                self.auth_code = r.auth_code;
                Ok((matches!(&r.arc, b"00" | b"10" | b"11"), Some(r)))
            }
            Event::OnlineUnavailable => {
                self.arc = Some(*b"Z3");
                Ok((false, None))
            }
            _ => Err(Stop::Terminate(TerminationReason::UnexpectedEvent)),
        }
    }

    /// Issuer script processing (Book 3 10.10): every command of every template of this kind;
    /// a failing command ends its script and sets the TVR bit.
    async fn run_scripts(&mut self, scripts: &[Tlv], template: Tag, failed: Bit) -> Step<()> {
        for script in scripts.iter().filter(|s| s.tag == template) {
            self.set_tsi(TSI_SCRIPT_PROCESSING);
            let id = crate::tlv::find_bytes(script.children(), Tag(0x9F18))
                .unwrap_or(&[0; 4])
                .to_vec();
            let commands: Vec<Vec<u8>> = script
                .children()
                .iter()
                .filter(|c| c.tag == tags::SCRIPT_COMMAND)
                .filter_map(|c| c.bytes().map(<[u8]>::to_vec))
                .collect();
            let mut result = 0x20; // all commands processed
            for (n, command) in commands.into_iter().enumerate() {
                let r = self.exchange(command).await?;
                if !matches!(r.sw[0], 0x90 | 0x62 | 0x63) {
                    self.set(failed);
                    result = 0x10 | (n as u8 + 1).min(0x0F);
                    break;
                }
            }
            self.script_results.push(result);
            self.script_results.extend_from_slice(&id);
        }
        Ok(())
    }
}

/// The value of a record template `70 L value`, taken from the raw bytes (ODA hashes what the
/// card sent, not a re-encoding).
fn template_value(record: &[u8]) -> Option<&[u8]> {
    if record.first() != Some(&0x70) {
        return None;
    }
    let (len, header) = match *record.get(1)? {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(*record.get(2)?), 3),
        0x82 => (
            (usize::from(*record.get(2)?) << 8) | usize::from(*record.get(3)?),
            4,
        ),
        _ => return None,
    };
    record.get(header..header + len)
}

fn from_bin(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// YYMMDD BCD to a comparable number (Book 3: YY < 50 is 20YY).
pub(super) fn full_date(d: [u8; 3]) -> u32 {
    let bcd = |b: u8| u32::from(b >> 4) * 10 + u32::from(b & 0x0F);
    let yy = bcd(d[0]);
    let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
    year * 10000 + bcd(d[1]) * 100 + bcd(d[2])
}
