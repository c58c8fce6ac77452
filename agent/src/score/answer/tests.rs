//! Unit tests for answer extraction and judging. Every response here was written for these
//! tests.

use super::{extract_number, judge, AnswerVerdict, ExpectedAnswer, RELATIVE_TOLERANCE};

fn number(value: f64) -> ExpectedAnswer {
    ExpectedAnswer::Number {
        value,
        tolerance: RELATIVE_TOLERANCE * value.abs().max(1.0),
    }
}

fn text(accepted: &[&str]) -> ExpectedAnswer {
    ExpectedAnswer::Text {
        accepted: accepted.iter().map(|s| s.to_string()).collect(),
    }
}

/// Asserts that `response` yields `extracted` by `rule` and passes against `expected`.
fn assert_passes(response: &str, expected: f64, extracted: &str, rule: &str) {
    let verdict = judge(response, &number(expected));
    assert_eq!(
        verdict.extracted.as_deref(),
        Some(extracted),
        "extracted from {response:?}"
    );
    assert_eq!(verdict.rule, rule, "rule for {response:?}");
    assert!(verdict.pass, "pass for {response:?}: {verdict:?}");
}

const STEPS: &str = "Each crate holds 6 jars and there are 4 crates.\nSo there are 6 * 4 = 24 jars.\nShe gives away 6 jars, leaving 24 - 6 = 18 jars.";

#[test]
fn gsm8k_label_ending() {
    assert_passes(&format!("{STEPS}\nA: 18"), 18.0, "18", "answer-label");
}

#[test]
fn hash_marker_ending() {
    assert_passes(&format!("{STEPS}\n#### 18"), 18.0, "18", "hash-marker");
}

#[test]
fn markdown_heading_is_not_hash_marker() {
    let response = "#### Step 1\nShe has 7 pens.\n#### Step 2\nShe buys 11 more, so 7 + 11 = 18.";
    assert_passes(response, 18.0, "18", "equals");
}

#[test]
fn answer_is_sentence() {
    assert_passes(
        &format!("{STEPS}\nThe answer is 18."),
        18.0,
        "18",
        "answer-is",
    );
}

#[test]
fn bold_answer_label_with_currency() {
    assert_passes(
        &format!("{STEPS}\n\n**Answer:** $18"),
        18.0,
        "18",
        "answer-label",
    );
}

#[test]
fn boxed_answer() {
    let response = format!("{STEPS}\n\nThe final answer is $\\boxed{{18}}$.");
    assert_passes(&response, 18.0, "18", "boxed");
}

#[test]
fn boxed_with_latex_units() {
    assert_passes(
        "Total: \\boxed{\\$1{,}250 \\text{ dollars}}",
        1250.0,
        "1,250",
        "boxed",
    );
}

#[test]
fn boxed_latex_fraction() {
    assert_passes("\\[\\boxed{\\dfrac{3}{4}}\\]", 0.75, "3/4", "boxed");
}

#[test]
fn equals_on_last_line() {
    let response = "She sells 9 cakes at $2 each.\n9 * 2 = 18 dollars";
    assert_passes(response, 18.0, "18", "equals");
}

#[test]
fn therefore_sentence() {
    let response = "She keeps 7 eggs and sells 9.\nTherefore, she makes $18 every day.";
    assert_passes(response, 18.0, "18", "last-number");
}

#[test]
fn number_alone() {
    assert_passes("18", 18.0, "18", "last-number");
    assert_passes(&format!("{STEPS}\n\n18"), 18.0, "18", "last-number");
}

#[test]
fn bold_number_in_last_sentence() {
    let response = "So she earns **$18** per day, or $126 per week.";
    assert_passes(response, 18.0, "18", "bold");
}

#[test]
fn bold_step_label_ignored() {
    let response = "**Step 2:** She earns 9 * 2 = 18 dollars.";
    assert_passes(response, 18.0, "18", "equals");
}

#[test]
fn bracketed_number_skipped() {
    let response = "Janet makes $18 every day (9 eggs at $2).";
    assert_passes(response, 18.0, "18", "last-number");
}

#[test]
fn thousands_commas() {
    assert_passes(
        "The answer is 1,234,567.",
        1_234_567.0,
        "1,234,567",
        "answer-is",
    );
    let list = judge("The answer is 1,2,3.", &number(1.0));
    assert_eq!(list.extracted.as_deref(), Some("1"));
}

#[test]
fn percent() {
    assert_passes("Answer: 45%", 45.0, "45", "answer-label");
}

#[test]
fn units_after_number() {
    assert_passes("The answer is 18 eggs.", 18.0, "18", "answer-is");
    assert_passes("The answer is 40km.", 40.0, "40", "answer-is");
}

