use super::*;
use crate::fixtures::*;
use totals::PriceMode;

#[test]
fn mixed_tax_quote_has_exact_totals() {
    let d = details("3 x LIC -10%\n2 x BOOK\nEXPORT @ 250.00");
    // 3 × 1200 = 3600 − 10 % = 3240.00 at 19 %; 2 × 45.50 = 91.00 at 7 %; 250.00 at 0 %.
    let nets: Vec<i64> = d.lines.iter().map(|l| l.amounts.net_minor).collect();
    assert_eq!(nets, vec![324_000, 9_100, 25_000]);
    assert_eq!(d.totals.tax_exclusive_minor, 358_100);
    // 3240.00 × 19 % = 615.60; 91.00 × 7 % = 6.37; 0.
    assert_eq!(d.totals.tax_minor, 61_560 + 637);
    assert_eq!(d.totals.payable_minor, 358_100 + 62_197);
    assert_eq!(d.lines[2].description, "EXPORT name");
    assert_eq!(d.valid_until, "2026-04-01".parse().unwrap());
    assert!(totals::broken_rules(&nets, &d.totals).is_empty());
}

#[test]
fn text_lines_round_trip_and_bad_lines_are_named() {
    let d = details("1.5 x LIC: Pro licence, yearly @ 1000 -5% [reduced]\nConsulting day @ 800");
    let text: Vec<String> = d.lines.iter().map(|l| l.text(eur())).collect();
    assert_eq!(
        text,
        vec![
            "1.5 x LIC: Pro licence, yearly @ 1000.00 -5% [reduced]",
            "1 x Consulting day @ 800.00 [standard]"
        ]
    );
    let again = details(&text.join("\n"));
    assert_eq!(again.lines, d.lines);

    let bad = input("2 x NOPE: thing\nFree text without price\n0 x LIC\nLIC -120%");
    let drafts = lines::drafts(bad.lines.as_ref().unwrap());
    let codes: Vec<_> = drafts.unwrap_err().0.iter().map(|e| e.code).collect();
    assert_eq!(codes, vec!["invalid_quantity", "invalid_discount"]);
    let bad = input("2 x NOPE: thing\nFree text without price");
    let drafts = lines::drafts(bad.lines.as_ref().unwrap()).unwrap();
    let errors =
        QuoteDetails::parse(&bad, None, &start(), Some(&drafts), &catalogue()).unwrap_err();
    let messages: Vec<_> = errors
        .0
        .iter()
        .map(|e| (e.code, e.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        vec![
            ("unknown_product", "line 1: no product NOPE"),
            (
                "price_required",
                "line 2: a line without a product needs a price"
            )
        ]
    );
}

#[test]
fn over_limit_discount_waits_for_an_approver_who_covers_it() {
    let q = quote("LIC -20%");
    let (pending, change) = q
        .request_approval_if_needed(1000, today(), now())
        .unwrap()
        .unwrap();
    assert_eq!(pending.status, QuoteStatus::PendingApproval);
    assert_eq!(change.activity, "approval_requested");
    let boss = UserId(Uuid::now_v7());
    assert!(matches!(
        pending.decide(true, boss, 1500, None, now()),
        Err(QuoteError::OverLimit { .. })
    ));
    let (approved, _) = pending
        .decide(true, boss, 2500, Some("ok".into()), now())
        .unwrap();
    assert_eq!(approved.status, QuoteStatus::Draft);
    assert!(
        approved
            .request_approval_if_needed(1000, today(), now())
            .unwrap()
            .is_none()
    );
    // Within the limit, no approval is needed at all.
    assert!(
        quote("LIC -10%")
            .request_approval_if_needed(1000, today(), now())
            .unwrap()
            .is_none()
    );
}

#[test]
fn changing_a_sent_quote_starts_the_next_revision_with_a_diff() {
    let q = quote("3 x LIC\n2 x BOOK");
    let (sent, _) = q.sent(Some("Q-00001".into()), now());
    let (asked, change) = sent
        .customer_requests_changes("Can you do 5 licences at 10 % off?", None, today(), now())
        .unwrap();
    assert_eq!(change.activity, "changes_requested");
    let new = details("5 x LIC -10%\nEXPORT");
    let (rev2, change) = asked.revise(new, None, None, now()).unwrap().unwrap();
    assert_eq!(change.activity, "revised");
    assert_eq!((rev2.revision, rev2.status), (2, QuoteStatus::Draft));
    assert_eq!(rev2.number.as_deref(), Some("Q-00001"));
    assert_eq!(rev2.requested_by, Requester::Customer);
    assert_eq!(
        rev2.revision_comment.as_deref(),
        Some("Can you do 5 licences at 10 % off?")
    );
    let d = diff::diff(&rev2.revision_of(1).unwrap(), &rev2.revision_of(2).unwrap());
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].sku.as_deref(), Some("BOOK"));
    let fields: Vec<_> = d.changed[0]
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("quantity", "3", "5"),
            ("discount", "0 %", "10 %"),
            ("net", "3600.00", "5400.00")
        ]
    );
}

