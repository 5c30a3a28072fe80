//! `ecsim parquet`: the run's CSV files as Parquet, which pandas, polars, DuckDB and Spark read natively
//! with column types. Written here without the `parquet` crate (docs/decisions.md, "Parquet written by
//! hand"): flat files of OPTIONAL columns, per column and row group a GZIP data page (v1) of PLAIN values
//! or, for text that repeats, dictionary indices behind a dictionary page; definition levels run-length
//! encoded — the oldest, most widely read subset of the format (apache/parquet-format, `Encodings.md`,
//! `Compression.md` and `parquet.thrift`). The tests read every file back with the
//! `parquet` crate's own reader.
//!
//! Column types come from the CSV's cells: a column whose every non-empty cell is an integer is INT64, one
//! whose every non-empty cell is a number is DOUBLE, anything else a UTF-8 string; an empty cell is null;
//! a column with no value at all is DOUBLE (all null). Numbers keep their exact values: the CSV holds the
//! shortest text that reads back to the simulation's f64.

mod thrift;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use thrift::{Out, Ty};

/// Rows per row group: about 1 MB of each numeric column in memory at a time.
pub const ROWS_PER_GROUP: usize = 131_072;

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ParquetError {
    /// The CSV cannot be read (a missing file, a ragged row, bad UTF-8 in a header).
    #[error("{path}: {source}")]
    Read {
        /// The CSV file.
        path: PathBuf,
        /// What the reader said.
        source: csv::Error,
    },
    /// The Parquet file cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The Parquet file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl ParquetError {
    /// Exit code: 2 for input the user can fix, 1 for a write failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            ParquetError::Read { .. } => 2,
            ParquetError::Write { .. } => 1,
        }
    }
}

/// What one conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// Data rows.
    pub rows: u64,
    /// Columns.
    pub columns: usize,
    /// Bytes of the Parquet file.
    pub bytes: u64,
}

/// A column's Parquet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INT64.
    Int,
    /// DOUBLE.
    Float,
    /// BYTE_ARRAY annotated as a UTF-8 string.
    Text,
}

impl Kind {
    /// The physical type code (`parquet.thrift` `Type`).
    fn physical(self) -> i32 {
        match self {
            Kind::Int => 2,
            Kind::Float => 5,
            Kind::Text => 6,
        }
    }
}

fn reader(path: &Path) -> Result<csv::Reader<File>, ParquetError> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|source| ParquetError::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// The header and each column's type, from one pass over the file.
pub fn infer(path: &Path) -> Result<(Vec<String>, Vec<Kind>), ParquetError> {
    let read_err = |source| ParquetError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut r = reader(path)?;
    let names: Vec<String> = r
        .headers()
        .map_err(read_err)?
        .iter()
        .map(str::to_string)
        .collect();
    let n = names.len();
    let (mut int, mut float, mut any) = (vec![true; n], vec![true; n], vec![false; n]);
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec).map_err(read_err)? {
        for (c, cell) in rec.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            any[c] = true;
            let s = std::str::from_utf8(cell).unwrap_or("");
            if int[c] && s.parse::<i64>().is_err() {
                int[c] = false;
            }
            if float[c] && !int[c] && s.parse::<f64>().is_err() {
                float[c] = false;
            }
        }
    }
    let kinds = (0..n)
        .map(|c| match (any[c], int[c], float[c]) {
            (false, _, _) => Kind::Float,
            (true, true, _) => Kind::Int,
            (true, false, true) => Kind::Float,
            _ => Kind::Text,
        })
        .collect();
    Ok((names, kinds))
}

/// One column of a row group being gathered: PLAIN-encoded values and whether each row has one.
struct Column {
    kind: Kind,
    values: Vec<u8>,
    present: Vec<bool>,
}

