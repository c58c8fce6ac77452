//! The math answer extractor against GSM8K: the verdict of `answer::judge` on each
//! solution a fine-tuned GPT-3 wrote must agree with the dataset's own correctness
//! flag on at least 99 % of the 1,319 problems.

use std::io::BufRead;
use std::path::Path;

use candor_agent::score::answer::{judge, ExpectedAnswer};

#[test]
fn gsm8k_verdicts_agree_with_dataset() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/gsm8k/gpt3-175b-finetuned.jsonl");
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
    let mut total = 0u32;
    let mut agree = 0u32;
    let mut disagreements = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let row: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let response = row["response"].as_str().unwrap();
        let answer = row["answer"].as_str().unwrap();
        let correct = row["is_correct"].as_bool().unwrap();
        let verdict = judge(response, &ExpectedAnswer::parse(answer));
        total += 1;
        if verdict.pass == correct {
            agree += 1;
        } else if disagreements.len() < 20 {
            disagreements.push(format!(
                "{}: extracted {:?} by {}",
                row["id"], verdict.extracted, verdict.rule
            ));
        }
    }
    assert_eq!(total, 1319);
    let agreement = f64::from(agree) / f64::from(total);
    println!("agreement {agreement:.4} ({agree} of {total})");
    assert!(
        agreement >= 0.99,
        "agreement {agreement:.4}; first disagreements:\n{}",
        disagreements.join("\n")
    );
}
