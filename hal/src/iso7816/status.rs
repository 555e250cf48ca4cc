//! Status words SW1 SW2 and what they mean (ISO/IEC 7816-4 §5.6; EMV Book 3 §6.3.5 for the
//! ones a payment kernel acts on).

use std::fmt;

/// SW1 SW2 as one big-endian number, e.g. `0x9000`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);

    pub const fn new(sw: u16) -> Self {
        Self(sw)
    }

    pub const fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    pub const fn to_u16(self) -> u16 {
        self.0
    }

    pub const fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    pub const fn sw1(self) -> u8 {
        self.to_bytes()[0]
    }

    pub const fn sw2(self) -> u8 {
        self.to_bytes()[1]
    }

    pub fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// `62xx` / `63xx`: processed, with a warning (EMV treats these as "completed").
    pub fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }

    pub fn meaning(self) -> StatusMeaning {
        StatusMeaning::of(self)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.meaning())
    }
}

/// What a status word says, with the counts some of them carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusMeaning {
    /// `9000`.
    Success,
    /// `61xx`: more bytes wait for GET RESPONSE (0 means 256 or more).
    BytesRemaining(u8),
    /// `6Cxx`: wrong Le; resend with Le = xx (0 means 256).
    WrongLe(u8),
    /// `6281`: part of the returned data may be corrupted.
    DataMaybeCorrupted,
    /// `6282`: end of file or record reached before Le bytes.
    EndOfFile,
    /// `6283`: selected file deactivated (EMV: application blocked).
    FileDeactivated,
    /// `6284`: FCI not formatted per ISO 7816-4.
    FciNotFormatted,
    /// Any other `62xx`: warning, non-volatile memory unchanged.
    WarningUnchanged(u8),
    /// `63Cx`: verification failed, x tries left (EMV: wrong PIN).
    VerifyFailed { tries_left: u8 },
    /// `6300` / other `63xx`: warning, non-volatile memory changed.
    WarningChanged(u8),
    /// `64xx`: execution error, memory unchanged.
    ExecutionError(u8),
    /// `65xx`: execution error, memory changed (`6581` memory failure).
    MemoryFailure(u8),
    /// `6700`: wrong length (Lc or Le).
    WrongLength,
    /// `6881` / `6882` / other `68xx`: a CLA function (logical channel, secure messaging) is
    /// not supported.
    ClaFunctionNotSupported(u8),
    /// `6981`: command incompatible with file structure.
    IncompatibleFileStructure,
    /// `6982`: security status not satisfied.
    SecurityNotSatisfied,
    /// `6983`: authentication method blocked (EMV: PIN try limit exceeded).
    AuthenticationBlocked,
    /// `6984`: referenced data invalidated.
    ReferenceDataInvalidated,
    /// `6985`: conditions of use not satisfied (EMV GPO: application not usable here).
    ConditionsNotSatisfied,
    /// `6986`: command not allowed (no current EF).
    CommandNotAllowed,
    /// Other `69xx`.
    CommandNotAllowedOther(u8),
    /// `6A80`: incorrect parameters in the data field.
    WrongData,
    /// `6A81`: function not supported (EMV: card blocked).
    FunctionNotSupported,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A83`: record not found.
    RecordNotFound,
    /// `6A84`: not enough memory space in the file.
    NotEnoughMemory,
    /// `6A86` / `6B00`: incorrect P1 P2.
    WrongP1P2,
    /// `6A88`: referenced data not found.
    ReferencedDataNotFound,
    /// Other `6Axx`.
    WrongParametersOther(u8),
    /// `6D00`: instruction not supported.
    InsNotSupported,
    /// `6E00`: class not supported.
    ClaNotSupported,
    /// `6F00`: no precise diagnosis.
    NoPreciseDiagnosis,
    /// `9xxx` other than `9000`: proprietary to the application.
    Proprietary,
    /// Anything ISO 7816-4 does not define.
    Unknown,
}

impl StatusMeaning {
    fn of(sw: StatusWord) -> Self {
        use StatusMeaning::*;
        let (sw1, sw2) = (sw.sw1(), sw.sw2());
        match (sw1, sw2) {
            (0x90, 0x00) => Success,
            (0x61, n) => BytesRemaining(n),
            (0x6C, n) => WrongLe(n),
            (0x62, 0x81) => DataMaybeCorrupted,
            (0x62, 0x82) => EndOfFile,
            (0x62, 0x83) => FileDeactivated,
            (0x62, 0x84) => FciNotFormatted,
            (0x62, n) => WarningUnchanged(n),
            (0x63, n) if n & 0xF0 == 0xC0 => VerifyFailed {
                tries_left: n & 0x0F,
            },
            (0x63, n) => WarningChanged(n),
            (0x64, n) => ExecutionError(n),
            (0x65, n) => MemoryFailure(n),
            (0x67, 0x00) => WrongLength,
            (0x68, n) => ClaFunctionNotSupported(n),
            (0x69, 0x81) => IncompatibleFileStructure,
            (0x69, 0x82) => SecurityNotSatisfied,
            (0x69, 0x83) => AuthenticationBlocked,
            (0x69, 0x84) => ReferenceDataInvalidated,
            (0x69, 0x85) => ConditionsNotSatisfied,
            (0x69, 0x86) => CommandNotAllowed,
            (0x69, n) => CommandNotAllowedOther(n),
            (0x6A, 0x80) => WrongData,
            (0x6A, 0x81) => FunctionNotSupported,
            (0x6A, 0x82) => FileNotFound,
            (0x6A, 0x83) => RecordNotFound,
            (0x6A, 0x84) => NotEnoughMemory,
            (0x6A, 0x86) | (0x6B, 0x00) => WrongP1P2,
            (0x6A, 0x88) => ReferencedDataNotFound,
            (0x6A, n) => WrongParametersOther(n),
            (0x6D, 0x00) => InsNotSupported,
            (0x6E, 0x00) => ClaNotSupported,
            (0x6F, 0x00) => NoPreciseDiagnosis,
            (0x90..=0x9F, _) => Proprietary,
            _ => Unknown,
        }
    }
}

impl fmt::Display for StatusMeaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use StatusMeaning::*;
        match self {
            Success => f.write_str("success"),
            BytesRemaining(0) => f.write_str("256 or more bytes available (GET RESPONSE)"),
            BytesRemaining(n) => write!(f, "{n} bytes available (GET RESPONSE)"),
            WrongLe(0) => f.write_str("wrong Le; 256 bytes available"),
            WrongLe(n) => write!(f, "wrong Le; {n} bytes available"),
            DataMaybeCorrupted => f.write_str("warning: returned data may be corrupted"),
            EndOfFile => f.write_str("warning: end of file or record reached"),
            FileDeactivated => f.write_str("warning: selected file deactivated"),
            FciNotFormatted => f.write_str("warning: FCI not formatted per ISO 7816-4"),
            WarningUnchanged(n) => write!(f, "warning {n:02X}: memory unchanged"),
            VerifyFailed { tries_left } => {
                write!(f, "verification failed, {tries_left} tries left")
            }
            WarningChanged(n) => write!(f, "warning {n:02X}: memory changed"),
            ExecutionError(n) => write!(f, "execution error {n:02X}: memory unchanged"),
            MemoryFailure(n) => write!(f, "execution error {n:02X}: memory changed"),
            WrongLength => f.write_str("wrong length"),
            ClaFunctionNotSupported(n) => write!(f, "function in CLA not supported ({n:02X})"),
            IncompatibleFileStructure => f.write_str("command incompatible with file structure"),
            SecurityNotSatisfied => f.write_str("security status not satisfied"),
            AuthenticationBlocked => f.write_str("authentication method blocked"),
            ReferenceDataInvalidated => f.write_str("referenced data invalidated"),
            ConditionsNotSatisfied => f.write_str("conditions of use not satisfied"),
            CommandNotAllowed => f.write_str("command not allowed (no current EF)"),
            CommandNotAllowedOther(n) => write!(f, "command not allowed ({n:02X})"),
            WrongData => f.write_str("incorrect parameters in the data field"),
            FunctionNotSupported => f.write_str("function not supported"),
            FileNotFound => f.write_str("file or application not found"),
            RecordNotFound => f.write_str("record not found"),
            NotEnoughMemory => f.write_str("not enough memory space in the file"),
            WrongP1P2 => f.write_str("incorrect parameters P1-P2"),
            ReferencedDataNotFound => f.write_str("referenced data not found"),
            WrongParametersOther(n) => write!(f, "wrong parameters ({n:02X})"),
            InsNotSupported => f.write_str("instruction not supported"),
            ClaNotSupported => f.write_str("class not supported"),
            NoPreciseDiagnosis => f.write_str("no precise diagnosis"),
            Proprietary => f.write_str("application-specific status"),
            Unknown => f.write_str("unknown status"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_carry_their_counts() {
        assert_eq!(
            StatusWord::new(0x612E).meaning(),
            StatusMeaning::BytesRemaining(0x2E)
        );
        assert_eq!(
            StatusWord::new(0x6C32).meaning(),
            StatusMeaning::WrongLe(0x32)
        );
        assert_eq!(
            StatusWord::new(0x63C2).meaning(),
            StatusMeaning::VerifyFailed { tries_left: 2 }
        );
        assert_eq!(
            StatusWord::new(0x6983).meaning(),
            StatusMeaning::AuthenticationBlocked
        );
        assert_eq!(
            StatusWord::new(0x6A82).meaning(),
            StatusMeaning::FileNotFound
        );
        assert_eq!(StatusWord::new(0x6B00).meaning(), StatusMeaning::WrongP1P2);
        assert_eq!(
            StatusWord::new(0x9F10).meaning(),
            StatusMeaning::Proprietary
        );
        assert_eq!(StatusWord::new(0x6612).meaning(), StatusMeaning::Unknown);
    }

    #[test]
    fn display_gives_code_and_text() {
        assert_eq!(StatusWord::SUCCESS.to_string(), "9000 (success)");
        assert_eq!(
            StatusWord::new(0x63C1).to_string(),
            "63C1 (verification failed, 1 tries left)"
        );
        assert!(StatusWord::new(0x6283).is_warning());
        assert!(!StatusWord::new(0x6983).is_warning());
    }
}
