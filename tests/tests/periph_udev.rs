//! udev/70-pos-devices.rules validated with `udevadm test` (Debian 12's udev 252 has no
//! `udevadm verify`) against fake devices from umockdev (tests/captures/*.umockdev), through
//! udev/test-rules.sh, which keeps the host's /etc, /dev and /run/udev untouched (private
//! mount namespace; needs root, as CI runs).

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn udev_test(fixture: &str, syspath: &str, rules: Option<&Path>) -> String {
    let root = root();
    let mut command = Command::new(root.join("udev/test-rules.sh"));
    command
        .arg(root.join("tests/captures").join(fixture))
        .arg(syspath);
    if let Some(rules) = rules {
        command.arg(rules);
    }
    let output = command
        .output()
        .expect("udev/test-rules.sh (needs udev, umockdev, util-linux)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "udevadm test failed:\n{text}");
    text
}

/// Lines where udevadm names our rules file, other than reading it.
fn rule_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| l.contains("70-pos-devices.rules:"))
        .collect()
}

fn assert_pos_device(output: &str, links: &[&str]) {
    let lines = rule_lines(output);
    for line in &lines {
        assert!(
            [" GROUP ", " MODE ", " LINK "]
                .iter()
                .any(|k| line.contains(k)),
            "udevadm reports a problem with the rules: {line}"
        );
    }
    assert!(
        lines.iter().any(|l| l.ends_with("GROUP 990")),
        "group pos not applied:\n{output}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with("MODE 0660")),
        "mode not applied:\n{output}"
    );
    assert!(
        output
            .lines()
            .any(|l| l.starts_with("TAGS=") && l.contains(":uaccess:")),
        "no uaccess tag:\n{output}"
    );
    let devlinks = output
        .lines()
        .find(|l| l.starts_with("DEVLINKS="))
        .unwrap_or_default();
    for link in links {
        assert!(
            devlinks
                .split(' ')
                .any(|d| d.trim_start_matches("DEVLINKS=") == *link),
            "{link} missing: {devlinks}"
        );
    }
}

#[test]
fn usb_printer_gets_pos_group_uaccess_and_links() {
    let out = udev_test("printer.umockdev", "/sys/bus/usb/devices/1-4", None);
    assert_pos_device(
        &out,
        &["/dev/pos/printer0", "/dev/pos/printer-04b8-X5Z0012345"],
    );
}

#[test]
fn hid_swipe_reader_gets_pos_group_uaccess_and_links() {
    let out = udev_test("msr.umockdev", "/sys/bus/usb/devices/1-2", None);
    assert_pos_device(&out, &["/dev/pos/msr0", "/dev/pos/msr-0801-B0E4B27"]);
}

#[test]
fn hid_scanner_gets_pos_group_uaccess_and_links() {
    let out = udev_test("scanner.umockdev", "/sys/bus/usb/devices/1-1", None);
    assert_pos_device(
        &out,
        &["/dev/pos/scanner0", "/dev/pos/scanner-0c2e-17110B4F4C"],
    );
}

#[test]
fn usb_serial_adapter_gets_a_stable_name() {
    let out = udev_test("ftdi.umockdev", "/sys/class/tty/ttyUSB0", None);
    assert_pos_device(&out, &["/dev/pos/serial-A50285BI"]);
}

#[test]
fn other_usb_devices_are_left_alone() {
    let out = udev_test("other.umockdev", "/sys/bus/usb/devices/1-1", None);
    assert!(
        rule_lines(&out).is_empty(),
        "rules touched an unrelated device:\n{out}"
    );
    assert!(!out.contains("/dev/pos/"), "{out}");
}

#[test]
fn a_broken_rule_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("udev/70-pos-devices.rules")).unwrap();
    let broken = good.replacen("ATTR{idVendor}==\"0801\"", "FOO==\"0801\"", 1);
    assert_ne!(good, broken);
    let path = dir.path().join("70-pos-devices.rules");
    std::fs::write(&path, broken).unwrap();
    let out = udev_test("msr.umockdev", "/sys/bus/usb/devices/1-2", Some(&path));
    assert!(
        rule_lines(&out)
            .iter()
            .any(|l| l.contains("Invalid key 'FOO'")),
        "{out}"
    );
}
