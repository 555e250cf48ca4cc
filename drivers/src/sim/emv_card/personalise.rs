//! Personalisation: turns an [`AppProfile`] into what the card actually stores — FCI, records,
//! AFL, DOLs, keys — and signs the issuer and ICC certificates (or the SDA signature) with the
//! committed test keys, the way an issuer's personalisation bureau would.

use super::profile::{AppProfile, ProfileError, cn, hex, hex_n, private_key};
use pos_hal::emv::crypto::{Key16, RsaPrivateKey, derive_icc_mk, seal};
use pos_hal::tlv::{Dol, Tag, Tlv, encode, tags};
use std::collections::BTreeMap;

/// Offline data authentication the card supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oda {
    None,
    Sda,
    Dda,
    Cda,
}

/// One application, ready to answer commands.
#[derive(Debug, Clone)]
pub struct App {
    pub aid: Vec<u8>,
    pub label: String,
    pub priority: u8,
    pub fci: Vec<u8>,
    /// Encoded records (template 70) by (SFI, record number).
    pub records: BTreeMap<(u8, u8), Vec<u8>>,
    pub afl: Vec<u8>,
    pub aip: [u8; 2],
    pub pdol: Dol,
    pub cdol1: Dol,
    pub cdol2: Dol,
    pub oda: Oda,
    pub icc_key: RsaPrivateKey,
    /// ICC master key for application cryptograms (derived from the issuer master key).
    pub mk: Key16,
    /// ICC master key for issuer script integrity (derived from the issuer's IMK-SMI).
    pub mk_smi: Key16,
    pub gpo_format: u8,
    pub genac_format: u8,
    pub blocked: bool,
    pub always_online: bool,
    pub qvsdc: bool,
    pub ctq: [u8; 2],
    pub track2: Vec<u8>,
    pub psn: u8,
}

fn t(tag: u32, value: impl Into<Vec<u8>>) -> Tlv {
    Tlv::primitive(Tag(tag), value)
}

fn dol(s: &str, field: &'static str) -> Result<Dol, ProfileError> {
    Dol::parse(&hex(s, field)?).map_err(|_| ProfileError::BadHex(field))
}

/// Personalises one application.
pub fn personalise(p: &AppProfile) -> Result<App, ProfileError> {
    let aid = hex(&p.aid, "aid")?;
    let pan = cn(&p.pan, "pan")?;
    let [psn] = hex_n::<1>(&p.psn, "psn")?;
    let expiry = hex_n::<3>(&p.expiry, "expiry")?;
    let aip = hex_n::<2>(&p.aip, "aip")?;
    let pdol_bytes = hex(&p.pdol, "pdol")?;
    let ddol_bytes = hex(&p.ddol, "ddol")?;
    let oda = match p.oda.as_str() {
        "none" => Oda::None,
        "sda" => Oda::Sda,
        "dda" => Oda::Dda,
        "cda" => Oda::Cda,
        _ => return Err(ProfileError::BadHex("oda")),
    };
    let service_code = cn(&format!("0{}", p.service_code), "service_code")?;
    let track2 = track2(&p.pan, &p.expiry, &p.service_code)?;

    // Record 1 of SFI 1 is signed (ODA); its order is the order a real bureau would use.
    let mut rec1 = vec![
        t(0x5A, pan.clone()),
        t(0x5F24, expiry),
        t(0x5F25, hex_n::<3>(&p.effective, "effective")?),
        t(0x5F34, [psn]),
        t(0x5F28, hex_n::<2>(&p.issuer_country, "issuer_country")?),
        t(0x9F42, hex_n::<2>(&p.currency, "currency")?),
        t(0x9F07, hex_n::<2>(&p.auc, "auc")?),
        t(0x9F08, hex_n::<2>(&p.app_version, "app_version")?),
        t(0x8E, hex(&p.cvm_list, "cvm_list")?),
        t(0x9F0D, hex_n::<5>(&p.iac_default, "iac_default")?),
        t(0x9F0E, hex_n::<5>(&p.iac_denial, "iac_denial")?),
        t(0x9F0F, hex_n::<5>(&p.iac_online, "iac_online")?),
        t(0x8C, hex(&p.cdol1, "cdol1")?),
        t(0x8D, hex(&p.cdol2, "cdol2")?),
        t(0x5F30, service_code),
        t(0x9F14, [p.lcol]),
        t(0x9F23, [p.ucol]),
        t(0x9F4A, [0x82]),
    ];
    if !ddol_bytes.is_empty() {
        rec1.push(t(0x9F49, ddol_bytes));
    }
    let rec2 = vec![
        t(0x57, track2.clone()),
        t(0x5F20, p.cardholder_name.as_bytes()),
    ];
    let static_data = [encode(&rec1), aip.to_vec()].concat();

    let icc_key = private_key(&p.icc_key)?;
    let mut records = BTreeMap::new();
    records.insert((1, 1), encode(&[Tlv::constructed(tags::RECORD, rec1)]));
    records.insert((1, 2), encode(&[Tlv::constructed(tags::RECORD, rec2)]));
    let mut afl = vec![0x08, 1, 2, 1];
    if oda != Oda::None {
        let (r1, r2) = certificates(p, oda, &pan, &static_data, &icc_key)?;
        records.insert((2, 1), encode(&[Tlv::constructed(tags::RECORD, r1)]));
        records.insert((2, 2), encode(&[Tlv::constructed(tags::RECORD, r2)]));
        afl.extend_from_slice(&[0x10, 1, 2, 0]);
    }

    let mut a5 = vec![t(0x50, p.label.as_bytes()), t(0x87, [p.priority])];
    if !pdol_bytes.is_empty() {
        a5.push(t(0x9F38, pdol_bytes));
    }
    a5.push(t(0x5F2D, *b"en"));
    let fci = encode(&[Tlv::constructed(
        tags::FCI,
        vec![
            t(0x84, aid.clone()),
            Tlv::constructed(tags::FCI_PROPRIETARY, a5),
        ],
    )]);

    let imk = hex_n::<16>(&p.issuer_master_key, "issuer_master_key")?;
    let imk_smi = hex_n::<16>(&p.issuer_smi_key, "issuer_smi_key")?;
    Ok(App {
        mk: derive_icc_mk(&imk, &p.pan, psn),
        mk_smi: derive_icc_mk(&imk_smi, &p.pan, psn),
        aid,
        label: p.label.clone(),
        priority: p.priority,
        fci,
        records,
        afl,
        aip,
        pdol: dol(&p.pdol, "pdol")?,
        cdol1: dol(&p.cdol1, "cdol1")?,
        cdol2: dol(&p.cdol2, "cdol2")?,
        oda,
        icc_key,
        gpo_format: p.gpo_format,
        genac_format: p.genac_format,
        blocked: p.blocked,
        always_online: p.always_online,
        qvsdc: p.qvsdc,
        ctq: hex_n::<2>(&p.ctq, "ctq")?,
        track2,
        psn,
    })
}

