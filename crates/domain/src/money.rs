//! Money as integer minor units with its currency; checked arithmetic only, never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let bytes = raw.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Self([*a, *b, *c])),
            _ => Err(MoneyError::InvalidCurrency(raw.to_string())),
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal places of the minor unit (ISO 4217).
    pub fn exponent(&self) -> u32 {
        match self.code() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }
}

/// A currency field: blank keeps `current` (or takes `default` for a new record); anything
/// else must be an ISO 4217 code.
pub fn currency_field(
    raw: Option<&str>,
    current: Option<Currency>,
    default: Currency,
) -> Result<Currency, crate::FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(current.unwrap_or(default)),
        Some(raw) => Currency::parse(raw)
            .map_err(|e| crate::FieldError::new("currency", "invalid_currency", e.to_string())),
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not an ISO 4217 currency code")]
    InvalidCurrency(String),
    #[error("'{0}' is not an amount")]
    InvalidAmount(String),
    #[error("cannot combine {0} and {1}")]
    CurrencyMismatch(String, String),
    #[error("amount out of range")]
    Overflow,
}

/// The largest amount a document takes, in minor units (10^13 units of a two-decimal currency):
/// sums and amount × percent products stay far inside 64 bits.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a decimal amount such as `-1234.5` exactly; more decimals than the currency has
    /// are refused rather than rounded.
    pub fn parse(raw: &str, currency: Currency) -> Result<Self, MoneyError> {
        let bad = || MoneyError::InvalidAmount(raw.to_string());
        let text = raw.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let exp = currency.exponent() as usize;
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > exp
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(bad());
        }
        let scale = 10i64.checked_pow(exp as u32).ok_or(MoneyError::Overflow)?;
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<exp$}").parse().map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(fraction))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(if negative { -minor } else { minor }, currency))
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code().into(),
                other.currency.code().into(),
            ))
        }
    }
}

impl Money {
    /// The amount as a plain decimal, e.g. "-1234.50" (what the API shows).
    pub fn amount_text(&self) -> String {
        self.format(false)
    }

    /// The amount for people: thousands grouped and the currency, e.g. "1,234.50 EUR".
    pub fn display(&self) -> String {
        format!("{} {}", self.format(true), self.currency.code())
    }

    fn format(&self, grouped: bool) -> String {
        format_minor(i128::from(self.minor), self.currency.exponent(), grouped)
    }
}

/// A sum of many amounts in one currency: 128 bits, so no number of documents at the
/// largest amount can overflow it (reports, board columns, receivables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MoneyTotal {
    pub minor: i128,
    pub currency: Currency,
}

impl MoneyTotal {
    pub fn new(minor: i128, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// The amount as a plain decimal, e.g. "-1234.50".
    pub fn amount_text(&self) -> String {
        format_minor(self.minor, self.currency.exponent(), false)
    }

    /// The amount for people: thousands grouped and the currency, e.g. "1,234.50 EUR".
    pub fn display(&self) -> String {
        format!(
            "{} {}",
            format_minor(self.minor, self.currency.exponent(), true),
            self.currency.code()
        )
    }
}

/// Minor units as a decimal with `exponent` places, thousands optionally grouped.
pub fn format_minor(minor: i128, exponent: u32, grouped: bool) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10u128.pow(exponent);
    let mut whole = (abs / scale).to_string();
    if grouped {
        let digits: Vec<char> = whole.chars().collect();
        whole = digits
            .rchunks(3)
            .rev()
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(",");
    }
    if exponent == 0 {
        format!("{sign}{whole}")
    } else {
        format!(
            "{sign}{whole}.{:0width$}",
            abs % scale,
            width = exponent as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_plain_and_grouped() {
        let eur = Currency::parse("EUR").unwrap();
        let m = Money::new(-123_456_789, eur);
        assert_eq!(m.amount_text(), "-1234567.89");
        assert_eq!(m.display(), "-1,234,567.89 EUR");
        assert_eq!(Money::new(5, eur).display(), "0.05 EUR");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::new(1_000, jpy).display(), "1,000 JPY");
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(Money::parse("12.3", eur()).unwrap().minor, 1230);
        assert_eq!(
            Money::parse("-0.05", eur()).unwrap().to_string(),
            "-0.05 EUR"
        );
        assert_eq!(
            Money::parse("7", Currency::parse("JPY").unwrap())
                .unwrap()
                .to_string(),
            "7 JPY"
        );
        for bad in ["", "1.234", "1.", ".5", "1,00", "abc", "--1"] {
            assert!(Money::parse(bad, eur()).is_err(), "{bad}");
        }
        assert!(Currency::parse("eur").is_err());
        assert_eq!(
            Money::parse("99999999999999999999", eur()),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn currencies_do_not_mix() {
        let usd = Money::new(1, Currency::parse("USD").unwrap());
        assert!(matches!(
            Money::new(1, eur()).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(..))
        ));
    }

    proptest! {
        #[test]
        fn display_parses_back(minor in -1_000_000_000_000i64..1_000_000_000_000) {
            let m = Money::new(minor, eur());
            let text = m.to_string();
            let amount = text.trim_end_matches(" EUR");
            prop_assert_eq!(Money::parse(amount, eur()).unwrap(), m);
        }

        #[test]
        fn addition_is_exact_or_refused(a in any::<i64>(), b in any::<i64>()) {
            let sum = Money::new(a, eur()).checked_add(Money::new(b, eur()));
            match a.checked_add(b) {
                Some(expected) => prop_assert_eq!(sum.unwrap().minor, expected),
                None => prop_assert_eq!(sum, Err(MoneyError::Overflow)),
            }
        }

        #[test]
        fn sub_undoes_add(a in -1i64<<40..1i64<<40, b in -1i64<<40..1i64<<40) {
            let x = Money::new(a, eur());
            let y = Money::new(b, eur());
            prop_assert_eq!(x.checked_add(y).unwrap().checked_sub(y).unwrap(), x);
        }
    }
}