#[test]
fn only_open_valid_quotes_can_be_accepted() {
    let (sent, _) = quote("LIC").sent(Some("Q-1".into()), now());
    let later: Date = "2026-06-01".parse().unwrap();
    assert!(matches!(
        sent.customer_accepts("Ada Lovelace", None, later, now()),
        Err(QuoteError::Expired(_))
    ));
    let (superseded, _) = sent.supersede(QuoteId(Uuid::now_v7()), now()).unwrap();
    assert_eq!(
        superseded.customer_accepts("Ada", None, today(), now()),
        Err(QuoteError::Superseded)
    );
    assert!(matches!(
        sent.customer_accepts("  ", None, today(), now()),
        Err(QuoteError::Invalid(_))
    ));
    let (accepted, _) = sent
        .customer_accepts("Ada Lovelace", Some("192.0.2.1".into()), today(), now())
        .unwrap();
    assert_eq!(accepted.status, QuoteStatus::Accepted);
    assert!(matches!(
        accepted.revise(details("LIC"), None, None, now()),
        Err(QuoteError::Closed("accepted"))
    ));
    assert!(sent.expire(later, now()).is_some());
    assert!(accepted.expire(later, now()).is_none());
}

#[test]
fn opportunity_items_naming_a_sku_take_the_catalogue_price() {
    let items =
        crate::line_item::parse_lines("2 x LIC\nConsulting @ 500\nWorkshop", eur()).unwrap();
    let drafts = lines::drafts_from_items(&items, eur());
    let lines = lines::resolve(&drafts, &catalogue(), eur(), PriceMode::Exclusive).unwrap();
    let got: Vec<(Option<&str>, &str, i64)> = lines
        .iter()
        .map(|l| (l.sku.as_deref(), l.description.as_str(), l.unit_price_minor))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("LIC"), "LIC name", 120_000),
            (None, "Consulting", 50_000),
            (None, "Workshop", 0)
        ]
    );
}

#[test]
fn quantities_never_eat_the_items_first_letter() {
    let parse = |t: &str| lines::parse_text_line(1, t).unwrap();
    let d = parse("3x XL-SHIRT");
    assert_eq!(
        (d.quantity_milli, d.guess.as_deref()),
        (3000, Some("XL-SHIRT"))
    );
    let d = parse("2 Xmas tree @ 10");
    assert_eq!(
        (d.quantity_milli, d.description.as_deref()),
        (2000, Some("Xmas tree"))
    );
    let d = parse("4 x LIC");
    assert_eq!((d.quantity_milli, d.guess.as_deref()), (4000, Some("LIC")));
}

#[test]
fn a_price_cut_counts_as_a_discount_for_approval() {
    // 1200.00 listed, sold at 1000.00 with 5 % off: the customer gets 20.833… % off,
    // rounded up for the approval check.
    let q = quote("LIC @ 1000.00 -5%");
    assert_eq!(q.max_discount_bp, 2084);
    assert!(
        q.request_approval_if_needed(1000, today(), now())
            .unwrap()
            .is_some()
    );
    // A price above the list is no discount; a free line has no reference.
    assert_eq!(quote("LIC @ 1300.00\nTraining @ 1.00").max_discount_bp, 0);
}

#[test]
fn tax_inclusive_quotes_price_products_with_their_tax() {
    let mut input = input("LIC\nBOOK");
    input.price_mode = Some("inclusive".into());
    let drafts = lines::drafts(input.lines.as_ref().unwrap()).unwrap();
    let d = QuoteDetails::parse(&input, None, &start(), Some(&drafts), &catalogue()).unwrap();
    let prices: Vec<i64> = d.lines.iter().map(|l| l.unit_price_minor).collect();
    // 1200.00 + 19 % and 45.50 + 7 % (48.685 → 48.69).
    assert_eq!(prices, vec![142_800, 4_869]);
    assert_eq!(d.lines[0].amounts.net_minor, 120_000);
    assert_eq!(d.totals.payable_minor, 142_800 + 4_869);
}

#[test]
fn a_new_owner_does_not_pull_a_sent_quote_back() {
    let (sent, _) = quote("LIC").sent(Some("Q-1".into()), now());
    let owner = (UserId(Uuid::now_v7()), None);
    let (moved, change) = sent
        .revise(sent.details.clone(), None, Some(owner), now())
        .unwrap()
        .unwrap();
    assert_eq!((moved.status, moved.revision), (QuoteStatus::Sent, 1));
    assert_eq!(change.activity, "updated");
    // A real edit of a sent quote starts the next revision; the link keeps showing the sent one.
    let (revising, _) = sent
        .revise(details("2 x LIC"), None, None, now())
        .unwrap()
        .unwrap();
    let shown = revising.as_shown_to_customer();
    assert_eq!((shown.revision, shown.details.lines.len()), (1, 1));
    assert_eq!(shown.details.lines[0].quantity_milli, 1000);
    assert_eq!(revising.details.lines[0].quantity_milli, 2000);
}
