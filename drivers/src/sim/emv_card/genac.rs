//! Transaction commands: GET PROCESSING OPTIONS (formats 1 and 2, and the contactless qVSDC
//! answer with its cryptogram), GENERATE AC (ARQC/TC/AAC, CDA), EXTERNAL AUTHENTICATE and
//! issuer script commands (APPLICATION BLOCK/UNBLOCK, PIN UNBLOCK) with their MACs.

use super::{Command, EmvCard, Oda, sw, with_sw};
use pos_hal::emv::crypto::{
    ac_data, arpc_method2, cvn18_ac, cvn18_session_key, script_mac, sha1, visa_sm_session_key,
};
use pos_hal::tlv::{Dol, Tag, Tlv, encode, tags};

const CID_AAC: u8 = 0x00;
const CID_TC: u8 = 0x40;
const CID_ARQC: u8 = 0x80;

fn lookup<'a>(dol: &Dol, data: &'a [u8], tag: Tag) -> Option<&'a [u8]> {
    dol.split(data)?
        .into_iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, v)| v)
}

impl EmvCard {
    pub(super) fn get_processing_options(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        let Some(app) = self.app().cloned() else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        if app.blocked || self.txn.gpo_done {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let pdol_data = match cmd.data {
            [0x83, len, rest @ ..] if usize::from(*len) == rest.len() => rest.to_vec(),
            _ => return sw::WRONG_DATA.to_vec(),
        };
        if pdol_data.len() != app.pdol.data_len() {
            return sw::WRONG_LENGTH.to_vec();
        }
        let Some(atc) = self.atc.checked_add(1) else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        self.atc = atc;
        self.txn.gpo_done = true;
        self.txn.pdol_data = pdol_data;
        let (aip, afl) = (app.aip, app.afl.clone());
        if app.qvsdc && lookup(&app.pdol, &self.txn.pdol_data, tags::TTQ).is_some() {
            return self.qvsdc();
        }
        if app.gpo_format == 1 {
            with_sw(
                Tlv::primitive(tags::RESPONSE_FORMAT1, [&aip[..], &afl].concat()).encode(),
                sw::OK,
            )
        } else {
            let objects = vec![
                Tlv::primitive(tags::AIP, aip),
                Tlv::primitive(tags::AFL, afl),
            ];
            with_sw(
                encode(&[Tlv::constructed(tags::RESPONSE_FORMAT2, objects)]),
                sw::OK,
            )
        }
    }

    /// Visa-like qVSDC: the GPO answer already carries the cryptogram, and an fDDA signature
    /// (over UN ‖ amount ‖ currency) when the card approves offline.
    fn qvsdc(&mut self) -> Vec<u8> {
        let Some(app) = self.app().cloned() else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        let pdol_data = self.txn.pdol_data.clone();
        let get = |tag| lookup(&app.pdol, &pdol_data, tag);
        let online_required =
            get(tags::TTQ).is_some_and(|ttq| ttq.get(1).is_some_and(|b| b & 0x80 != 0));
        let cid = if app.always_online || online_required {
            CID_ARQC
        } else {
            CID_TC
        };
        let atc = self.atc.to_be_bytes();
        let iad = iad(cid, false, false);
        let data = ac_data(|t| match t {
            tags::AIP => Some(&app.aip[..]),
            tags::ATC => Some(&atc[..]),
            tags::IAD => Some(&iad[..]),
            other => get(other),
        });
        let ac = cvn18_ac(&app.mk, atc, &data);
        let mut objects = vec![
            Tlv::primitive(tags::AIP, app.aip),
            Tlv::primitive(tags::AFL, app.afl.clone()),
            Tlv::primitive(tags::TRACK2, app.track2.clone()),
            Tlv::primitive(tags::PSN, [app.psn]),
            Tlv::primitive(tags::IAD, iad.clone()),
            Tlv::primitive(tags::AC, ac),
            Tlv::primitive(tags::CID, [cid]),
            Tlv::primitive(tags::ATC, atc),
            Tlv::primitive(tags::CTQ, app.ctq),
        ];
        if cid == CID_TC && matches!(app.oda, Oda::Dda | Oda::Cda) {
            let terminal: Vec<u8> = [tags::UN, tags::AMOUNT_AUTH, tags::TXN_CURRENCY]
                .iter()
                .flat_map(|t| get(*t).unwrap_or(&[]).to_vec())
                .collect();
            let idn = self.random8();
            let dynamic = [&[8u8][..], &idn].concat();
            match self.sign_dynamic(&dynamic, &terminal) {
                Some(sdad) => objects.push(Tlv::primitive(tags::SDAD, sdad)),
                None => return sw::CONDITIONS_NOT_SATISFIED.to_vec(),
            }
        }
        self.txn.finished = true;
        if cid == CID_ARQC {
            self.txn.arqc = Some((ac, cvn18_session_key(&app.mk, atc)));
        }
        with_sw(
            encode(&[Tlv::constructed(tags::RESPONSE_FORMAT2, objects)]),
            sw::OK,
        )
    }

    pub(super) fn generate_ac(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        let Some(app) = self.app().cloned() else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        if !self.txn.gpo_done || self.txn.finished {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let second = !self.txn.cdol1_data.is_empty();
        let dol = if second { &app.cdol2 } else { &app.cdol1 };
        if cmd.data.len() != dol.data_len() {
            return sw::WRONG_LENGTH.to_vec();
        }
        let requested = cmd.p1 & 0xC0;
        let cda_requested = cmd.p1 & 0x10 != 0;
        let cdol1_data = if second {
            self.txn.cdol1_data.clone()
        } else {
            cmd.data.to_vec()
        };
        let get = |tag| lookup(dol, cmd.data, tag).or_else(|| lookup(&app.cdol1, &cdol1_data, tag));

        let cid = if second {
            self.second_decision(requested, &app, get(tags::ARC), get(tags::ISSUER_AUTH_DATA))
        } else {
            match requested {
                CID_AAC => CID_AAC,
                CID_TC if !app.always_online => CID_TC,
                _ => CID_ARQC,
            }
        };
        let atc = self.atc.to_be_bytes();
        let iad = iad(cid, second, self.txn.issuer_auth == Some(false));
        let data = ac_data(|t| match t {
            tags::AIP => Some(&app.aip[..]),
            tags::ATC => Some(&atc[..]),
            tags::IAD => Some(&iad[..]),
            other => get(other),
        });
        let ac = cvn18_ac(&app.mk, atc, &data);
        let un = get(tags::UN).unwrap_or(&[]).to_vec();
        if second {
            self.txn.finished = true;
            if cid == CID_TC {
                self.last_online_atc = self.atc;
            }
        } else {
            self.txn.cdol1_data = cmd.data.to_vec();
            if cid == CID_ARQC {
                self.txn.arqc = Some((ac, cvn18_session_key(&app.mk, atc)));
            } else {
                self.txn.finished = true;
            }
        }

        if cda_requested && app.oda == Oda::Cda && cid != CID_AAC {
            let head = vec![
                Tlv::primitive(tags::CID, [cid]),
                Tlv::primitive(tags::ATC, atc),
            ];
            let tail = Tlv::primitive(tags::IAD, iad.clone());
            let hashed = [encode(&head), tail.encode()].concat();
            let cdol2_data = if second { cmd.data } else { &[][..] };
            let tdhc = sha1(&[&self.txn.pdol_data, &cdol1_data, cdol2_data, &hashed]);
            let idn = self.random8();
            let dynamic = [&[8u8][..], &idn, &[cid], &ac, &tdhc].concat();
            let Some(sdad) = self.sign_dynamic(&dynamic, &un) else {
                return sw::CONDITIONS_NOT_SATISFIED.to_vec();
            };
            let mut objects = head;
            objects.push(Tlv::primitive(tags::SDAD, sdad));
            objects.push(tail);
            return with_sw(
                encode(&[Tlv::constructed(tags::RESPONSE_FORMAT2, objects)]),
                sw::OK,
            );
        }
        if app.genac_format == 1 {
            let body = [&[cid][..], &atc, &ac, &iad].concat();
            with_sw(
                Tlv::primitive(tags::RESPONSE_FORMAT1, body).encode(),
                sw::OK,
            )
        } else {
            let objects = vec![
                Tlv::primitive(tags::CID, [cid]),
                Tlv::primitive(tags::ATC, atc),
                Tlv::primitive(tags::AC, ac),
                Tlv::primitive(tags::IAD, iad),
            ];
            with_sw(
                encode(&[Tlv::constructed(tags::RESPONSE_FORMAT2, objects)]),
                sw::OK,
            )
        }
    }

    /// Second GENERATE AC: approve (TC) only if the terminal asks for it, the issuer approved
    /// (ARC 00/10/11) and issuer authentication did not fail; "unable to go online"
    /// (ARC Y3/Z3) is approved only by cards that allow offline approval.
    fn second_decision(
        &mut self,
        requested: u8,
        app: &super::personalise::App,
        arc: Option<&[u8]>,
        issuer_auth_data: Option<&[u8]>,
    ) -> u8 {
        if let Some(data) = issuer_auth_data.filter(|d| d.iter().any(|b| *b != 0)) {
            let ok = self.check_arpc(data);
            self.txn.issuer_auth = Some(ok);
        }
        let arc = arc.unwrap_or(b"Z3");
        let approved = matches!(arc, b"00" | b"10" | b"11");
        let unable_online = matches!(arc, b"Y3" | b"Z3");
        match requested {
            CID_TC if self.txn.issuer_auth == Some(false) => CID_AAC,
            CID_TC if approved => CID_TC,
            CID_TC if unable_online && !app.always_online => CID_TC,
            _ => CID_AAC,
        }
    }

    /// Issuer authentication data (tag 91) for ARPC method 2: ARPC(4) ‖ CSU(4).
    fn check_arpc(&self, data: &[u8]) -> bool {
        let Some((arqc, sk)) = self.txn.arqc else {
            return false;
        };
        let (Some(arpc), Some(csu)) = (data.get(..4), data.get(4..8)) else {
            return false;
        };
        let csu: [u8; 4] = [csu[0], csu[1], csu[2], csu[3]];
        arpc_method2(&sk, arqc, csu, &data[8..]) == arpc
    }

    pub(super) fn external_authenticate(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        if self.txn.arqc.is_none() || self.txn.issuer_auth.is_some() {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let ok = self.check_arpc(cmd.data);
        self.txn.issuer_auth = Some(ok);
        if ok {
            sw::OK.to_vec()
        } else {
            sw::VERIFY_FAILED.to_vec()
        }
    }

    pub(super) fn issuer_script(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        let Some((arqc, _)) = self.txn.arqc else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        let Some(split) = cmd.data.len().checked_sub(8) else {
            return sw::WRONG_LENGTH.to_vec();
        };
        let Some(index) = (match self.selected {
            super::Selected::App(i) => Some(i),
            _ => None,
        }) else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        let (data, mac) = cmd.data.split_at(split);
        let header = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
        let atc = self.atc.to_be_bytes();
        let sk = visa_sm_session_key(&self.apps[index].mk_smi, atc);
        if script_mac(&sk, header, data, atc, arqc) != mac {
            return sw::SM_DATA_INCORRECT.to_vec();
        }
        match cmd.ins {
            0x1E => self.apps[index].blocked = true,
            0x18 => self.apps[index].blocked = false,
            _ => self.pin_tries = self.pin_try_limit,
        }
        sw::OK.to_vec()
    }
}

/// Issuer application data, CVN 18 layout: length 06, key index 01, CVN 12, CVR (length 03 +
/// 3 bytes). Our CVR byte 1 carries this cryptogram's type (b8–b7) and whether it is the second
/// GENERATE AC (b5); byte 2 b7 marks a failed issuer authentication.
fn iad(cid: u8, second: bool, issuer_auth_failed: bool) -> Vec<u8> {
    let cvr1 = cid | if second { 0x10 } else { 0 };
    let cvr2 = if issuer_auth_failed { 0x40 } else { 0 };
    vec![0x06, 0x01, 0x12, 0x03, cvr1, cvr2, 0x00]
}
