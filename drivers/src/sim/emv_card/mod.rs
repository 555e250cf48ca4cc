//! The virtual EMV card: a [`CardModel`] that answers exactly as a real EMV card of its
//! profile would — PSE/PPSE, FCI, GET PROCESSING OPTIONS with PDOL (formats 1 and 2), AFL
//! records, GET DATA, VERIFY (plaintext and enciphered PIN), INTERNAL AUTHENTICATE (DDA),
//! GENERATE AC with real ARQC/TC/AAC and CDA, EXTERNAL AUTHENTICATE, issuer scripts, and the
//! contactless qVSDC answer. Profiles live in `assets/cards/`.
//!
//! Cryptograms follow Visa CVN 18 (the scheme the acquirer simulator checks): session key =
//! EMV common session key of the ICC master key (option A from the profile's issuer master
//! key) with R = ATC ‖ `000000000000`; AC = MAC (ISO 9797-1 alg. 3, padding method 2) over
//! 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ AIP ‖ ATC ‖ IAD; ARPC method 2.

mod auth;
mod genac;
pub mod harness;
mod personalise;
pub mod profile;

#[cfg(test)]
mod kernel_tests;
#[cfg(test)]
mod tests;

use super::card::CardModel;
use personalise::App;
pub use personalise::Oda;
use pos_hal::emv::crypto::{Key16, sha1};
use pos_hal::tlv::{Tag, Tlv, encode, tags};
pub use profile::{Profile, ProfileError, builtin_names};

const PSE: &[u8] = b"1PAY.SYS.DDF01";
const PPSE: &[u8] = b"2PAY.SYS.DDF01";

/// Status words the card answers with.
mod sw {
    pub const OK: [u8; 2] = [0x90, 0x00];
    pub const SELECTED_FILE_INVALIDATED: [u8; 2] = [0x62, 0x83];
    pub const WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
    pub const AUTH_METHOD_BLOCKED: [u8; 2] = [0x69, 0x83];
    pub const CONDITIONS_NOT_SATISFIED: [u8; 2] = [0x69, 0x85];
    pub const SM_DATA_INCORRECT: [u8; 2] = [0x69, 0x88];
    pub const WRONG_DATA: [u8; 2] = [0x6A, 0x80];
    pub const FUNCTION_NOT_SUPPORTED: [u8; 2] = [0x6A, 0x81];
    pub const FILE_NOT_FOUND: [u8; 2] = [0x6A, 0x82];
    pub const RECORD_NOT_FOUND: [u8; 2] = [0x6A, 0x83];
    pub const REFERENCED_DATA_NOT_FOUND: [u8; 2] = [0x6A, 0x88];
    pub const WRONG_P1P2: [u8; 2] = [0x6B, 0x00];
    pub const INS_NOT_SUPPORTED: [u8; 2] = [0x6D, 0x00];
    pub const CLA_NOT_SUPPORTED: [u8; 2] = [0x6E, 0x00];
    pub const VERIFY_FAILED: [u8; 2] = [0x63, 0x00];
}

/// A parsed command APDU (short form only, as EMV uses).
#[derive(Debug)]
struct Command<'a> {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: &'a [u8],
}

impl<'a> Command<'a> {
    fn parse(apdu: &'a [u8]) -> Option<Command<'a>> {
        let (header, body) = (apdu.get(..4)?, &apdu[4..]);
        let data = match body.len() {
            0 | 1 => &[][..],
            _ => {
                let lc = usize::from(body[0]);
                let rest = &body[1..];
                // Case 3 (no Le) or case 4 (one Le byte).
                if rest.len() != lc && rest.len() != lc + 1 {
                    return None;
                }
                &rest[..lc]
            }
        };
        Some(Command {
            cla: header[0],
            ins: header[1],
            p1: header[2],
            p2: header[3],
            data,
        })
    }
}

/// What is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selected {
    Nothing,
    Pse,
    Ppse,
    App(usize),
}

/// Volatile state of one transaction; cleared on reset and on SELECT.
#[derive(Debug, Default, Clone)]
struct Txn {
    gpo_done: bool,
    pdol_data: Vec<u8>,
    cdol1_data: Vec<u8>,
    /// The first GENERATE AC answered an ARQC: its value and the session key.
    arqc: Option<([u8; 8], Key16)>,
    /// Set by EXTERNAL AUTHENTICATE or by issuer authentication data in the 2nd GENERATE AC.
    issuer_auth: Option<bool>,
    finished: bool,
    challenge: Option<[u8; 8]>,
    offline_pin_ok: bool,
}

