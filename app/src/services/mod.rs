//! services — not yet implemented; see the issue that owns it.
