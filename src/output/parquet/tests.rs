//! Every file is read back by the `parquet` crate (the Apache Arrow project's Rust reader), not by code
//! of ours: what it reads is what pandas, polars and DuckDB are given.

use super::*;
use ::parquet::basic::{LogicalType, Type as Physical};
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::Field;

fn read_back(path: &Path) -> (Vec<(String, Physical)>, Vec<Vec<Field>>, usize) {
    let r = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
    let md = r.metadata();
    let schema = md.file_metadata().schema_descr();
    let cols = (0..schema.num_columns())
        .map(|i| {
            let c = schema.column(i);
            (c.name().to_string(), c.physical_type())
        })
        .collect();
    let groups = md.num_row_groups();
    let rows = r
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    (cols, rows, groups)
}

#[test]
fn types_nulls_and_values_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    // 0.1 + 0.2 is written as its shortest round-tripping text and must come back as the same f64.
    let third = 0.1 + 0.2;
    std::fs::write(
        &csv,
        format!(
            "count,rate,name,empty,mixed\n3,{third},\"a, \"\"quoted\"\" name\",,7\n,2.5,b,,x\n-4,,,,\n"
        ),
    )
    .unwrap();
    let dest = dir.path().join("t.parquet");
    let c = convert(&csv, &dest).unwrap();
    assert_eq!((c.rows, c.columns), (3, 5));
    assert_eq!(c.bytes, std::fs::metadata(&dest).unwrap().len());
    let (cols, rows, groups) = read_back(&dest);
    assert_eq!(groups, 1);
    assert_eq!(
        cols,
        vec![
            ("count".into(), Physical::INT64),
            ("rate".into(), Physical::DOUBLE),
            ("name".into(), Physical::BYTE_ARRAY),
            ("empty".into(), Physical::DOUBLE),
            ("mixed".into(), Physical::BYTE_ARRAY),
        ]
    );
    assert_eq!(
        rows[0],
        vec![
            Field::Long(3),
            Field::Double(third),
            Field::Str("a, \"quoted\" name".into()),
            Field::Null,
            Field::Str("7".into()),
        ]
    );
    assert_eq!(
        rows[1],
        vec![
            Field::Null,
            Field::Double(2.5),
            Field::Str("b".into()),
            Field::Null,
            Field::Str("x".into())
        ]
    );
    assert_eq!(
        rows[2],
        vec![
            Field::Long(-4),
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Null
        ]
    );
    let r = SerializedFileReader::new(File::open(&dest).unwrap()).unwrap();
    let name = r.metadata().file_metadata().schema_descr().column(2);
    assert_eq!(name.logical_type_ref(), Some(&LogicalType::String));
}

#[test]
fn row_groups_split_at_the_bound_and_runs_of_nulls_span_them() {
    // ROWS_PER_GROUP + 5 rows: two groups (131,072 and 5 rows). The value column is null on every third
    // row, so the level runs are short and cross the group boundary; `k` repeats 100 names (a dictionary
    // with 7-bit indices), `u` is distinct on every row (too varied for a dictionary: PLAIN).
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let n = ROWS_PER_GROUP + 5;
    let mut s = String::from("i,v,k,u\n");
    for i in 0..n {
        if i % 3 == 0 {
            s.push_str(&format!("{i},,svc{},u{i}\n", i % 100));
        } else {
            s.push_str(&format!("{i},{},svc{},u{i}\n", i as f64 / 8.0, i % 100));
        }
    }
    std::fs::write(&csv, s).unwrap();
    let dest = dir.path().join("big.parquet");
    assert_eq!(convert(&csv, &dest).unwrap().rows, n as u64);
    let (_, rows, groups) = read_back(&dest);
    assert_eq!(groups, 2);
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], Field::Long(i as i64));
        let want = if i % 3 == 0 {
            Field::Null
        } else {
            Field::Double(i as f64 / 8.0)
        };
        assert_eq!(row[1], want, "row {i}");
        assert_eq!(row[2], Field::Str(format!("svc{}", i % 100)), "row {i}");
        assert_eq!(row[3], Field::Str(format!("u{i}")), "row {i}");
    }
}

#[test]
fn a_header_only_file_is_an_empty_table() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("e.csv");
    std::fs::write(&csv, "a,b\n").unwrap();
    let dest = dir.path().join("e.parquet");
    let c = convert(&csv, &dest).unwrap();
    assert_eq!((c.rows, c.columns), (0, 2));
    let (cols, rows, groups) = read_back(&dest);
    assert_eq!((cols.len(), rows.len(), groups), (2, 0, 0));
}

#[test]
fn a_ragged_csv_is_refused_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "a,b\n1,2\n3\n").unwrap();
    let dest = dir.path().join("r.parquet");
    let e = convert(&csv, &dest).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("r.csv"), "{e}");
    assert!(!dest.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the CSV: no temporary file left");
}