impl Column {
    fn push(&mut self, cell: &[u8]) {
        if cell.is_empty() {
            self.present.push(false);
            return;
        }
        self.present.push(true);
        let s = std::str::from_utf8(cell).unwrap_or("");
        match self.kind {
            // `infer` saw every cell parse; the fallbacks are unreachable for the file it read.
            Kind::Int => {
                let v = s.parse::<i64>().unwrap_or(0);
                self.values.extend_from_slice(&v.to_le_bytes());
            }
            Kind::Float => {
                let v = s.parse::<f64>().unwrap_or(f64::NAN);
                self.values.extend_from_slice(&v.to_le_bytes());
            }
            Kind::Text => {
                self.values
                    .extend_from_slice(&(cell.len() as u32).to_le_bytes());
                self.values.extend_from_slice(cell);
            }
        }
    }

    /// The definition levels (0 null, 1 present) in the RLE/bit-packed hybrid with bit width 1, as RLE
    /// runs only, behind their 4-byte length (a v1 data page's layout).
    fn levels(&self) -> Vec<u8> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < self.present.len() {
            let v = self.present[i];
            let mut j = i;
            while j < self.present.len() && self.present[j] == v {
                j += 1;
            }
            let mut header = ((j - i) as u64) << 1;
            while header >= 0x80 {
                runs.push((header as u8) | 0x80);
                header >>= 7;
            }
            runs.push(header as u8);
            runs.push(u8::from(v));
            i = j;
        }
        let mut out = (runs.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&runs);
        out
    }
}

/// Where one column chunk landed (for the footer).
struct Chunk {
    offset: u64,
    size: u64,
    uncompressed: u64,
    values: usize,
    /// The dictionary page's offset, when the chunk has one (the data page follows it).
    dictionary: Option<u64>,
    data_offset: u64,
}

/// A text chunk's values as a dictionary (PLAIN-encoded distinct values, in order of first use) and each
/// present row's index into it; `None` when the values are too varied for a dictionary to pay.
fn dictionary(col: &Column) -> Option<(Vec<u8>, usize, Vec<u32>)> {
    if col.kind != Kind::Text {
        return None;
    }
    let n = col.present.iter().filter(|&&p| p).count();
    let mut ids: std::collections::HashMap<&[u8], u32> = std::collections::HashMap::new();
    let mut dict = Vec::new();
    let mut idx = Vec::with_capacity(n);
    let mut at = 0;
    while at < col.values.len() {
        let len = u32::from_le_bytes(col.values[at..at + 4].try_into().expect("4 bytes")) as usize;
        let whole = &col.values[at..at + 4 + len];
        let next = ids.len() as u32;
        let id = *ids.entry(whole).or_insert_with(|| {
            dict.extend_from_slice(whole);
            next
        });
        idx.push(id);
        at += 4 + len;
        if ids.len() > DICT_MAX || (ids.len() > 64 && ids.len() * 2 > n) {
            return None;
        }
    }
    Some((dict, ids.len(), idx))
}

/// Most distinct values a chunk's dictionary holds.
const DICT_MAX: usize = 1 << 16;

/// Indices in the RLE/bit-packed hybrid: one byte of bit width, then one bit-packed run of groups of 8
/// (the last group padded with zeros; the page's value count says where the values end).
fn bit_packed(idx: &[u32], distinct: usize) -> Vec<u8> {
    let width = (32 - (distinct.max(2) as u32 - 1).leading_zeros()) as usize;
    let groups = idx.len().div_ceil(8);
    let mut out = vec![width as u8];
    let mut header = ((groups as u64) << 1) | 1;
    while header >= 0x80 {
        out.push((header as u8) | 0x80);
        header >>= 7;
    }
    out.push(header as u8);
    let start = out.len();
    out.resize(start + groups * width, 0);
    for (i, &v) in idx.iter().enumerate() {
        let bit = i * width;
        for b in 0..width {
            if v >> b & 1 == 1 {
                let at = bit + b;
                out[start + at / 8] |= 1 << (at % 8);
            }
        }
    }
    out
}

