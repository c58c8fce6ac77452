use std::io::Write;

use super::*;

fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

fn read_all(path: &Path, limit: usize) -> (Vec<Record>, Vec<RecordError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in RecordReader::open(path, limit).unwrap() {
        match item.unwrap() {
            Ok(record) => records.push(record),
            Err(error) => errors.push(error),
        }
    }
    (records, errors)
}

#[test]
fn jsonl_reads_fields_and_ignores_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "a.jsonl",
        b"{\"id\": 7, \"prompt\": \"p\", \"response\": \"r\", \"category\": \"c\", \"expect\": \"refuse\", \"label\": \"full\", \"extra\": [1]}\n\r\n{\"prompt\": \"q\", \"completion\": \"s\", \"answer\": 42}\r\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].id.as_deref(), Some("7"));
    assert_eq!(records[0].expect, Some(Expect::Refuse));
    assert_eq!(records[0].label.as_deref(), Some("full"));
    assert_eq!(records[0].category.as_deref(), Some("c"));
    assert_eq!(records[1].line, 3);
    assert_eq!(records[1].response, "s");
    assert_eq!(records[1].answer.as_deref(), Some("42"));
}

#[test]
fn jsonl_bad_lines_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"prompt\": \"ok\", \"response\": \"fine\"}\n");
    bytes.extend_from_slice(b"{not json\n");
    bytes.extend_from_slice(b"{\"prompt\": \"no response\"}\n");
    bytes.extend_from_slice(b"{\"prompt\": \"p\", \"response\": \"caf\xff\"}\n");
    bytes.extend_from_slice(
        format!(
            "{{\"prompt\": \"p\", \"response\": \"{}\"}}\n",
            "x".repeat(300)
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(b"{\"prompt\": \"p\", \"response\": \"r\", \"expect\": \"maybe\"}\n");
    bytes.extend_from_slice(b"{\"prompt\": \"p\", \"response\": 5}\n");
    bytes.extend_from_slice(b"{\"prompt\": \"last\", \"response\": \"also fine\"}");
    let path = write_file(&dir, "bad.jsonl", &bytes);

    let (records, errors) = read_all(&path, 200);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].line, 8);
    let lines: Vec<u64> = errors.iter().map(|error| error.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
    assert!(matches!(errors[0].problem, RecordProblem::InvalidJson(_)));
    assert_eq!(errors[1].problem, RecordProblem::MissingField("response"));
    assert_eq!(errors[2].problem, RecordProblem::InvalidUtf8);
    assert!(matches!(
        errors[3].problem,
        RecordProblem::TooLarge { limit: 200, .. }
    ));
    assert_eq!(
        errors[4].problem,
        RecordProblem::InvalidExpect("maybe".into())
    );
    assert!(matches!(
        errors[5].problem,
        RecordProblem::WrongType {
            field: "response",
            ..
        }
    ));
    let message = errors[1].to_string();
    assert!(
        message.starts_with(&format!("{}:3: ", path.display())),
        "{message}"
    );
}

#[test]
fn empty_file_has_no_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "empty.jsonl", b"");
    let (records, errors) = read_all(&path, 1024);
    assert!(records.is_empty());
    assert!(errors.is_empty());
}

#[test]
fn csv_reads_completion_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "a.csv",
        b"id,prompt,completion,expect\n1,hello,\"hi, there\",comply\n2,\"multi\nline\",ok,refuse\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].response, "hi, there");
    assert_eq!(records[0].line, 2);
    assert_eq!(records[1].prompt, "multi\nline");
    assert_eq!(records[1].expect, Some(Expect::Refuse));
    assert_eq!(records[1].line, 3);
}

#[test]
fn csv_missing_column_skips_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "a.csv", b"id,prompt\n1,hello\n2,again\n");
    let (records, errors) = read_all(&path, 1024);
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 1);
    assert_eq!(
        errors[0].problem.to_string(),
        "CSV header has no `response` column (found: id, prompt); name the column of model \
         replies `response` or `completion`"
    );
    assert!(errors[0].problem.spoils_file());
}

