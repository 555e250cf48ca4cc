//! Offline data authentication in the flow (Book 3 10.3): pick CDA, DDA or SDA from the AIP
//! and the terminal capabilities, find the CA key, check revocation and expiry, recover the
//! issuer and ICC keys, and run INTERNAL AUTHENTICATE for DDA. Failures set TVR bits; they
//! never stop the transaction (terminal action analysis decides).

use super::bits::*;
use super::session::{Session, Step, malformed};
use crate::emv::crypto::{
    RsaPublicKey, open_sdad_dda, open_ssad, recover_icc_key, recover_issuer_key,
};
use crate::tlv::{Dol, parse, tags};

/// Which ODA method this transaction uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    None,
    Sda,
    Dda,
    Cda,
}

impl Session {
    pub(super) fn oda_method(&self) -> Method {
        let aip = self
            .card_value(tags::AIP)
            .and_then(|a| a.first().copied())
            .unwrap_or(0);
        let caps = self.cfg.capabilities[2];
        if aip & 0x01 != 0 && caps & 0x08 != 0 {
            Method::Cda
        } else if aip & 0x20 != 0 && caps & 0x40 != 0 {
            Method::Dda
        } else if aip & 0x40 != 0 && caps & 0x80 != 0 {
            Method::Sda
        } else {
            Method::None
        }
    }

    pub(super) fn cda_selected(&self) -> bool {
        self.oda_method() == Method::Cda && self.icc_key.is_some() && !is_set(&self.tvr, CDA_FAILED)
    }

    pub(super) async fn offline_data_authentication(&mut self) -> Step<()> {
        let method = self.oda_method();
        if method == Method::None {
            self.set(ODA_NOT_PERFORMED);
            return Ok(());
        }
        self.set_tsi(TSI_ODA_PERFORMED);
        match method {
            Method::Sda => {
                self.set(SDA_SELECTED);
                if let Err(why) = self.sda() {
                    tracing::info!(%why, "SDA failed");
                    self.set(SDA_FAILED);
                }
            }
            Method::Dda => {
                if let Err(why) = self.dda().await? {
                    tracing::info!(%why, "DDA failed");
                    self.set(DDA_FAILED);
                }
            }
            Method::Cda => match self.icc_public_key() {
                Ok(key) => self.icc_key = Some(key),
                Err(why) => {
                    tracing::info!(%why, "CDA key recovery failed");
                    self.set(CDA_FAILED);
                }
            },
            Method::None => {}
        }
        Ok(())
    }

    /// The issuer public key, after CA lookup, certificate checks and revocation.
    fn issuer_public_key(&mut self) -> Result<RsaPublicKey, String> {
        let aid = self
            .selected
            .as_ref()
            .map(|c| c.aid.clone())
            .unwrap_or_default();
        let rid = aid.get(..5).ok_or("AID shorter than a RID")?;
        let Some(index) = self
            .card_value(tags::CA_INDEX)
            .and_then(|i| i.first().copied())
        else {
            self.set(ICC_DATA_MISSING);
            return Err("no CA public key index (8F)".into());
        };
        let ca = self
            .cfg
            .ca
            .find(rid, index)
            .ok_or("CA public key not in the terminal's table")?;
        let (cert, exp) = match (
            self.card_value(tags::ISSUER_CERT),
            self.card_value(tags::ISSUER_EXP),
        ) {
            (Some(c), Some(e)) => (c, e),
            _ => {
                self.set(ICC_DATA_MISSING);
                return Err("issuer certificate or exponent missing".into());
            }
        };
        let remainder = self.card_value(tags::ISSUER_REMAINDER).unwrap_or_default();
        let pan = self.pan().unwrap_or_default();
        let issuer = recover_issuer_key(&ca.key, cert, remainder, exp, &pan, self.p.date)
            .map_err(|e| format!("issuer certificate: {e}"))?;
        if self.cfg.ca.is_revoked(rid, index, issuer.serial) {
            return Err("issuer certificate revoked".into());
        }
        Ok(issuer.key)
    }

    pub(super) fn icc_public_key(&mut self) -> Result<RsaPublicKey, String> {
        let issuer = self.issuer_public_key()?;
        if self.oda_record_invalid {
            return Err("a record for ODA is not in template 70".into());
        }
        let (cert, exp) = match (
            self.card_value(tags::ICC_CERT),
            self.card_value(tags::ICC_EXP),
        ) {
            (Some(c), Some(e)) => (c, e),
            _ => {
                self.set(ICC_DATA_MISSING);
                return Err("ICC certificate or exponent missing".into());
            }
        };
        let remainder = self.card_value(tags::ICC_REMAINDER).unwrap_or_default();
        let pan = self.pan().unwrap_or_default();
        recover_icc_key(
            &issuer,
            cert,
            remainder,
            exp,
            &pan,
            &self.static_data,
            self.p.date,
        )
        .map_err(|e| format!("ICC certificate: {e}"))
    }

    fn sda(&mut self) -> Result<(), String> {
        let issuer = self.issuer_public_key()?;
        if self.oda_record_invalid {
            return Err("a record for ODA is not in template 70".into());
        }
        let ssad = self
            .card_value(tags::SSAD)
            .ok_or("no signed static application data (93)")?;
        let dac = open_ssad(&issuer, ssad, &self.static_data).map_err(|e| e.to_string())?;
        self.card.insert(crate::tlv::Tag(0x9F45), dac.to_vec());
        Ok(())
    }

    /// Outer `Err`: the card went away; inner `Err`: DDA failed.
    async fn dda(&mut self) -> Step<Result<(), String>> {
        let key = match self.icc_public_key() {
            Ok(k) => k,
            Err(e) => return Ok(Err(e)),
        };
        let ddol_bytes = match self.card_value(tags::DDOL) {
            Some(d) => d.to_vec(),
            None => self
                .aid_cfg
                .as_ref()
                .map(|a| a.default_ddol.clone())
                .unwrap_or_default(),
        };
        let ddol = Dol::parse(&ddol_bytes).map_err(|e| malformed(format!("DDOL: {e}")))?;
        if !ddol.entries.iter().any(|e| e.tag == tags::UN) {
            return Ok(Err("DDOL without unpredictable number".into()));
        }
        let data = self.dol_data(&ddol);
        let r = self.command([0x00, 0x88, 0x00, 0x00], &data).await?;
        if !r.ok() {
            return Ok(Err(format!("INTERNAL AUTHENTICATE answered {:02X?}", r.sw)));
        }
        let objects = match parse(&r.data) {
            Ok(o) => o,
            Err(e) => return Ok(Err(format!("INTERNAL AUTHENTICATE answer: {e}"))),
        };
        let sdad = match objects.as_slice() {
            [o] if o.tag == tags::RESPONSE_FORMAT1 => o.bytes().unwrap_or_default().to_vec(),
            _ => match crate::tlv::find_bytes(&objects, tags::SDAD) {
                Some(s) => s.to_vec(),
                None => return Ok(Err("no SDAD".into())),
            },
        };
        Ok(match open_sdad_dda(&key, &sdad, &data) {
            Ok(idn) => {
                self.card.insert(tags::ICC_DYNAMIC_NUMBER, idn);
                self.icc_key = Some(key);
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        })
    }
}