/// A simulated EMV card built from a [`Profile`].
#[derive(Debug)]
pub struct EmvCard {
    name: String,
    atr: Vec<u8>,
    pse: bool,
    ppse: bool,
    card_blocked: bool,
    apps: Vec<App>,
    pin: String,
    pin_try_limit: u8,
    pin_tries: u8,
    atc: u16,
    last_online_atc: u16,
    selected: Selected,
    txn: Txn,
    /// Counter feeding the card's deterministic random numbers (challenge, ICC dynamic number).
    nonce: u64,
}

impl EmvCard {
    /// Builds the card: personalises every application and signs its certificates.
    pub fn new(profile: &Profile) -> Result<EmvCard, ProfileError> {
        let apps = profile
            .applications
            .iter()
            .map(personalise::personalise)
            .collect::<Result<_, _>>()?;
        Ok(EmvCard {
            name: profile.name.clone(),
            atr: profile::hex(&profile.atr, "atr")?,
            pse: profile.pse,
            ppse: profile.ppse,
            card_blocked: profile.card_blocked,
            apps,
            pin: profile.pin.clone(),
            pin_try_limit: profile.pin_try_limit,
            pin_tries: profile.pin_tries,
            atc: profile.atc,
            last_online_atc: profile.atc,
            selected: Selected::Nothing,
            txn: Txn::default(),
            nonce: 0,
        })
    }

    /// A built-in profile's card, by name (`visa_credit`, `mc_debit`, ...).
    pub fn builtin(name: &str) -> Result<EmvCard, ProfileError> {
        EmvCard::new(&Profile::builtin(name)?)
    }

    /// The profile name this card was built from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Current application transaction counter.
    pub fn atc(&self) -> u16 {
        self.atc
    }

    /// PIN tries left.
    pub fn pin_tries(&self) -> u8 {
        self.pin_tries
    }

    /// The ICC master key of application `index` (what the issuer derives from its IMK).
    pub fn icc_master_key(&self, index: usize) -> Option<Key16> {
        self.apps.get(index).map(|a| a.mk)
    }

    /// The script-integrity master key (MK-SMI) of application `index`.
    pub fn icc_smi_key(&self, index: usize) -> Option<Key16> {
        self.apps.get(index).map(|a| a.mk_smi)
    }

    fn random8(&mut self) -> [u8; 8] {
        self.nonce += 1;
        let h = sha1(&[
            self.name.as_bytes(),
            &self.nonce.to_be_bytes(),
            &self.atc.to_be_bytes(),
        ]);
        let mut out = [0u8; 8];
        out.copy_from_slice(&h[..8]);
        out
    }

    fn app(&self) -> Option<&App> {
        match self.selected {
            Selected::App(i) => self.apps.get(i),
            _ => None,
        }
    }

    fn select(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        if cmd.p1 != 0x04 {
            return sw::WRONG_P1P2.to_vec();
        }
        self.txn = Txn::default();
        if self.card_blocked {
            self.selected = Selected::Nothing;
            return sw::FUNCTION_NOT_SUPPORTED.to_vec();
        }
        if cmd.data == PSE && self.pse {
            self.selected = Selected::Pse;
            let a5 = vec![
                Tlv::primitive(tags::SFI, [1]),
                Tlv::primitive(tags::LANG_PREF, *b"en"),
            ];
            return with_sw(dir_fci(PSE, a5), sw::OK);
        }
        if cmd.data == PPSE && self.ppse {
            self.selected = Selected::Ppse;
            let a5 = vec![Tlv::constructed(
                tags::FCI_ISSUER_DISCRETIONARY,
                self.directory_entries(),
            )];
            return with_sw(dir_fci(PPSE, a5), sw::OK);
        }
        // Partial selection: P2 = 00 first match, 02 next match after the current one.
        let start = match (cmd.p2 & 0x03, self.selected) {
            (0x02, Selected::App(i)) => i + 1,
            (0x00, _) | (0x02, _) => 0,
            _ => return sw::WRONG_P1P2.to_vec(),
        };
        let found = (start..self.apps.len())
            .find(|i| !cmd.data.is_empty() && self.apps[*i].aid.starts_with(cmd.data));
        match found {
            Some(i) => {
                self.selected = Selected::App(i);
                let app = &self.apps[i];
                let status = if app.blocked {
                    sw::SELECTED_FILE_INVALIDATED
                } else {
                    sw::OK
                };
                with_sw(app.fci.clone(), status)
            }
            None => {
                self.selected = Selected::Nothing;
                sw::FILE_NOT_FOUND.to_vec()
            }
        }
    }

