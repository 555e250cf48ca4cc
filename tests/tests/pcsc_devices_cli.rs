//! `pos devices list` and `pos devices watch` (their run functions) against the real pcscd
//! with the virtual card inserted and pulled.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pos_app::devices::{DevicesCmd, run_devices};
use pos_drivers::sim::test_card::TestCard;
use pos_drivers::sim::vpcd::{VirtualCard, vpcd_addr};
use pos_hal::device::DevicesConfig;
use pos_tests::pcscd::PcscdGuard;

fn pcsc_config() -> DevicesConfig {
    DevicesConfig {
        card_reader: "pcsc:Virtual PCD".into(),
        ..Default::default()
    }
}

#[test]
fn list_shows_both_vpcd_readers_and_the_card() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let card = VirtualCard::spawn(vpcd_addr(1), Box::new(TestCard::contactless()), true);
    assert!(card.wait_connected(true, Duration::from_secs(10)));
    // pcscd notices a new card on its next poll (normally well under a second).
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let mut out = Vec::new();
        run_devices(DevicesCmd::List, &pcsc_config(), false, &mut out).unwrap();
        text = String::from_utf8(out).unwrap();
        if text.contains("Virtual PCD 00 01")
            && text
                .lines()
                .any(|l| l.contains("00 01") && l.contains("card present"))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        text.lines()
            .any(|l| l.contains("Virtual PCD 00 00") && l.contains("empty")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("Virtual PCD 00 01") && l.contains("card present")),
        "{text}"
    );
    assert!(text.contains("pcsc:Virtual PCD"), "{text}");
}

/// Hands every line the watcher writes to the test the moment it is written.
struct LineSender {
    tx: mpsc::Sender<String>,
    partial: Vec<u8>,
}

impl Write for LineSender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let _ = self
                .tx
                .send(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn watch_prints_insert_and_remove() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let (tx, lines) = mpsc::channel();
    let watcher = std::thread::spawn(move || {
        let watch = DevicesCmd::Watch {
            count: Some(2),
            seconds: Some(60),
        };
        let mut out = LineSender {
            tx,
            partial: Vec::new(),
        };
        run_devices(watch, &pcsc_config(), true, &mut out)
    });
    let next_line = || {
        lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the watcher printed nothing more")
    };
    // The watcher says "watching" once it has its first snapshot: only then is the card
    // inserted, and only once the insert is reported is it pulled.
    let header = next_line();
    assert!(header.starts_with("watching"), "{header}");
    let card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    let inserted: serde_json::Value = serde_json::from_str(&next_line()).unwrap();
    assert_eq!(inserted["event"], "card_inserted");
    assert_eq!(inserted["reader"], "Virtual PCD 00 00");
    card.remove();
    let removed: serde_json::Value = serde_json::from_str(&next_line()).unwrap();
    assert_eq!(removed["event"], "card_removed");
    watcher.join().unwrap().unwrap();
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn sim_card_command_serves_the_card_and_obeys_the_tester() {
    use pos_app::devices::{SimCardArgs, SimCmd, run_sim};
    use pos_hal::device::{CardReader, UposDevice};

    let _pcscd = PcscdGuard::acquire().unwrap();
    let (pipe_out, mut commands) = std::io::pipe().unwrap();
    let server = std::thread::spawn(move || {
        let args = SimCardArgs {
            profile: "test".into(),
            reader: 0,
            removed: false,
        };
        let mut out = Vec::new();
        run_sim(
            SimCmd::Card(args),
            &mut std::io::BufReader::new(pipe_out),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    });
    let mut reader = pos_drivers::pcsc::PcscReader::new(
        "card_reader",
        pos_drivers::pcsc::PcscSettings {
            reader_filter: "Virtual PCD 00 00".into(),
        },
    );
    reader.start(Duration::ZERO).unwrap();
    let mut present = |want: bool| {
        for _ in 0..200 {
            if reader.readers().unwrap()[0].card_present == want {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("card_present never became {want}");
    };
    present(true);
    writeln!(commands, "remove").unwrap();
    present(false);
    writeln!(commands, "dance").unwrap();
    writeln!(commands, "insert").unwrap();
    present(true);
    writeln!(commands, "quit").unwrap();
    let transcript = server.join().unwrap();
    assert!(
        transcript.contains("on vpcd 127.0.0.1:35963 (inserted)"),
        "{transcript}"
    );
    assert!(transcript.contains("ok Remove"), "{transcript}");
    assert!(
        transcript.contains("error: unknown command \"dance\""),
        "{transcript}"
    );
    assert!(transcript.contains("ok Insert"), "{transcript}");
}
