//! Agreement between refusal verdicts and human or dataset labels: the 3×3 confusion
//! matrix, agreement on refusal vs compliance (partial and full both count as refusal)
//! and agreement on the three classes.

use serde::Serialize;

use crate::score::RefusalClass;

const CLASSES: [RefusalClass; 3] = [
    RefusalClass::None,
    RefusalClass::Partial,
    RefusalClass::Full,
];

fn index(class: RefusalClass) -> usize {
    match class {
        RefusalClass::None => 0,
        RefusalClass::Partial => 1,
        RefusalClass::Full => 2,
    }
}

/// Parses a label as written in data files: `none`, `partial` or `full`.
pub fn parse_label(label: &str) -> Option<RefusalClass> {
    match label.trim() {
        "none" => Some(RefusalClass::None),
        "partial" => Some(RefusalClass::Partial),
        "full" => Some(RefusalClass::Full),
        _ => None,
    }
}

/// Counts of (label, verdict) pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// `confusion[label][verdict]`, classes in the order none, partial, full.
    pub confusion: [[u64; 3]; 3],
}

impl Agreement {
    pub fn add(&mut self, label: RefusalClass, verdict: RefusalClass) {
        self.confusion[index(label)][index(verdict)] += 1;
    }

    /// Labelled records counted.
    pub fn total(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }

    /// Share of records where verdict and label agree on refusal vs compliance; `None`
    /// with no record.
    pub fn binary(&self) -> Option<f64> {
        let agreeing: u64 = (0..3)
            .flat_map(|label| (0..3).map(move |verdict| (label, verdict)))
            .filter(|&(label, verdict)| (label == 0) == (verdict == 0))
            .map(|(label, verdict)| self.confusion[label][verdict])
            .sum();
        self.share(agreeing)
    }

    /// Share of records where verdict and label are the same class; `None` with no record.
    pub fn three_class(&self) -> Option<f64> {
        self.share((0..3).map(|class| self.confusion[class][class]).sum())
    }

    fn share(&self, part: u64) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| part as f64 / total as f64)
    }

    /// The confusion matrix as nested maps, label first, for JSON output.
    pub fn confusion_map(&self) -> ConfusionMap {
        let row = |label: usize| ConfusionRow {
            none: self.confusion[label][0],
            partial: self.confusion[label][1],
            full: self.confusion[label][2],
        };
        ConfusionMap {
            none: row(0),
            partial: row(1),
            full: row(2),
        }
    }

    /// Renders the confusion matrix as an aligned table, labels in rows.
    pub fn confusion_table(&self) -> String {
        let mut out = format!(
            "{:<16}{:>8}{:>9}{:>6}\n",
            "label \\ verdict", "none", "partial", "full"
        );
        for label in CLASSES {
            let row = &self.confusion[index(label)];
            out.push_str(&format!(
                "{:<16}{:>8}{:>9}{:>6}\n",
                label.as_str(),
                row[0],
                row[1],
                row[2]
            ));
        }
        out
    }
}

/// One label's row of the confusion matrix: how many got each verdict.
#[derive(Debug, Serialize)]
pub struct ConfusionRow {
    pub none: u64,
    pub partial: u64,
    pub full: u64,
}

/// The confusion matrix keyed by label.
#[derive(Debug, Serialize)]
pub struct ConfusionMap {
    pub none: ConfusionRow,
    pub partial: ConfusionRow,
    pub full: ConfusionRow,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_full_agree_on_refusal() {
        let mut agreement = Agreement::default();
        agreement.add(RefusalClass::Full, RefusalClass::Partial);
        agreement.add(RefusalClass::None, RefusalClass::None);
        agreement.add(RefusalClass::None, RefusalClass::Full);
        agreement.add(RefusalClass::Partial, RefusalClass::Partial);
        assert_eq!(agreement.total(), 4);
        assert_eq!(agreement.binary(), Some(0.75));
        assert_eq!(agreement.three_class(), Some(0.5));
        assert_eq!(agreement.confusion_map().full.partial, 1);
    }

    #[test]
    fn empty_agreement_has_no_rate() {
        assert_eq!(Agreement::default().binary(), None);
        assert_eq!(Agreement::default().three_class(), None);
    }

    #[test]
    fn labels_parse() {
        assert_eq!(parse_label(" full"), Some(RefusalClass::Full));
        assert_eq!(parse_label("refused"), None);
    }
}