/// Track 2 equivalent data: PAN ‖ D ‖ YYMM ‖ service code ‖ discretionary, F-padded.
fn track2(pan: &str, expiry: &str, service_code: &str) -> Result<Vec<u8>, ProfileError> {
    let mut s = format!(
        "{pan}D{}{service_code}0000000000",
        expiry.get(..4).unwrap_or("")
    );
    if s.len() % 2 == 1 {
        s.push('F');
    }
    hex(&s, "track2")
}

/// The two ODA records: CA index and issuer certificate; then the ICC certificate (DDA/CDA)
/// or the signed static application data (SDA).
fn certificates(
    p: &AppProfile,
    oda: Oda,
    pan: &[u8],
    static_data: &[u8],
    icc_key: &RsaPrivateKey,
) -> Result<(Vec<Tlv>, Vec<Tlv>), ProfileError> {
    let ca = private_key(&p.ca_key)?;
    let issuer = private_key(&p.issuer_key)?;
    let sign_err = |e: pos_hal::emv::crypto::OdaError| ProfileError::Signing(e.to_string());

    // Issuer certificate (Book 2 table 13): issuer id = leftmost 6 PAN digits, F-padded.
    let mut issuer_id = pan[..3].to_vec();
    issuer_id.extend_from_slice(&[0xFF]);
    let (field, remainder) = split_key(&issuer.public.modulus, ca.public.len() - 36);
    let mut body = vec![0x02];
    body.extend_from_slice(&issuer_id);
    body.extend_from_slice(&hex_n::<2>(&p.issuer_cert_expiry, "issuer_cert_expiry")?);
    body.extend_from_slice(&hex_n::<3>(&p.issuer_cert_serial, "issuer_cert_serial")?);
    body.extend_from_slice(&[
        0x01,
        0x01,
        issuer.public.len() as u8,
        issuer.public.exponent.len() as u8,
    ]);
    body.extend_from_slice(&field);
    let issuer_cert = seal(
        &ca,
        &body,
        &[remainder.as_slice(), &issuer.public.exponent].concat(),
    )
    .map_err(sign_err)?;
    let r1 = vec![
        t(0x8F, hex_n::<1>(&p.ca_index, "ca_index")?),
        t(0x90, issuer_cert),
        t(0x92, remainder),
        t(0x9F32, issuer.public.exponent.clone()),
    ];

    let r2 = if oda == Oda::Sda {
        // Signed static application data (Book 2 table 7), DAC 0xDAC1.
        let mut body = vec![0x03, 0x01, 0xDA, 0xC1];
        body.resize(issuer.public.len() - 22, 0xBB);
        vec![t(
            0x93,
            seal(&issuer, &body, static_data).map_err(sign_err)?,
        )]
    } else {
        // ICC certificate (Book 2 table 14): the whole PAN F-padded to 10 bytes.
        let mut pan_field = pan.to_vec();
        pan_field.resize(10, 0xFF);
        let exp = hex(&p.expiry, "expiry")?;
        let (field, remainder) = split_key(&icc_key.public.modulus, issuer.public.len() - 42);
        let mut body = vec![0x04];
        body.extend_from_slice(&pan_field);
        body.extend_from_slice(&[exp[1], exp[0]]); // MMYY from YYMMDD
        body.extend_from_slice(&[0x00, 0x00, 0x01, 0x01, 0x01]);
        body.extend_from_slice(&[
            icc_key.public.len() as u8,
            icc_key.public.exponent.len() as u8,
        ]);
        body.extend_from_slice(&field);
        let extra = [remainder.as_slice(), &icc_key.public.exponent, static_data].concat();
        vec![
            t(0x9F46, seal(&issuer, &body, &extra).map_err(sign_err)?),
            t(0x9F47, icc_key.public.exponent.clone()),
            t(0x9F48, remainder),
        ]
    };
    Ok((r1, r2))
}

/// Splits a modulus into the part a certificate carries (padded with BB to `room`) and the
/// remainder stored beside it.
fn split_key(modulus: &[u8], room: usize) -> (Vec<u8>, Vec<u8>) {
    if modulus.len() <= room {
        let mut field = modulus.to_vec();
        field.resize(room, 0xBB);
        (field, Vec::new())
    } else {
        (modulus[..room].to_vec(), modulus[room..].to_vec())
    }
}
