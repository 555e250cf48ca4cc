//! `pos sync` and `pos hq`: the lane's side of the back-office link and the HQ service.

use super::{CliError, Ctx};
use crate::sync::cli::{HqArgs, SyncCmd};
use crate::sync::lane_store::LaneStoreError;

/// HQ out of reach (`HqUnreachable`) and every other failure here are I/O or data errors
/// (exit 3), the error chain on one line.
fn data(e: anyhow::Error) -> CliError {
    CliError::Data(format!("{e:#}"))
}

pub fn sync(ctx: &Ctx, cmd: SyncCmd) -> Result<(), CliError> {
    let database = ctx.data_dir.join(crate::store::DB_FILE);
    if !database.exists() {
        return Err(CliError::Data(format!(
            "no database in {}: run `pos init` first",
            ctx.data_dir.display()
        )));
    }
    if matches!(cmd, SyncCmd::Retry { .. }) {
        // Sending again what HQ refused is a manager's call, made once the cause is fixed.
        let lane = ctx.session()?;
        if lane
            .user()
            .is_none_or(|u| u.role != crate::store::Role::Manager)
        {
            return Err(CliError::Refused(
                "putting parked events back in the sync queue needs a manager".into(),
            ));
        }
    }
    crate::sync::cli::run_sync(
        cmd,
        &database,
        &ctx.config.lane.id,
        &ctx.config.sync,
        ctx.json,
    )
    .map_err(|e| {
        // Retrying an event that is not parked is refused (exit 1), not an I/O failure.
        match e.downcast_ref::<LaneStoreError>() {
            Some(LaneStoreError::NotParked(_)) => CliError::Refused(e.to_string()),
            _ => data(e),
        }
    })
}

pub fn hq(ctx: &Ctx, args: HqArgs) -> Result<(), CliError> {
    crate::sync::cli::run_hq(args, ctx.json).map_err(data)
}