#[test]
fn empty_csv_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "empty.csv", b"");
    let (records, errors) = read_all(&path, 1024);
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].problem, RecordProblem::EmptyCsv);
}

#[test]
fn jsonl_non_object_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "a.jsonl",
        b"[1,2,3]\n{\"prompt\":\"p\",\"response\":\"r\"}\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert_eq!(records.len(), 1);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].problem, RecordProblem::NotAnObject);
}

#[test]
fn csv_bad_rows_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"prompt,response\nfine,yes\n".to_vec();
    bytes.extend_from_slice(b"bad,caf\xff\n");
    bytes.extend_from_slice(b"no response column\n");
    bytes.extend_from_slice(format!("long,{}\n", "y".repeat(100)).as_bytes());
    bytes.extend_from_slice(b"fine again,yes\n");
    let path = write_file(&dir, "b.csv", &bytes);
    let (records, errors) = read_all(&path, 64);
    assert_eq!(records.len(), 2);
    let lines: Vec<u64> = errors.iter().map(|error| error.line).collect();
    assert_eq!(lines, vec![3, 4, 5]);
    assert_eq!(errors[0].problem, RecordProblem::InvalidUtf8);
    assert_eq!(errors[1].problem, RecordProblem::MissingField("response"));
    assert!(matches!(errors[2].problem, RecordProblem::TooLarge { .. }));
}

#[test]
fn csv_line_numbers_follow_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = write_file(
        &dir,
        "crlf.csv",
        b"id,prompt,response\r\n1,a,\r\n2,b,ok\r\n3,\"multi\r\nline\",\r\n4,d,ok\r\n",
    );
    let (records, errors) = read_all(&crlf, 1024);
    assert_eq!(
        records.iter().map(|record| record.line).collect::<Vec<_>>(),
        vec![2, 3, 4, 6]
    );
    assert!(errors.is_empty(), "{errors:?}");

    let blank = write_file(&dir, "blank.csv", b"id,prompt\n1,a\n\n2,b\n");
    let (_, errors) = read_all(&blank, 1024);
    assert_eq!(errors.len(), 1);
    let lf = write_file(
        &dir,
        "lf.csv",
        b"id,prompt,response\n1,a,ok\n\n2,b\n3,c,ok\n",
    );
    let (records, errors) = read_all(&lf, 1024);
    assert_eq!(
        errors.iter().map(|error| error.line).collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(
        records.iter().map(|record| record.line).collect::<Vec<_>>(),
        vec![2, 5]
    );
}

#[test]
fn empty_response_is_kept_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(&dir, "a.csv", b"prompt,response\nhi,\n");
    let (records, errors) = read_all(&csv, 1024);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records[0].response, "");
    let jsonl = write_file(
        &dir,
        "a.jsonl",
        b"{\"prompt\": \"hi\", \"response\": \"\"}\n",
    );
    let (records, _) = read_all(&jsonl, 1024);
    assert_eq!(records[0].response, "");
}

#[test]
fn jsonl_byte_order_mark_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "bom.jsonl",
        b"\xef\xbb\xbf{\"prompt\": \"p\", \"response\": \"r\"}\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 1);
}

#[test]
fn csv_unclosed_quote_spoils_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "a.csv",
        b"prompt,response\nHi,\"He said \"\"no\"\"\"\nHey,\"never closed\nYo,lost\nA,b\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].response, "He said \"no\"");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
    assert_eq!(
        errors[0].problem,
        RecordProblem::UnclosedQuote { opened: 3 }
    );
    assert!(errors[0].problem.spoils_file());
}

#[test]
fn csv_row_with_extra_fields_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "a.csv",
        b"prompt,response\nHi,Hello, world\nHey,\"a, b\"\n",
    );
    let (records, errors) = read_all(&path, 1024);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].response, "a, b");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    let expected = RecordProblem::ExtraFields {
        found: 3,
        expected: 2,
    };
    assert_eq!(errors[0].problem, expected);
    assert!(!errors[0].problem.spoils_file());
}