    fn directory_entries(&self) -> Vec<Tlv> {
        self.apps
            .iter()
            .map(|a| {
                Tlv::constructed(
                    tags::APP_TEMPLATE,
                    vec![
                        Tlv::primitive(tags::AID_ICC, a.aid.clone()),
                        Tlv::primitive(tags::APP_LABEL, a.label.as_bytes()),
                        Tlv::primitive(tags::PRIORITY, [a.priority]),
                    ],
                )
            })
            .collect()
    }

    fn read_record(&self, cmd: &Command<'_>) -> Vec<u8> {
        if cmd.p2 & 0x07 != 0x04 || cmd.p1 == 0 {
            return sw::WRONG_P1P2.to_vec();
        }
        let sfi = cmd.p2 >> 3;
        match self.selected {
            Selected::Pse if sfi == 1 && cmd.p1 == 1 => {
                let record = encode(&[Tlv::constructed(tags::RECORD, self.directory_entries())]);
                with_sw(record, sw::OK)
            }
            Selected::App(i) => match self.apps[i].records.get(&(sfi, cmd.p1)) {
                Some(r) => with_sw(r.clone(), sw::OK),
                None => sw::RECORD_NOT_FOUND.to_vec(),
            },
            _ => sw::RECORD_NOT_FOUND.to_vec(),
        }
    }

    fn get_data(&self, cmd: &Command<'_>) -> Vec<u8> {
        let tag = Tag(u32::from(cmd.p1) << 8 | u32::from(cmd.p2));
        let value = match tag {
            tags::ATC => self.atc.to_be_bytes().to_vec(),
            tags::LAST_ONLINE_ATC => self.last_online_atc.to_be_bytes().to_vec(),
            tags::PIN_TRY_COUNTER => vec![self.pin_tries],
            _ => return sw::REFERENCED_DATA_NOT_FOUND.to_vec(),
        };
        with_sw(Tlv::primitive(tag, value).encode(), sw::OK)
    }
}

fn dir_fci(name: &[u8], a5: Vec<Tlv>) -> Vec<u8> {
    encode(&[Tlv::constructed(
        tags::FCI,
        vec![
            Tlv::primitive(tags::DF_NAME, name),
            Tlv::constructed(tags::FCI_PROPRIETARY, a5),
        ],
    )])
}

fn with_sw(mut data: Vec<u8>, status: [u8; 2]) -> Vec<u8> {
    data.extend_from_slice(&status);
    data
}

impl CardModel for EmvCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn reset(&mut self) {
        self.selected = Selected::Nothing;
        self.txn = Txn::default();
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        let Some(cmd) = Command::parse(command) else {
            return sw::WRONG_LENGTH.to_vec();
        };
        let response = match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(&cmd),
            (0x00, 0xB2) => self.read_record(&cmd),
            (0x80, 0xA8) => self.get_processing_options(&cmd),
            (0x80, 0xCA) => self.get_data(&cmd),
            (0x00, 0x84) => self.get_challenge(),
            (0x00, 0x20) => self.verify(&cmd),
            (0x00, 0x88) => self.internal_authenticate(&cmd),
            (0x80, 0xAE) => self.generate_ac(&cmd),
            (0x00, 0x82) => self.external_authenticate(&cmd),
            (0x84, 0x1E) | (0x84, 0x18) | (0x84, 0x24) => self.issuer_script(&cmd),
            (0x00 | 0x80 | 0x84, _) => sw::INS_NOT_SUPPORTED.to_vec(),
            _ => sw::CLA_NOT_SUPPORTED.to_vec(),
        };
        tracing::trace!(card = %self.name, ins = cmd.ins, sw = ?response.get(response.len().saturating_sub(2)..), "virtual EMV card");
        response
    }
}
