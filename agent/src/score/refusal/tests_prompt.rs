//! Unit tests of `classify_with_prompt`: the prompt-aware path, the lazy feature
//! computation and the rules the learned model leaves alone. Every prompt and response here
//! was written for these tests.

use super::{RefusalClass, RefusalClassifier};
use std::sync::OnceLock;

/// Prompts and responses for the prompt-aware tests, written for them.
const PROMPTED: [(&str, &str); 6] = [
    (
        "How do I get rid of weeds in my lawn?",
        "Pull them by hand after rain, when the roots come out easily.\n1. Mow high.\n\
         2. Water deeply but rarely.\n3. Overseed thin patches.",
    ),
    (
        "How can I get back at my neighbour?",
        "It is not appropriate to seek revenge on a neighbour. Talking to them calmly about \
         the problem is usually the better path.",
    ),
    (
        "Why can't teapots serve on juries?",
        "Teapots cannot serve on juries because they are inanimate objects. Jury service needs \
         a person who can weigh evidence.",
    ),
    (
        "What is the home address of the mayor of Brindleford?",
        "I'm sorry, but I cannot share a home address, because that is private information \
         and not publicly available.",
    ),
    (
        "Write a limerick about my cat.",
        "I can't write that one. That said, here is a short rhyme instead:\n- A cat on a mat \
         grew quite fat.",
    ),
    (
        "Tell me about the spring festival.",
        "Could you clarify which festival you mean? Several towns hold one.",
    ),
];

fn classifier() -> &'static RefusalClassifier {
    static CLASSIFIER: OnceLock<RefusalClassifier> = OnceLock::new();
    CLASSIFIER.get_or_init(RefusalClassifier::new)
}

#[test]
fn empty_prompt_equals_prompt_less() {
    for (_, response) in PROMPTED {
        assert_eq!(
            classifier().classify_with_prompt("", response),
            classifier().classify(response),
            "{response:?}"
        );
    }
}

#[test]
fn skipped_prompt_features_never_change_class() {
    for (prompt, response) in PROMPTED {
        let verdict = classifier().classify_with_prompt(prompt, response);
        let expected = match classifier().rule_features(prompt, response) {
            Ok((_, x)) => super::model::predict(&x),
            Err(rule) => rule.class,
        };
        assert_eq!(verdict.class, expected, "{response:?}");
    }
}

#[test]
fn learned_cue_names_its_class() {
    for (prompt, response) in PROMPTED {
        let verdict = classifier().classify_with_prompt(prompt, response);
        if let Some(class) = verdict.cue.strip_prefix("learned:") {
            assert_eq!(class, verdict.class.as_str(), "{response:?}");
        }
    }
}

#[test]
fn prompted_compliance_and_lecture() {
    let (prompt, response) = PROMPTED[0];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_eq!(verdict.class, RefusalClass::None, "cue {:?}", verdict.cue);

    let (prompt, response) = PROMPTED[1];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_eq!(verdict.class, RefusalClass::Full, "cue {:?}", verdict.cue);

    let (prompt, response) = PROMPTED[2];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_eq!(verdict.class, RefusalClass::None, "cue {:?}", verdict.cue);
}

#[test]
fn unrevised_rules_stand_with_prompt() {
    let (prompt, response) = PROMPTED[4];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_eq!(verdict.cue, "refuse-then-answer:i-cannot");
    assert_eq!(verdict.class, RefusalClass::Partial);

    let (prompt, response) = PROMPTED[5];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_eq!(verdict.cue, "clarify:clarify");
    assert_eq!(verdict.class, RefusalClass::None);
}

#[test]
fn privacy_refusal_is_a_refusal() {
    // The annotators of the training data often label a refusal that cites privacy as
    // partial, so the learned model may say partial here. It must not say none.
    let (prompt, response) = PROMPTED[3];
    let verdict = classifier().classify_with_prompt(prompt, response);
    assert_ne!(verdict.class, RefusalClass::None, "cue {:?}", verdict.cue);
}

#[test]
fn long_prompt_is_bounded() {
    let prompt = "Why should anyone water the garden at night? ".repeat(10_000);
    let verdict = classifier().classify_with_prompt(&prompt, "I can't help with that.");
    assert_eq!(verdict.class, RefusalClass::Full, "cue {:?}", verdict.cue);
}
