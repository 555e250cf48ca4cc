//! The EMV level-2 kernel, sans-IO, and the EMV cryptography it and the virtual card share.
//!
//! - [`crypto`]: key derivation, cryptograms, ARPC, RSA and offline data authentication.
//! - [`ca`]: the CA public key table and revocation list.
//! - [`kernel`]: the sans-IO kernel (contact, contactless).
//! - [`magstripe`]: ISO 7813 tracks and the service code rules for swipes.

pub mod ca;
pub mod crypto;
pub mod kernel;
pub mod magstripe;
