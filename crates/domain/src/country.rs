//! Countries as ISO 3166-1 alpha-2 codes: what e-invoices name (seller, buyer, delivery).

/// Every officially assigned ISO 3166-1 alpha-2 code.
const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU \
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY \
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Country names people type, in English and their own language, for the common trading
/// partners (anything else is entered as its code).
const NAMES: &[(&str, &str)] = &[
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("austria", "AT"),
    ("österreich", "AT"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("france", "FR"),
    ("spain", "ES"),
    ("españa", "ES"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("nederland", "NL"),
    ("belgium", "BE"),
    ("belgië", "BE"),
    ("belgique", "BE"),
    ("luxembourg", "LU"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("sweden", "SE"),
    ("sverige", "SE"),
    ("denmark", "DK"),
    ("danmark", "DK"),
    ("norway", "NO"),
    ("norge", "NO"),
    ("finland", "FI"),
    ("suomi", "FI"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("uk", "GB"),
    ("ireland", "IE"),
    ("portugal", "PT"),
    ("greece", "GR"),
    ("hungary", "HU"),
    ("romania", "RO"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("canada", "CA"),
    ("japan", "JP"),
    ("china", "CN"),
    ("india", "IN"),
    ("australia", "AU"),
];

/// The ISO code of a country typed as its code (any case) or a known name; none otherwise.
/// Nothing is guessed: an unknown country stays unknown.
pub fn iso_code(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    if raw.len() == 2 {
        let upper = raw.to_ascii_uppercase();
        return CODES.split_whitespace().find(|c| *c == upper);
    }
    let lower = raw.to_lowercase();
    NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::iso_code;

    #[test]
    fn codes_and_names_are_known_and_nothing_is_guessed() {
        assert_eq!(iso_code("de"), Some("DE"));
        assert_eq!(iso_code(" Deutschland "), Some("DE"));
        assert_eq!(iso_code("Österreich"), Some("AT"));
        assert_eq!(iso_code("XX"), None);
        assert_eq!(iso_code("Atlantis"), None);
        assert_eq!(iso_code(""), None);
        assert_eq!(super::CODES.split_whitespace().count(), 249);
    }
}
