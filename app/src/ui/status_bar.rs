//! The status bar along the bottom: lane, user, devices, acquirer and back-office links,
//! and how many transactions wait for sync. Words, not only colours, carry the state.

use super::backend::{LaneInfo, LinkState, LinkStatus, Role, UserTile};
use super::screen::settings::link_label;
use super::theme;
use super::widget::Element;
use iced::Fill;
use iced::widget::{container, row, text};

/// The queue figure, with parked events named apart: they wait for a manager, not for HQ.
pub fn sync_label(status: &LinkStatus) -> String {
    if status.sync_parked == 0 {
        format!("Sync queue: {}", status.sync_queue)
    } else {
        format!(
            "Sync queue: {} · parked: {} (refused by HQ)",
            status.sync_queue, status.sync_parked
        )
    }
}

pub fn view<'a, M: 'a>(
    lane: &'a LaneInfo,
    user: Option<&'a UserTile>,
    status: &'a LinkStatus,
) -> Element<'a, M> {
    let who = match user {
        Some(u) if u.role == Role::Manager => format!("{} (manager)", u.name),
        Some(u) => u.name.clone(),
        None => "nobody logged in".to_string(),
    };
    let up = status
        .devices
        .iter()
        .filter(|d| d.state == LinkState::Up)
        .count();
    let sim = status.devices.iter().any(|d| d.simulated);
    let devices = format!(
        "Devices {up}/{}{}",
        status.devices.len(),
        if sim { " (sim)" } else { "" }
    );
    let item = |s: String| {
        text(s)
            .size(15)
            .wrapping(iced::widget::text::Wrapping::None)
    };
    container(
        row![
            item(format!("{} · {}", lane.store_name, lane.lane_id)),
            item(who),
            item(devices),
            item(format!("Acquirer: {}", link_label(status.acquirer))),
            item(format!("Back office: {}", link_label(status.back_office))),
            iced::widget::space().width(Fill),
            item(sync_label(status)),
        ]
        .spacing(16),
    )
    .padding([8, 16])
    .width(Fill)
    .style(theme::status_bar)
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_events_are_named_apart_from_the_queue_only_when_there_are_some() {
        let mut status = LinkStatus {
            devices: Vec::new(),
            acquirer: LinkState::Recovering,
            back_office: LinkState::Up,
            sync_queue: 3,
            sync_parked: 0,
        };
        assert_eq!(sync_label(&status), "Sync queue: 3");
        status.sync_parked = 2;
        assert_eq!(
            sync_label(&status),
            "Sync queue: 3 · parked: 2 (refused by HQ)"
        );
    }
}
