use candor_agent::score::refusal::{RefusalClassifier, FEATURE_NAMES};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = &args[0];
    let ids: Vec<&str> = args[1..].iter().map(|s| s.as_str()).collect();
    let c = RefusalClassifier::new();
    for line in std::fs::read_to_string(file).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        let cat = format!("cat:{}", v["category"].as_str().unwrap());
        if !ids.contains(&id) && !ids.contains(&cat.as_str()) {
            continue;
        }
        let p = v["prompt"].as_str().unwrap();
        let r = v["response"].as_str().unwrap();
        let verdict = c.classify_with_prompt(p, r);
        print!(
            "{id} label={} got={} cue={} :",
            v["label"],
            verdict.class.as_str(),
            verdict.cue
        );
        match c.rule_features(p, r) {
            Ok((rule, x)) => {
                print!(" rule={}", rule.cue);
                for (n, val) in FEATURE_NAMES.iter().zip(x) {
                    if val != 0.0 {
                        print!(" {n}={val:.2}");
                    }
                }
            }
            Err(v) => print!(" final {}", v.cue),
        }
        println!();
    }
}
