//! Back-office sync: the lane's outbox delivered exactly once to HQ, and HQ's catalog, price,
//! tax and user changes pulled by the lanes.
//!
//! The protocol core ([`protocol`], [`pusher`], [`backoff`]) is sans-IO: it validates and
//! decides, it never touches a socket or a file. [`lane_store`] is the lane's SQLite side,
//! [`client`] the HTTP shell, [`worker`] the loop that drives them, [`hq`] the server.

pub mod backoff;
pub mod cli;
pub mod client;
pub mod config;
pub mod hq;
pub mod lane_store;
pub mod protocol;
pub mod pusher;
pub mod worker;
