//! `ecsim parquet` end to end: a run's every CSV file, converted, reads back through the `parquet` crate
//! (the Apache Arrow project's reader) cell for cell: the same rows, empty cells as nulls, integers and
//! numbers with the same values (bit for bit), text as text.

mod common;

use std::fs::File;

use common::{ecsim, repo, stderr};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

#[test]
fn every_csv_of_a_run_reads_back_cell_for_cell() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = ecsim(
        &[
            "run",
            "scenarios/rolling-deploy.toml",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        &repo(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ecsim(&["parquet", out.to_str().unwrap()], &repo());
    assert!(o.status.success(), "{}", stderr(&o));
    let mut checked = 0;
    for name in ["timeseries", "tasks", "events"] {
        let csv_path = out.join(format!("{name}.csv"));
        let pq = out.join(format!("{name}.parquet"));
        let mut csv = csv::Reader::from_path(&csv_path).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let reader = SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr();
        let names: Vec<String> = (0..schema.num_columns())
            .map(|i| schema.column(i).name().to_string())
            .collect();
        assert_eq!(names, header, "{name}: the columns, in order");
        let mut rows = reader.get_row_iter(None).unwrap();
        for (line, rec) in csv.records().enumerate() {
            let rec = rec.unwrap();
            let row = rows
                .next()
                .unwrap_or_else(|| panic!("{name}: row {line} missing"))
                .unwrap();
            for ((col, field), cell) in row.get_column_iter().zip(rec.iter()) {
                let same = match field {
                    Field::Null => cell.is_empty(),
                    Field::Long(v) => cell.parse::<i64>() == Ok(*v),
                    Field::Double(v) => cell.parse::<f64>().map(f64::to_bits) == Ok(v.to_bits()),
                    Field::Str(s) => s == cell,
                    other => panic!("{name}: unexpected field {other:?}"),
                };
                assert!(
                    same,
                    "{name} line {}: {col} = {field:?}, CSV has {cell:?}",
                    line + 2
                );
                checked += 1;
            }
        }
        assert!(rows.next().is_none(), "{name}: no extra rows");
    }
    assert!(
        checked > 5_000,
        "a real run's worth of cells (9,321 in this scenario): {checked}"
    );
}

#[test]
fn a_missing_path_or_a_broken_csv_exits_2_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = ecsim(&["parquet", "no-such-folder"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
    std::fs::write(dir.path().join("bad.csv"), "a,b\n1,2\n3\n").unwrap();
    let o = ecsim(&["parquet", "bad.csv"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.csv"), "{}", stderr(&o));
    assert!(!dir.path().join("bad.parquet").exists());
}

/// docs/outputs.md: `--out` may name a folder an earlier run wrote. After `ecsim parquet` has added its
/// copies to a run's folder, the folder is still ecsim's: the next run into it replaces it (the copies of
/// the old run's CSV files go with them) instead of refusing it as holding files ecsim did not write. A
/// comparison's variant folders likewise.
#[test]
fn a_run_folder_with_parquet_copies_is_still_replaced_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = |args: &[&str]| {
        let o = ecsim(args, &repo());
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    let out_s = out.to_str().unwrap();
    run(&["run", "scenarios/quickstart.toml", "--out", out_s, "-q"]);
    run(&["parquet", out_s, "-q"]);
    assert!(out.join("timeseries.parquet").is_file());
    let manifest = std::fs::read_to_string(out.join(".ecsim-manifest")).unwrap();
    assert!(
        manifest.lines().any(|l| l == "events.parquet"),
        "{manifest}"
    );
    run(&["run", "scenarios/quickstart.toml", "--out", out_s, "-q"]);
    assert!(out.join("summary.json").is_file());
    assert!(
        !out.join("timeseries.parquet").exists(),
        "the old run's copies are replaced with it"
    );

    let cmp = dir.path().join("cmp");
    let cmp_s = cmp.to_str().unwrap();
    run(&[
        "compare",
        "scenarios/nasa-ec2-autoscaling.toml",
        "--out",
        cmp_s,
    ]);
    run(&["parquet", cmp.join("fargate").to_str().unwrap(), "-q"]);
    let manifest = std::fs::read_to_string(cmp.join(".ecsim-manifest")).unwrap();
    assert!(
        manifest.lines().any(|l| l == "fargate/tasks.parquet"),
        "{manifest}"
    );
    run(&[
        "compare",
        "scenarios/nasa-ec2-autoscaling.toml",
        "--out",
        cmp_s,
    ]);
}