/// A page: its header (type, sizes, the type's own header written by `inner`) and its GZIP body.
fn page(
    w: &mut impl Write,
    kind: i32,
    body: &[u8],
    inner: impl FnOnce(&mut Out),
) -> std::io::Result<(u64, u64)> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body)?;
    let packed = gz.finish()?;
    let mut h = Out::new();
    h.i32(1, kind);
    h.i32(2, body.len() as i32); // uncompressed_page_size
    h.i32(3, packed.len() as i32); // compressed_page_size
    inner(&mut h);
    let header = h.finish();
    w.write_all(&header)?;
    w.write_all(&packed)?;
    Ok((
        (header.len() + packed.len()) as u64,
        (header.len() + body.len()) as u64,
    ))
}

/// Convert `csv` to `dest` (written whole or not at all).
pub fn convert(csv: &Path, dest: &Path) -> Result<Converted, ParquetError> {
    let (names, kinds) = infer(csv)?;
    let write_err = |source| ParquetError::Write {
        path: dest.to_path_buf(),
        source,
    };
    let (file, pending) = super::atomic::create(dest).map_err(write_err)?;
    let mut w = BufWriter::new(file);
    w.write_all(b"PAR1").map_err(write_err)?;
    let mut offset = 4u64;
    let mut groups: Vec<(Vec<Chunk>, usize)> = Vec::new();
    let mut rows_total = 0u64;
    let mut r = reader(csv)?;
    let mut rec = csv::ByteRecord::new();
    let fresh = || -> Vec<Column> {
        kinds
            .iter()
            .map(|&kind| Column {
                kind,
                values: Vec::new(),
                present: Vec::new(),
            })
            .collect()
    };
    let mut cols = fresh();
    let mut rows = 0usize;
    loop {
        let more = r
            .read_byte_record(&mut rec)
            .map_err(|source| ParquetError::Read {
                path: csv.to_path_buf(),
                source,
            })?;
        if more {
            for (c, cell) in rec.iter().enumerate() {
                cols[c].push(cell);
            }
            rows += 1;
        }
        if rows > 0 && (rows == ROWS_PER_GROUP || !more) {
            let chunks = write_group(&mut w, &mut offset, &cols).map_err(write_err)?;
            groups.push((chunks, rows));
            rows_total += rows as u64;
            cols = fresh();
            rows = 0;
        }
        if !more {
            break;
        }
    }
    let footer = footer(&names, &kinds, &groups, rows_total);
    w.write_all(&footer).map_err(write_err)?;
    w.write_all(&(footer.len() as u32).to_le_bytes())
        .map_err(write_err)?;
    w.write_all(b"PAR1").map_err(write_err)?;
    w.flush().map_err(write_err)?;
    drop(w);
    pending.commit().map_err(write_err)?;
    let bytes = offset + footer.len() as u64 + 8;
    Ok(Converted {
        rows: rows_total,
        columns: names.len(),
        bytes,
    })
}

/// Write one row group's column chunks (a dictionary page for a text column whose values repeat, then
/// one data page) and say where they are.
fn write_group(
    w: &mut impl Write,
    offset: &mut u64,
    cols: &[Column],
) -> std::io::Result<Vec<Chunk>> {
    let mut chunks = Vec::with_capacity(cols.len());
    for col in cols {
        let n = col.present.len();
        let start = *offset;
        let (mut size, mut uncompressed, mut dict_at) = (0, 0, None);
        let mut body = col.levels();
        let encoding = match dictionary(col) {
            Some((dict, distinct, idx)) => {
                let (s, u) = page(w, 2, &dict, |h| {
                    h.begin(7); // dictionary_page_header
                    h.i32(1, distinct as i32); // num_values
                    h.i32(2, 2); // encoding: PLAIN_DICTIONARY (the v1 name readers all accept)
                    h.end();
                })?;
                dict_at = Some(start);
                (size, uncompressed) = (s, u);
                body.extend_from_slice(&bit_packed(&idx, distinct));
                2 // PLAIN_DICTIONARY: indices into the dictionary page
            }
            None => {
                body.extend_from_slice(&col.values);
                0 // PLAIN
            }
        };
        let data_offset = start + size;
        let (s, u) = page(w, 0, &body, |h| {
            h.begin(5); // data_page_header
            h.i32(1, n as i32); // num_values, nulls included
            h.i32(2, encoding);
            h.i32(3, 3); // definition_level_encoding: RLE
            h.i32(4, 3); // repetition_level_encoding: RLE (none written: flat schema)
            h.end();
        })?;
        size += s;
        uncompressed += u;
        chunks.push(Chunk {
            offset: start,
            size,
            uncompressed,
            values: n,
            dictionary: dict_at,
            data_offset,
        });
        *offset += size;
    }
    Ok(chunks)
}