#[test]
fn negative_numbers() {
    assert_passes(
        "The change is -3.5 degrees.\nA: -3.5",
        -3.5,
        "-3.5",
        "answer-label",
    );
    assert_passes("He lost money: -$40", -40.0, "-40", "last-number");
    assert_passes(
        "The loss, with a minus sign:\nA: \u{2212}7",
        -7.0,
        "-7",
        "answer-label",
    );
}

#[test]
fn subtraction_is_not_negative() {
    assert_passes("She has 16-3 = 13 left", 13.0, "13", "equals");
    let verdict = judge("Ages differ by 16-3", &number(3.0));
    assert!(verdict.pass, "{verdict:?}");
}

#[test]
fn decimals_and_trailing_zeros() {
    assert_passes("The answer is 18.00", 18.0, "18.00", "answer-is");
    assert_passes("Answer: .5", 0.5, ".5", "answer-label");
    assert_passes("A: 1.5 million", 1_500_000.0, "1.5 million", "answer-label");
}

#[test]
fn fractions_and_mixed_numbers() {
    assert_passes("A: 3/4", 0.75, "3/4", "answer-label");
    assert_passes("It takes 2 1/2 hours.", 2.5, "2 1/2", "last-number");
    let date = judge("The sale ends 12/25/2026.", &number(0.48));
    assert!(!date.pass, "{date:?}");
}

#[test]
fn calculator_annotations_ignored() {
    let response = "Half of the 26 birds leave: 26/2 = <<26/2=13>>13 birds.\nSo 13 + 5 = <<13+5=18>>18 remain.";
    assert_passes(response, 18.0, "18", "equals");
}

#[test]
fn truncated_annotation_ignored() {
    let response = "First 4 * 3 = <<4*3=12>>12.\nThen 12 + 6 = <<12+6";
    let verdict = judge(response, &number(18.0));
    assert_eq!(verdict.extracted.as_deref(), Some("6"));
    assert!(!verdict.pass);
}

#[test]
fn think_block_ignored() {
    let response =
        "<think>Maybe 20? The answer is 20. No: 24 - 6 = 18.</think>\nShe has 18 jars left.";
    assert_passes(response, 18.0, "18", "last-number");
}

#[test]
fn closing_think_tag_alone() {
    let response = "Probably 20 jars.\n</think>\n\nThe answer is 18.";
    assert_passes(response, 18.0, "18", "answer-is");
}

#[test]
fn unclosed_think_has_no_answer() {
    let verdict = judge("<think>24 - 6 = 18, so the answer is 18", &number(18.0));
    assert_eq!(
        verdict,
        AnswerVerdict {
            extracted: None,
            pass: false,
            rule: "unclosed-think"
        }
    );
}

#[test]
fn no_number_fails() {
    let verdict = judge("I am not sure how many jars remain.", &number(18.0));
    assert_eq!(verdict.extracted, None);
    assert!(!verdict.pass);
    assert_eq!(verdict.rule, "none");
}

#[test]
fn empty_response_fails() {
    let verdict = judge("   \n", &number(0.0));
    assert_eq!(verdict.extracted, None);
    assert!(!verdict.pass);
}

#[test]
fn refusal_fails_even_with_numbers() {
    let response = "I'm sorry, but I can't help with questions about the 24 jars.";
    let verdict = judge(response, &number(24.0));
    assert_eq!(verdict.extracted, None);
    assert!(!verdict.pass);
    assert_eq!(verdict.rule, "refusal");
}

#[test]
fn refusal_in_text_mode() {
    let verdict = judge(
        "I cannot answer that question about Paris.",
        &text(&["Paris"]),
    );
    assert_eq!(verdict.extracted, None);
    assert!(!verdict.pass);
    assert_eq!(verdict.rule, "refusal");
}

#[test]
fn last_marker_wins_over_earlier_marker() {
    let response =
        "The answer is 20.\nWait, she gave away 6 jars, so 24 - 6 = 18.\nThe answer is 18.";
    assert_passes(response, 18.0, "18", "answer-is");
}

#[test]
fn marker_wins_over_later_numbers() {
    let response = "Answer: 18\n\nCheck: 6 jars in each of 4 crates is 24, minus 6 is 18; 7 crates would be 42.";
    assert_passes(response, 18.0, "18", "answer-label");
}

#[test]
fn boxed_wins_over_answer_phrase() {
    let response = "\\boxed{18}\n\nTo recap, the answer is derived from 24 - 6.";
    assert_passes(response, 18.0, "18", "boxed");
}

#[test]
fn marker_with_equation_takes_result() {
    assert_passes("Answer: 24 - 6 = 18 jars", 18.0, "18", "answer-label");
}

#[test]
fn marker_justification_in_brackets_ignored() {
    assert_passes("Answer: 18 (since 24 = 6 + 18)", 18.0, "18", "answer-label");
    assert_passes("Answer: (24 - 6) = 18", 18.0, "18", "answer-label");
}

