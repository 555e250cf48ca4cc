//! Receipt printing end to end over real transports: the ESC/POS driver and its spooler talk
//! to the simulated printer over TCP (127.0.0.1, as a 9100 printer) and over a real pty (as a
//! serial printer). Paper out in the middle of a receipt holds the job, the cashier is told,
//! and after the roll is replaced the receipt completes exactly once.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pos_drivers::escpos::encode;
use pos_drivers::escpos::printer::EscPosPrinter;
use pos_drivers::escpos::spooler::SpoolerConfig;
use pos_drivers::net::TcpPipe;
use pos_drivers::pipe::BytePipe;
use pos_drivers::serial::{Flow, SerialConfig, SerialPipe};
use pos_drivers::sim::printer::{SimPrinterHandle, serve};
use pos_hal::device::UposDevice;
use pos_hal::device::drawer::CashDrawer;
use pos_hal::device::printer::{
    Attention, JobId, JobState, PaperLevel, PrinterEvent, ReceiptPrinter,
};
use pos_hal::receipt::{
    CardBlock, Columns, Document, EntryMode, ItemLine, MaskedPan, ReceiptCode, SaleReceipt,
    TaxLine, TenderLine, TotalLine,
};
use pos_tests::child::ChildGuard;
use pos_tests::net::ReservedPort;

/// A card sale; the PAN is the Visa test card of EMVCo's contact test set as printed masked.
fn card_sale(columns: Columns) -> Document {
    let mut card = CardBlock::new(
        "A0000000031010",
        "VISA CREDIT",
        MaskedPan::last4("4761739001010010").unwrap(),
        EntryMode::Chip,
        "0000008000",
        "E800",
        "A1B2C3",
        "EUR 7.33",
    )
    .unwrap();
    card.cvm = "PIN VERIFIED".into();
    let item = |d: &str, q: &str, a: &str| ItemLine {
        description: d.into(),
        quantity: q.into(),
        amount: a.into(),
        tax_code: "A".into(),
    };
    SaleReceipt {
        header: vec![
            "Corner Shop".into(),
            "1 Main Street, Springfield".into(),
            "VAT DE123456789".into(),
        ],
        receipt_no: "0001-000042".into(),
        timestamp: "2026-11-29 09:30".into(),
        lane: "Lane 1  Cashier: Ann".into(),
        lines: vec![
            item("Whole milk 1l", "", "1.19"),
            item("Sourdough bread", "", "3.49"),
            item("Apples", "0.750 kg x €2.20/kg", "1.65"),
            item("Coffee beans 250g", "", "0.99"),
        ],
        totals: vec![
            TotalLine {
                label: "Subtotal".into(),
                amount: "€7.32".into(),
                emphasis: false,
            },
            TotalLine {
                label: "TOTAL".into(),
                amount: "€7.33".into(),
                emphasis: true,
            },
        ],
        taxes: vec![TaxLine {
            code: "A".into(),
            rate: "7%".into(),
            net: "6.85".into(),
            tax: "0.48".into(),
            gross: "7.33".into(),
        }],
        tenders: vec![TenderLine {
            label: "Card".into(),
            amount: "€7.33".into(),
        }],
        card: Some(card),
        footer: vec!["Thank you for shopping with us!".into()],
        code: ReceiptCode::Qr,
        copy_label: None,
    }
    .to_document(columns)
    .unwrap()
}

/// What the receipt looks like printed without any interruption.
fn printed_uninterrupted(doc: &Document) -> String {
    let reference = SimPrinterHandle::new(doc.columns.count());
    reference.exchange(&encode::document(doc).concat());
    reference.receipts()[0].text()
}