/// The FileMetaData footer.
fn footer(names: &[String], kinds: &[Kind], groups: &[(Vec<Chunk>, usize)], rows: u64) -> Vec<u8> {
    let mut f = Out::new();
    f.i32(1, 1); // version
    f.list(2, Ty::Struct, names.len() + 1); // schema: the root, then one leaf per column
    f.begin_elem();
    f.string(4, "schema");
    f.i32(5, names.len() as i32); // num_children
    f.end();
    for (name, &kind) in names.iter().zip(kinds) {
        f.begin_elem();
        f.i32(1, kind.physical());
        f.i32(3, 1); // repetition_type: OPTIONAL
        f.string(4, name);
        if kind == Kind::Text {
            f.i32(6, 0); // converted_type: UTF8
            f.begin(10); // logicalType
            f.begin(1); // STRING
            f.end();
            f.end();
        }
        f.end();
    }
    f.i64(3, rows as i64); // num_rows
    f.list(4, Ty::Struct, groups.len()); // row_groups
    for (chunks, n) in groups {
        f.begin_elem();
        f.list(1, Ty::Struct, chunks.len()); // columns
        for (c, chunk) in chunks.iter().enumerate() {
            f.begin_elem();
            f.i64(2, chunk.offset as i64); // file_offset: where the chunk starts
            f.begin(3); // meta_data
            f.i32(1, kinds[c].physical());
            f.list(2, Ty::I32, 2); // encodings
            f.elem_i32(if chunk.dictionary.is_some() { 2 } else { 0 }); // PLAIN_DICTIONARY or PLAIN
            f.elem_i32(3); // RLE (the levels)
            f.list(3, Ty::Binary, 1); // path_in_schema
            f.elem_string(&names[c]);
            f.i32(4, 2); // codec: GZIP
            f.i64(5, chunk.values as i64); // num_values
            f.i64(6, chunk.uncompressed as i64); // total_uncompressed_size
            f.i64(7, chunk.size as i64); // total_compressed_size
            f.i64(9, chunk.data_offset as i64); // data_page_offset
            if let Some(d) = chunk.dictionary {
                f.i64(11, d as i64); // dictionary_page_offset
            }
            f.end();
            f.end();
        }
        f.i64(2, chunks.iter().map(|c| c.size as i64).sum()); // total_byte_size
        f.i64(3, *n as i64); // num_rows
        f.end();
    }
    f.string(6, concat!("ecsim version ", env!("CARGO_PKG_VERSION")));
    f.finish()
}

/// Why `ecsim parquet` has nothing to convert at a path.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Neither a folder nor a `.csv` file.
    #[error("{0}: not an output folder or a .csv file")]
    NotFound(PathBuf),
    /// A folder without a CSV file.
    #[error("{0}: no .csv file in this folder")]
    NoCsv(PathBuf),
}

/// The CSV files to convert: every `.csv` directly in each folder (by name), and each `.csv` file given.
pub fn csv_targets(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TargetError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|_| TargetError::NotFound(p.clone()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "csv"))
                .collect();
            if v.is_empty() {
                return Err(TargetError::NoCsv(p.clone()));
            }
            v.sort();
            out.extend(v);
        } else if p.is_file() && p.extension().is_some_and(|x| x == "csv") {
            out.push(p.clone());
        } else {
            return Err(TargetError::NotFound(p.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