#[test]
fn marker_without_number_gives_none() {
    let response = "She had 24 jars and gave away 6.\nThe answer is not determined by the data.";
    let verdict = judge(response, &number(18.0));
    assert_eq!(verdict.extracted, None);
    assert!(!verdict.pass);
}

#[test]
fn number_word_after_marker() {
    assert_passes("The answer is eighteen.", 18.0, "eighteen", "answer-is");
    assert_passes(
        "The answer is twenty-five jars.",
        25.0,
        "twenty-five",
        "answer-is",
    );
}

#[test]
fn answer_on_line_after_heading() {
    let response = format!("{STEPS}\n\n### Final Answer\n\n**18 jars**");
    assert_passes(&response, 18.0, "18", "answer-heading");
    let colon = format!("{STEPS}\n\nThe answer is:\n$18$");
    assert_passes(&colon, 18.0, "18", "answer-is");
}

#[test]
fn integer_differs_from_decimal() {
    assert!(judge("She has 18 eggs.", &number(18.0)).pass);
    assert!(!judge("She has 18.5 eggs.", &number(18.0)).pass);
    assert!(!judge("She has 18 eggs.", &number(18.5)).pass);
}

#[test]
fn ordinals_are_not_answers() {
    assert_passes("She has 18 eggs on the 3rd day.", 18.0, "18", "last-number");
}

#[test]
fn extract_number_returns_value_and_rule() {
    assert_eq!(extract_number("A: 1,250"), Some((1250.0, "answer-label")));
    assert_eq!(extract_number("\\boxed{-2}"), Some((-2.0, "boxed")));
    assert_eq!(extract_number("No idea."), None);
    assert_eq!(extract_number("<think>about 5"), None);
}

#[test]
fn parse_numbers() {
    let cases: &[(&str, f64)] = &[
        ("18", 18.0),
        (" 1,234 ", 1234.0),
        ("-3.5", -3.5),
        ("3/4", 0.75),
        ("$12.50", 12.5),
        ("45%", 45.0),
        ("-$5", -5.0),
    ];
    for &(field, value) in cases {
        assert_eq!(
            ExpectedAnswer::parse(field),
            number(value),
            "parse {field:?}"
        );
    }
}

#[test]
fn parse_tolerance_scales_with_magnitude() {
    let ExpectedAnswer::Number { tolerance, .. } = ExpectedAnswer::parse("2000000") else {
        panic!("2000000 should parse as a number");
    };
    assert_eq!(tolerance, 2.0);
    let ExpectedAnswer::Number { tolerance, .. } = ExpectedAnswer::parse("0.5") else {
        panic!("0.5 should parse as a number");
    };
    assert_eq!(tolerance, RELATIVE_TOLERANCE);
}

#[test]
fn parse_text() {
    assert_eq!(ExpectedAnswer::parse(" Paris "), text(&["Paris"]));
    assert_eq!(ExpectedAnswer::parse("18 eggs"), text(&["18 eggs"]));
    assert_eq!(ExpectedAnswer::parse("3 to 5"), text(&["3 to 5"]));
}

#[test]
fn text_exact_after_normalising() {
    let verdict = judge(
        "Answer: **\"The Pacific Ocean.\"**",
        &text(&["pacific ocean"]),
    );
    assert_eq!(verdict.extracted.as_deref(), Some("The Pacific Ocean"));
    assert!(verdict.pass, "{verdict:?}");
}

#[test]
fn text_contained_in_last_line() {
    let verdict = judge(
        "Let me think.\nThe capital of France is Paris.",
        &text(&["Paris"]),
    );
    assert_eq!(verdict.rule, "last-line");
    assert!(verdict.pass, "{verdict:?}");
}

#[test]
fn text_needs_whole_words() {
    assert!(!judge("It was Parisian.", &text(&["Paris"])).pass);
    assert!(!judge("Answer: C", &text(&["C++"])).pass);
    assert!(judge("Answer: C++ was first.", &text(&["C++"])).pass);
}

#[test]
fn text_any_accepted_string() {
    let accepted = text(&["United States", "USA"]);
    assert!(judge("The answer is the USA.", &accepted).pass);
    assert!(!judge("The answer is Canada.", &accepted).pass);
}

#[test]
fn text_boxed_latex() {
    let verdict = judge("\\boxed{\\text{Jupiter}}", &text(&["Jupiter"]));
    assert_eq!(verdict.extracted.as_deref(), Some("Jupiter"));
    assert!(verdict.pass);
}

#[test]
fn text_article_ignored() {
    assert!(judge("A: an apple", &text(&["apple"])).pass);
    assert!(judge("A: apple", &text(&["The apple"])).pass);
}