fn poll_until<P: BytePipe>(
    printer: &mut EscPosPrinter<P>,
    events: &mut Vec<PrinterEvent>,
    done: impl Fn(&[PrinterEvent]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(events) {
        assert!(
            Instant::now() < deadline,
            "timed out; events so far: {events:?}"
        );
        events.extend(printer.poll().unwrap());
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn config() -> SpoolerConfig {
    SpoolerConfig {
        segments_per_check: 2,
        // The simulated printer answers status at once; the timeout only bounds a stall (a
        // reply later than the 2 s default on a loaded machine would read as "offline").
        status_timeout: Duration::from_secs(20),
        ..SpoolerConfig::default()
    }
}

/// A TCP printer link whose timeouts only bound a stalled peer.
fn tcp_pipe(endpoint: String) -> TcpPipe {
    TcpPipe::new(endpoint, Duration::from_secs(20), Duration::from_secs(20))
}

/// Paper runs out after a few rows; the job must be held, then resume once and complete with
/// every row printed exactly once.
fn paper_out_mid_receipt<P: BytePipe>(
    printer: &mut EscPosPrinter<P>,
    sim: &SimPrinterHandle,
    doc: &Document,
) {
    let expected = printed_uninterrupted(doc);
    sim.paper_end_after_rows(6);
    let job = printer.print(doc).unwrap();
    let mut events = Vec::new();
    poll_until(printer, &mut events, |e| {
        e.iter().any(|e| matches!(e, PrinterEvent::Held { .. }))
    });
    assert_eq!(
        events,
        vec![PrinterEvent::Held {
            job,
            reason: Attention::PaperOut
        }]
    );
    assert_eq!(
        printer.job_state(job),
        Some(JobState::Held(Attention::PaperOut))
    );
    assert!(
        sim.receipts().is_empty(),
        "nothing is cut while the paper is out"
    );

    // Still out: polling again changes nothing and tells nobody twice.
    events.extend(printer.poll().unwrap());
    assert_eq!(events.len(), 1);

    sim.set_paper(PaperLevel::Adequate);
    poll_until(printer, &mut events, |e| {
        e.contains(&PrinterEvent::Completed { job })
    });
    assert_eq!(
        events,
        vec![
            PrinterEvent::Held {
                job,
                reason: Attention::PaperOut
            },
            PrinterEvent::Resumed { job },
            PrinterEvent::Completed { job },
        ]
    );
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1, "printed once");
    assert_eq!(receipts[0].text(), expected, "every row once, in order");
    assert_eq!(sim.protocol_errors(), 0);
}

fn started<P: BytePipe>(pipe: P) -> EscPosPrinter<P> {
    let mut printer = EscPosPrinter::new("printer0", pipe, config());
    printer.start(Duration::from_secs(1)).unwrap();
    printer
}

#[test]
fn tcp_printer_paper_out_mid_receipt_is_held_and_resumed_once() {
    let sim = SimPrinterHandle::new(48);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    let mut printer = started(tcp_pipe(server.endpoint.clone()));
    paper_out_mid_receipt(&mut printer, &sim, &card_sale(Columns::C48));
    server.stop();
}

#[test]
fn pty_printer_paper_out_mid_receipt_is_held_and_resumed_once() {
    let sim = SimPrinterHandle::new(32);
    let server = serve::serve_pty(sim.clone()).unwrap();
    let pipe = SerialPipe::new(SerialConfig {
        path: server.endpoint.clone(),
        baud: 19200,
        flow: Flow::Hardware,
    });
    let mut printer = started(pipe);
    paper_out_mid_receipt(&mut printer, &sim, &card_sale(Columns::C32));
    server.stop();
}

#[test]
fn cover_open_before_printing_holds_the_job_until_closed() {
    let sim = SimPrinterHandle::new(42);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    let mut printer = started(tcp_pipe(server.endpoint.clone()));
    sim.set_cover_open(true);
    let job = printer.print(&card_sale(Columns::C42)).unwrap();
    assert_eq!(
        printer.poll().unwrap(),
        vec![PrinterEvent::Held {
            job,
            reason: Attention::CoverOpen
        }]
    );
    assert_eq!(
        sim.backlog(),
        0,
        "nothing is sent to a printer that cannot print"
    );
    sim.set_cover_open(false);
    let mut events = Vec::new();
    poll_until(&mut printer, &mut events, |e| {
        e.contains(&PrinterEvent::Completed { job })
    });
    assert_eq!(sim.receipts().len(), 1);
    assert!(printer.job_state(JobId(job.0 + 1)).is_none());
}

#[test]
fn drawer_kick_through_the_printer_reports_open_then_closed() {
    let sim = SimPrinterHandle::new(48);
    let server = serve::serve_pty(sim.clone()).unwrap();
    let pipe = SerialPipe::new(SerialConfig {
        path: server.endpoint.clone(),
        baud: 9600,
        flow: Flow::None,
    });
    let mut printer = started(pipe);
    assert!(!printer.is_drawer_open().unwrap());
    printer.open_drawer().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !printer.is_drawer_open().unwrap() {
        assert!(Instant::now() < deadline, "drawer never reported open");
    }
    assert_eq!(sim.drawer_kicks(), 1);
    let mut events = printer.poll().unwrap();
    sim.set_drawer_open(false);
    events.extend(printer.poll().unwrap());
    assert!(events.contains(&PrinterEvent::DrawerClosed), "{events:?}");
}

#[test]
fn unreachable_printer_holds_the_job_as_offline() {
    // A port with nothing listening, held so that nobody else takes it meanwhile.
    let reserved = ReservedPort::new().unwrap();
    let port = reserved.addr().port();
    let mut printer = started(tcp_pipe(format!("127.0.0.1:{port}")));
    let job = printer.print(&card_sale(Columns::C48)).unwrap();
    assert_eq!(
        printer.poll().unwrap(),
        vec![PrinterEvent::Held {
            job,
            reason: Attention::Offline
        }]
    );
    assert_eq!(
        printer.job_state(job),
        Some(JobState::Held(Attention::Offline))
    );

    // The printer comes up on that port: the job prints.
    let sim = SimPrinterHandle::new(48);
    let server =
        serve::serve_tcp(TcpListener::bind(("127.0.0.1", port)).unwrap(), sim.clone()).unwrap();
    let mut events = Vec::new();
    poll_until(&mut printer, &mut events, |e| {
        e.contains(&PrinterEvent::Completed { job })
    });
    assert_eq!(events[0], PrinterEvent::Resumed { job });
    assert_eq!(sim.receipts().len(), 1);
    server.stop();
}

/// The committed preview (assets/receipts/) is what the simulated printer renders for a card
/// sale; regenerate with `POS_UPDATE_PREVIEWS=1 cargo test -p pos-tests --test periph_printer`.
#[test]
fn card_sale_preview_matches_the_committed_png() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (columns, name) in [
        (Columns::C48, "card-sale-80mm.png"),
        (Columns::C32, "card-sale-58mm.png"),
    ] {
        let sim = SimPrinterHandle::new(columns.count());
        sim.exchange(&encode::document(&card_sale(columns)).concat());
        let png = sim.receipts()[0].png().unwrap();
        let path = root.join("assets/receipts").join(name);
        if std::env::var_os("POS_UPDATE_PREVIEWS").is_some() {
            std::fs::write(&path, &png).unwrap();
        }
        let committed = std::fs::read(&path).unwrap();
        assert!(
            committed == png,
            "{name} differs from the rendering; see the test's doc comment"
        );
    }
}

/// A serial printer behind socat: socat makes a pty (as a USB-serial adapter would) and relays
/// it to the simulated printer's TCP port, so the bytes cross a real pty and socat.
#[test]
fn serial_printer_through_socat_pty_paper_out_mid_receipt() {
    let sim = SimPrinterHandle::new(42);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ttyPOS");
    let mut socat = ChildGuard::new(
        std::process::Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", link.display()))
            .arg(format!("tcp:{}", server.endpoint))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("socat (Debian package socat)"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !link.exists() {
        assert!(Instant::now() < deadline, "socat made no pty");
        std::thread::sleep(Duration::from_millis(20));
    }
    let config = SerialConfig {
        path: link.display().to_string(),
        baud: 38400,
        flow: Flow::None,
    };
    let mut printer = started(SerialPipe::new(config));
    paper_out_mid_receipt(&mut printer, &sim, &card_sale(Columns::C42));
    socat.kill().unwrap();
    socat.wait().unwrap();
    server.stop();
}
