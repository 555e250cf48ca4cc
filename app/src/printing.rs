//! Printing from the lane: the printer named in `[devices]`, a test page, the sale's receipt
//! right after the sale is committed (then the drawer kick after cash), reprints of stored
//! receipts marked COPY, the no-sale drawer kick, and the simulated printer as a service.
//! CLI shapes (`pos print test`, `pos receipt print RECEIPT`, `pos sim printer --tcp ADDR |
//! --pty`) are clap types here; the CLI module wires them. The UI prints through
//! [`worker::PrinterWorker`], which keeps a held job alive until the printer recovers.
//! Printing never undoes a sale: a printer that is out of paper or gone is reported, and the
//! receipt can be reprinted from the store.

pub mod worker;

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::services::{Lane, ReceiptCopy};
use anyhow::Context;
use pos_drivers::escpos::printer::EscPosPrinter;
use pos_drivers::escpos::spooler::SpoolerConfig;
use pos_drivers::net::TcpPipe;
use pos_drivers::pipe::BytePipe;
use pos_drivers::pipe::PipeError;
use pos_drivers::serial::{Flow, SerialConfig, SerialPipe, SerialScanner};
use pos_drivers::sim::printer::{SimPipe, SimPrinterHandle, serve};
use pos_drivers::sim::scanner::{SimScanner, SimScannerHandle};
use pos_drivers::sim::swipe::{SimSwipeHandle, SimSwipeReader};
use pos_drivers::usb::hidpos::HidPosLayout;
use pos_drivers::usb::{CLASS_HID, ScannerMode, UsbHidMsr, UsbHidScanner};
use pos_drivers::usb::{CLASS_PRINTER, UsbBulkPipe, UsbId, UsbTarget};
use pos_hal::device::drawer::CashDrawer;
use pos_hal::device::msr::MagStripeReader;
use pos_hal::device::printer::{JobId, PaperLevel, PrinterEvent, ReceiptPrinter};
use pos_hal::device::scanner::BarcodeScanner;
use pos_hal::device::{DeviceError, UposDevice};
use pos_hal::receipt::{
    Barcode, Columns, Document, DocumentBuilder, QrCode, ReceiptError, Style, Symbology,
};

/// Why printing from the lane failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintingError {
    #[error("printer {0:?}: expected sim, tcp:HOST:PORT, serial:PATH:BAUD or usb:VID:PID")]
    Spec(String),
    #[error(transparent)]
    Pipe(#[from] PipeError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Layout(#[from] ReceiptError),
    #[error(transparent)]
    Service(#[from] crate::services::ServiceError),
    #[error("{job} not printed within {secs}s; it stays queued while this process runs")]
    NotPrinted { job: JobId, secs: u64 },
}

/// The peripheral keys of `[devices]` (the card reader key belongs to the card reader code).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PrinterConfig {
    /// `sim` | `tcp:HOST:PORT` | `serial:PATH:BAUD` | `usb:VID:PID[,VID:PID...]`.
    pub printer: String,
    /// Paper width: 58 or 80.
    pub paper_mm: u16,
    /// Serial flow control for `serial:` printers: none | software | hardware.
    pub printer_flow: Flow,
    /// Seconds a CLI print waits for the printer before reporting the job held.
    pub wait_secs: u64,
    /// `sim` | `serial:PATH:BAUD` | `usb:VID:PID[,...]` (keyboard mode) | `usb-hidpos:VID:PID[,...]`.
    pub scanner: String,
    /// `sim` | `usb:VID:PID[,...]` (MagTek-style HID reader).
    pub msr: String,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            printer: "sim".into(),
            paper_mm: 80,
            printer_flow: Flow::None,
            wait_secs: 10,
            scanner: "sim".into(),
            msr: "sim".into(),
        }
    }
}

impl PrinterConfig {
    /// The printer settings in force (`[devices]`).
    pub fn from_config(config: &Config) -> Result<Self, PrintingError> {
        config
            .devices
            .printer_config()
            .map_err(|e| PrintingError::Spec(e.to_string()))
    }
}

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterSpec {
    Sim,
    Tcp(String),
    Serial(SerialConfig),
    Usb(Vec<UsbId>),
}

