//! iso7816 — not yet implemented; see the issue that owns it.
