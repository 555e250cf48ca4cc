//! Payment flow: reversal safety, store-and-forward, settlement.