impl PrinterSpec {
    pub fn parse(spec: &str) -> Result<Self, PrintingError> {
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        Ok(match kind {
            "sim" => PrinterSpec::Sim,
            "tcp" if rest.contains(':') => PrinterSpec::Tcp(rest.to_string()),
            "serial" => PrinterSpec::Serial(SerialConfig::parse(rest)?),
            "usb" => PrinterSpec::Usb(
                rest.split(',')
                    .map(UsbId::parse)
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(PrintingError::Spec(spec.to_string())),
        })
    }

    /// The byte pipe to the printer (`sim` prints into an in-process simulator).
    pub fn pipe(&self) -> Box<dyn BytePipe> {
        match self {
            PrinterSpec::Sim => Box::new(SimPipe::new(SimPrinterHandle::new(48))),
            PrinterSpec::Tcp(address) => Box::new(TcpPipe::new(
                address.clone(),
                Duration::from_secs(3),
                Duration::from_secs(5),
            )),
            PrinterSpec::Serial(config) => Box::new(SerialPipe::new(config.clone())),
            PrinterSpec::Usb(ids) => Box::new(UsbBulkPipe::new(
                UsbTarget {
                    ids: ids.clone(),
                    class: CLASS_PRINTER,
                    detach_kernel_driver: true,
                },
                Duration::from_secs(5),
            )),
        }
    }
}

/// Opens, claims and enables the configured printer.
pub fn open_printer(
    config: &PrinterConfig,
) -> Result<EscPosPrinter<Box<dyn BytePipe>>, PrintingError> {
    let spec = PrinterSpec::parse(&config.printer)?;
    let mut printer = EscPosPrinter::new("printer0", spec.pipe(), SpoolerConfig::default());
    printer.start(Duration::from_secs(2))?;
    Ok(printer)
}

fn usb_ids(list: &str) -> Result<Vec<UsbId>, PrintingError> {
    Ok(list
        .split(',')
        .map(UsbId::parse)
        .collect::<Result<_, _>>()?)
}

fn hid_target(list: &str) -> Result<UsbTarget, PrintingError> {
    Ok(UsbTarget {
        ids: usb_ids(list)?,
        class: CLASS_HID,
        detach_kernel_driver: true,
    })
}

/// A started scanner from `[devices] scanner`; for `sim`, also the handle that injects scans.
pub fn open_scanner(
    spec: &str,
) -> Result<(Box<dyn BarcodeScanner + Send>, Option<SimScannerHandle>), PrintingError> {
    let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
    let (mut scanner, handle): (Box<dyn BarcodeScanner + Send>, _) = match kind {
        "sim" => {
            let (scanner, handle) = SimScanner::new("scanner0");
            (Box::new(scanner), Some(handle))
        }
        "serial" => (
            Box::new(SerialScanner::new(
                "scanner0",
                SerialPipe::new(SerialConfig::parse(rest)?),
            )),
            None,
        ),
        "usb" => (
            Box::new(UsbHidScanner::new(
                "scanner0",
                hid_target(rest)?,
                ScannerMode::Keyboard,
            )),
            None,
        ),
        "usb-hidpos" => {
            let mode = ScannerMode::HidPos(HidPosLayout::default());
            (
                Box::new(UsbHidScanner::new("scanner0", hid_target(rest)?, mode)),
                None,
            )
        }
        _ => return Err(PrintingError::Spec(spec.to_string())),
    };
    scanner.start(Duration::from_secs(2))?;
    Ok((scanner, handle))
}

/// A started magstripe reader from `[devices] msr`; for `sim`, also the handle that swipes.
pub fn open_msr(
    spec: &str,
) -> Result<(Box<dyn MagStripeReader + Send>, Option<SimSwipeHandle>), PrintingError> {
    let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
    let (mut reader, handle): (Box<dyn MagStripeReader + Send>, _) = match kind {
        "sim" => {
            let (reader, handle) = SimSwipeReader::new("msr0");
            (Box::new(reader), Some(handle))
        }
        "usb" => (Box::new(UsbHidMsr::new("msr0", hid_target(rest)?)), None),
        _ => return Err(PrintingError::Spec(spec.to_string())),
    };
    reader.start(Duration::from_secs(2))?;
    Ok((reader, handle))
}

/// A page that shows what the printer can do: code page with the euro sign, styles, codes.
pub fn test_page(columns: Columns, printer: &str) -> Result<Document, ReceiptError> {
    Ok(DocumentBuilder::new(columns)
        .text("TEST PAGE", Style::centered().bold().size(2, 2))
        .centered(format!("printer {printer}, {} columns", columns.count()))
        .rule()
        .line("Euro € Pound £ Yen ¥")
        .line("äöü ÄÖÜ ß éèê ñ ç å ø")
        .text("bold", Style::default().bold())
        .text("double width", Style::default().size(2, 1))
        .text("double height", Style::default().size(1, 2))
        .text(
            "right",
            Style::default().align(pos_hal::receipt::Align::Right),
        )
        .pair("Item", "€12.34")
        .rule()
        .barcode(Barcode::new(Symbology::Ean13, "4006381333931")?)
        .barcode(Barcode::new(Symbology::Code128, "POS-TEST-0001")?)
        .qr(QrCode::new("POS test page")?)
        .cut()
        .build())
}

/// Prints and waits until the job completes or `wait` passes; `report` hears each event.
pub fn print_and_wait<P: BytePipe>(
    printer: &mut EscPosPrinter<P>,
    document: &Document,
    wait: Duration,
    report: &mut dyn FnMut(String),
) -> Result<JobId, PrintingError> {
    let job = printer.print(document)?;
    wait_for_job(printer, job, wait, report)
}

/// Moves the queue until `job` completes or `wait` passes. A held job (paper out, cover open,
/// offline) is reported and resumes by itself once the printer recovers within `wait`.
pub fn wait_for_job<P: BytePipe>(
    printer: &mut EscPosPrinter<P>,
    job: JobId,
    wait: Duration,
    report: &mut dyn FnMut(String),
) -> Result<JobId, PrintingError> {
    let deadline = Instant::now() + wait;
    loop {
        for event in printer.poll()? {
            match event {
                PrinterEvent::Held { job: held, reason } => {
                    report(format!("{held} held: {reason}"))
                }
                PrinterEvent::Resumed { job: resumed } => report(format!("{resumed} resumed")),
                PrinterEvent::PaperNearEnd => report("paper is running low".into()),
                PrinterEvent::Completed { job: done } if done == job => {
                    report(format!("{job} printed"));
                    return Ok(job);
                }
                _ => {}
            }
        }
        if Instant::now() >= deadline {
            return Err(PrintingError::NotPrinted {
                job,
                secs: wait.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether `[devices] printer` names a printer the CLI should print on: a real one
/// (tcp/serial/usb). `sim` is the UI's in-process printer; a one-shot CLI run has no one to
/// show it to, and `none` (or empty) turns printing off.
pub fn cli_prints_on(printer: &str) -> bool {
    !matches!(printer.trim(), "" | "none" | "sim")
}

/// Whether the cash drawer hangs on the receipt printer's kick port: `[devices] drawer =
/// "printer"`, or the simulated drawer on the simulated printer.
pub fn drawer_on_printer(config: &Config) -> bool {
    match config.devices.drawer.trim() {
        "printer" => true,
        "sim" => config.devices.printer.trim() == "sim",
        _ => false,
    }
}

/// What became of a sale's receipt. The sale is committed before printing starts, so none of
/// these undoes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "receipt")]
pub enum ReceiptPrint {
    Printed {
        job: u64,
    },
    /// Held or unreachable past the wait; `pos receipt print` reprints it.
    NotPrinted {
        reason: String,
    },
}

/// Prints a committed sale's receipt on the configured printer and, after a cash sale, kicks
/// the drawer through the printer (first, so the drawer opens even while paper is out).
/// Never fails: whatever goes wrong is reported and the receipt can be reprinted.
pub fn print_sale_receipt(
    lane: &Lane,
    receipt_no: &str,
    open_drawer: bool,
    report: &mut dyn FnMut(String),
) -> ReceiptPrint {
    let result = (|| -> Result<JobId, PrintingError> {
        let config = PrinterConfig::from_config(lane.config())?;
        let document = lane.receipt_document(receipt_no, ReceiptCopy::Original)?;
        let mut printer = open_printer(&config)?;
        let job = printer.print(&document)?;
        if open_drawer {
            match printer.open_drawer() {
                Ok(()) => report("drawer opened".into()),
                Err(e) => report(format!("drawer not opened: {e}")),
            }
        }
        wait_for_job(
            &mut printer,
            job,
            Duration::from_secs(config.wait_secs),
            report,
        )
    })();
    match result {
        Ok(job) => ReceiptPrint::Printed { job: job.0 },
        Err(e) => {
            let reason = format!(
                "receipt {receipt_no} not printed ({e}); the sale is recorded: reprint with `pos receipt print {receipt_no}`"
            );
            tracing::warn!(receipt = receipt_no, error = %e, "receipt not printed");
            report(reason.clone());
            ReceiptPrint::NotPrinted { reason }
        }
    }
}

/// Opens the cash drawer through the printer (the caller has enforced who may).
pub fn open_drawer(config: &PrinterConfig) -> Result<(), PrintingError> {
    let mut printer = open_printer(config)?;
    printer.open_drawer()?;
    Ok(())
}

/// `pos print ...`
#[derive(Debug, clap::Subcommand)]
pub enum PrintCmd {
    /// Print a test page on the configured printer.
    Test {
        /// Override `[devices] printer` (sim | tcp:HOST:PORT | serial:PATH:BAUD | usb:VID:PID).
        #[arg(long)]
        printer: Option<String>,
    },
}

/// `pos receipt ...`
#[derive(Debug, clap::Subcommand)]
pub enum ReceiptCmd {
    /// Reprint a stored sale, refund or void receipt (marked COPY).
    Print {
        /// Receipt number.
        receipt: String,
        #[arg(long)]
        printer: Option<String>,
    },
}

fn with_override(config: &PrinterConfig, printer: &Option<String>) -> PrinterConfig {
    let mut config = config.clone();
    if let Some(printer) = printer {
        config.printer = printer.clone();
    }
    config
}

pub fn run_print(cmd: PrintCmd, config: &PrinterConfig) -> anyhow::Result<()> {
    match cmd {
        PrintCmd::Test { printer } => {
            let config = with_override(config, &printer);
            let columns = Columns::for_paper_mm(config.paper_mm)?;
            let mut device = open_printer(&config)?;
            print_and_wait(
                &mut device,
                &test_page(columns, &config.printer)?,
                Duration::from_secs(config.wait_secs),
                &mut |m| println!("{m}"),
            )?;
            Ok(())
        }
    }
}

/// Reprints a stored sale, refund or void, marked COPY, on the configured printer.
pub fn run_receipt(cmd: ReceiptCmd, lane: &Lane) -> Result<(), PrintingError> {
    match cmd {
        ReceiptCmd::Print { receipt, printer } => {
            let config = with_override(&PrinterConfig::from_config(lane.config())?, &printer);
            let document = lane.receipt_document(&receipt, ReceiptCopy::Reprint)?;
            let mut device = open_printer(&config)?;
            print_and_wait(
                &mut device,
                &document,
                Duration::from_secs(config.wait_secs),
                &mut |m| println!("{m}"),
            )?;
            Ok(())
        }
    }
}

/// `pos sim printer --tcp ADDR | --pty`
#[derive(Debug, clap::Args)]
pub struct SimPrinterArgs {
    /// Listen on this TCP address (e.g. 127.0.0.1:9100).
    #[arg(long, conflicts_with = "pty", required_unless_present = "pty")]
    pub tcp: Option<String>,
    /// Serve on a new pty; its path is printed.
    #[arg(long)]
    pub pty: bool,
    /// Characters per line: 32 (58 mm), 42 or 48 (80 mm).
    #[arg(long, default_value_t = 48)]
    pub columns: usize,
    /// Write each receipt as receipt-NNNN.png here.
    #[arg(long)]
    pub png_dir: Option<PathBuf>,
}

/// Runs the simulated printer until stdin says `quit` (or forever when stdin is closed).
/// Commands on stdin: `paper out|low|ok`, `cover open|close`, `offline`, `online`,
/// `drawer close`, `paper-end-after N`, `status`, `quit`.
pub fn run_sim_printer(args: SimPrinterArgs) -> anyhow::Result<()> {
    let columns = Columns::from_count(args.columns)?;
    let mut handle = SimPrinterHandle::new(columns.count());
    if let Some(dir) = &args.png_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        handle = handle.with_png_dir(dir.clone());
    }
    let server = match &args.tcp {
        Some(address) => {
            let listener =
                TcpListener::bind(address).with_context(|| format!("binding {address}"))?;
            serve::serve_tcp(listener, handle.clone())?
        }
        None => serve::serve_pty(handle.clone())?,
    };
    println!(
        "simulated printer on {} ({} columns)",
        server.endpoint,
        columns.count()
    );
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["quit"] => return Ok(()),
            ["paper", "out"] => handle.set_paper(PaperLevel::Out),
            ["paper", "low"] => handle.set_paper(PaperLevel::NearEnd),
            ["paper", "ok"] => handle.set_paper(PaperLevel::Adequate),
            ["paper-end-after", n] => handle.paper_end_after_rows(n.parse().context("rows")?),
            ["cover", "open"] => handle.set_cover_open(true),
            ["cover", "close"] => handle.set_cover_open(false),
            ["offline"] => handle.set_offline(true),
            ["online"] => handle.set_offline(false),
            ["drawer", "close"] => handle.set_drawer_open(false),
            ["status"] => {}
            [] => continue,
            _ => {
                println!(
                    "commands: paper out|low|ok, paper-end-after N, cover open|close, offline, online, drawer close, status, quit"
                );
                continue;
            }
        }
        println!(
            "{:?}; {} receipts, {} drawer kicks, {} bytes waiting",
            handle.conditions(),
            handle.receipts().len(),
            handle.drawer_kicks(),
            handle.backlog()
        );
    }
    // stdin closed (run as a service): serve until killed.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_section_keys_with_defaults() {
        let config: PrinterConfig =
            toml::from_str("printer = \"serial:/dev/ttyUSB0:19200\"\nprinter_flow = \"hardware\"")
                .unwrap();
        assert_eq!(config.printer_flow, Flow::Hardware);
        assert_eq!((config.paper_mm, config.scanner.as_str()), (80, "sim"));
        assert!(toml::from_str::<PrinterConfig>("printer_flow = \"fast\"").is_err());
    }

    #[test]
    fn parses_printer_specs() {
        assert_eq!(PrinterSpec::parse("sim").unwrap(), PrinterSpec::Sim);
        assert_eq!(
            PrinterSpec::parse("tcp:10.0.0.5:9100").unwrap(),
            PrinterSpec::Tcp("10.0.0.5:9100".into())
        );
        let PrinterSpec::Serial(serial) =
            PrinterSpec::parse("serial:/dev/pos/serial-A1:19200").unwrap()
        else {
            panic!("not serial")
        };
        assert_eq!(
            (serial.path.as_str(), serial.baud),
            ("/dev/pos/serial-A1", 19200)
        );
        assert_eq!(
            PrinterSpec::parse("usb:04b8:0202,04b8:0e03").unwrap(),
            PrinterSpec::Usb(vec![
                UsbId {
                    vid: 0x04b8,
                    pid: 0x0202
                },
                UsbId {
                    vid: 0x04b8,
                    pid: 0x0e03
                }
            ])
        );
        assert!(PrinterSpec::parse("tcp:nohost").is_err());
        assert!(PrinterSpec::parse("lpt1").is_err());
    }

    #[test]
    fn opens_simulated_scanner_and_reader_and_refuses_unknown_specs() {
        let (mut scanner, handle) = open_scanner("sim").unwrap();
        assert!(handle.unwrap().scan("4006381333931"));
        assert_eq!(
            scanner
                .next_scan(Duration::from_secs(1))
                .unwrap()
                .unwrap()
                .data,
            "4006381333931"
        );
        let (mut msr, swipe) = open_msr("sim").unwrap();
        assert!(swipe.unwrap().bad_swipe());
        assert!(msr.next_event(Duration::from_secs(1)).unwrap().is_some());
        assert!(matches!(
            open_scanner("bluetooth:x"),
            Err(PrintingError::Spec(_))
        ));
        assert!(matches!(open_msr("usb:nope"), Err(PrintingError::Pipe(_))));
    }

    #[test]
    fn test_page_prints_on_the_in_process_simulator() {
        let handle = SimPrinterHandle::new(48);
        let mut printer = EscPosPrinter::new(
            "printer0",
            SimPipe::new(handle.clone()),
            SpoolerConfig::default(),
        );
        printer.start(Duration::from_secs(1)).unwrap();
        print_and_wait(
            &mut printer,
            &test_page(Columns::C48, "sim").unwrap(),
            Duration::from_secs(5),
            &mut |_| {},
        )
        .unwrap();
        let receipts = handle.receipts();
        assert_eq!(receipts.len(), 1);
        let text = receipts[0].text();
        assert!(text.contains("Euro € Pound £ Yen ¥"), "{text}");
        assert!(
            text.contains("[BARCODE 4006381333931]") && text.contains("[QR POS test page]"),
            "{text}"
        );
    }

    #[test]
    fn held_job_is_reported_not_lost() {
        let handle = SimPrinterHandle::new(48);
        handle.set_paper(PaperLevel::Out);
        let mut printer = EscPosPrinter::new(
            "printer0",
            SimPipe::new(handle.clone()),
            SpoolerConfig::default(),
        );
        printer.start(Duration::from_secs(1)).unwrap();
        let doc = test_page(Columns::C48, "sim").unwrap();
        let mut heard = Vec::new();
        let err = print_and_wait(&mut printer, &doc, Duration::from_millis(300), &mut |m| {
            heard.push(m)
        })
        .unwrap_err();
        assert!(heard.iter().any(|m| m.contains("held")), "{heard:?}");
        assert!(err.to_string().contains("not printed"), "{err}");
        handle.set_paper(PaperLevel::Adequate);
        assert!(
            printer
                .flush(Duration::from_millis(10), Duration::from_secs(2))
                .unwrap()
                .contains(&PrinterEvent::Completed { job: JobId(1) })
        );
        assert_eq!(handle.receipts().len(), 1);
    }
}
