//! A `timeseries.csv` row handed to its readers as it is written (the report's tee on the CSV writer's
//! thread, [`crate::output::report::RunTee`]), instead of its text parsed back: its numbers come from
//! the row's figures ([`csv_rows::series_numbers`]), its scope and name as the file spells them, and any
//! other cell's text, which no reader of the run's rows asks for today, from the row written and read
//! back on demand. So every reader sees what it would read from the file (test
//! `a_written_row_reads_as_the_file_reads`), without the parsing (issue #20: re-parsing a fleet's rows
//! was a third of the writer thread's work).

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};

use super::read::{Row, UNPARSED};
use crate::metrics::SeriesRow;
use crate::output::{csv_rows, csv_text};

/// `timeseries.csv`'s scope and name columns.
const SCOPE_COL: usize = 2;
const NAME_COL: usize = 3;

/// One `timeseries.csv` row as [`csv_rows::series`] writes it.
pub(crate) struct SeriesCells<'a> {
    row: &'a SeriesRow,
    name: &'a str,
    burst: bool,
    queue: bool,
    /// The scope and name cells as read back: the CSV text rule applied, the quoting undone.
    scope: Cow<'a, str>,
    name_cell: Cow<'a, str>,
    /// The whole row written and read back, made the first time another cell's text is asked for.
    record: OnceCell<csv::StringRecord>,
}

impl<'a> SeriesCells<'a> {
    /// The row `row` named `name`, with the run's extra columns (burst, queue).
    pub(crate) fn new(row: &'a SeriesRow, name: &'a str, burst: bool, queue: bool) -> Self {
        SeriesCells {
            row,
            name,
            burst,
            queue,
            scope: csv_text::text(row.scope),
            name_cell: csv_text::text(name),
            record: OnceCell::new(),
        }
    }

    /// The row for the readers; `nums` is a buffer reused from row to row.
    pub(crate) fn as_row<'b>(&'b self, nums: &'b mut Vec<f64>) -> Row<'b> {
        // The clock cell (`HH:MM:SS`, `Nd HH:MM:SS`) holds colons: it never reads as a number, and
        // series_numbers gives it NaN. Scope and name are parsed from their text if asked.
        csv_rows::series_numbers(nums, self.row, self.burst, self.queue);
        for c in [SCOPE_COL, NAME_COL] {
            nums[c] = UNPARSED;
        }
        Row::written(self, Cell::from_mut(&mut nums[..]).as_slice_of_cells())
    }

    /// Cell `i`'s text as read back from the file (`None` past the row's end). No reader of the run's
    /// rows asks for other text than the scope and name: writing and parsing the row for it is slow.
    pub(super) fn text(&self, i: usize) -> Option<&str> {
        match i {
            SCOPE_COL => Some(&self.scope),
            NAME_COL => Some(&self.name_cell),
            _ => self.record().get(i),
        }
    }

    fn record(&self) -> &csv::StringRecord {
        self.record.get_or_init(|| {
            let mut bytes = Vec::new();
            csv_rows::series(&mut bytes, self.row, self.name, self.burst, self.queue);
            let mut rec = csv::StringRecord::new();
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(&bytes[..]);
            // Bytes just written whole: they read as one record.
            let _ = reader.read_record(&mut rec);
            rec
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::read::{Cells, each_row_of};
    use super::*;

    /// Rows with every cell kind (absent, zero and minus zero, NaN, infinities, fractions, integers past
    /// 2^32, times past a day) and names that need quoting, the text rule, or read as numbers: each cell's
    /// text and number as written equal those of the row written and parsed, bit for bit.
    #[test]
    fn a_written_row_reads_as_the_file_reads() {
        let names = [
            "web",
            "a, b",
            "say \"hi\"",
            "=cmd",
            "123.5",
            "nan",
            "inf",
            "",
        ];
        let floats = [
            None,
            Some(0.0),
            Some(-0.0),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(0.1 + 0.2),
            Some(-12.345678),
            Some(1e21),
            Some(5e-324),
        ];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut nums = Vec::new();
        for k in 0..400usize {
            let fl = |d: u64| floats[(d % floats.len() as u64) as usize];
            let r = SeriesRow {
                time_ms: next() % 4_000_000_000,
                scope: ["service", "cluster", "capacity_provider", "fleet"][k % 4],
                desired: (k % 3 > 0).then_some(k as u32),
                running: Some(7),
                instances: (k % 2 == 0).then_some(3),
                cpu_registered: Some(next() >> 12),
                cpu_utilization: fl(next()),
                memory_utilization: fl(next()),
                latency_p99_ms: fl(next()),
                cost_usd: fl(next()),
                slo_bad: [None, Some(true), Some(false)][k % 3],
                cpu_credit_balance: fl(next()),
                oldest_message_age_s: fl(next()),
                messages_arrived: fl(next()),
                ..SeriesRow::default()
            };
            let name = names[k % names.len()];
            let (burst, queue) = (k % 5 == 0, k % 7 < 3);
            let mut bytes = Vec::new();
            csv_rows::series(&mut bytes, &r, name, burst, queue);
            let cells = SeriesCells::new(&r, name, burst, queue);
            let written = cells.as_row(&mut nums);
            let mut parsed = 0;
            each_row_of(&bytes, |read| {
                parsed += 1;
                for i in 0..45 {
                    let (a, b) = (written.number(i), read.number(i));
                    assert_eq!(a.to_bits(), b.to_bits(), "row {k} cell {i}: {a} {b}");
                    assert_eq!(written.text(i), read.text(i), "row {k} cell {i}");
                }
            })
            .unwrap();
            assert_eq!(parsed, 1);
        }
    }
}
