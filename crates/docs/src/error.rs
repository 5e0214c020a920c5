//! The one error type of the crate: bad shapes of input are reported, never panicked on.

/// Why a document could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A table has no columns: there is nothing to lay out.
    #[error("the table has no columns")]
    NoColumns,
    /// A row does not have one cell per column.
    #[error("row {row} has {found} cells, the table has {expected} columns")]
    RowLength {
        /// Zero-based index of the row (the totals row is `rows.len()`).
        row: usize,
        /// Number of columns.
        expected: usize,
        /// Number of cells in that row.
        found: usize,
    },
    /// A column width fraction is not a finite positive number.
    #[error("column {column} has width {width}; widths are positive fractions")]
    ColumnWidth {
        /// Zero-based column index.
        column: usize,
        /// The width that was given.
        width: f32,
    },
    /// Margins leave too little room for text, or are not finite and non-negative.
    #[error(
        "the page margins leave {width_mm:.0} × {height_mm:.0} mm; at least 50 × 50 mm are needed"
    )]
    Margins {
        /// Width left for the text, in millimetres.
        width_mm: f32,
        /// Height left for the text, in millimetres.
        height_mm: f32,
    },
    /// A sheet has more rows or columns than a spreadsheet can hold.
    #[error(
        "sheet {sheet:?} has {rows} rows and {columns} columns; XLSX allows {max_rows} × {max_columns}"
    )]
    SheetTooLarge {
        /// The sheet's name.
        sheet: String,
        /// Data rows given.
        rows: usize,
        /// Columns given.
        columns: usize,
        /// Largest number of data rows that fit under the title and header.
        max_rows: usize,
        /// Largest number of columns.
        max_columns: usize,
    },
    /// The PDF writer refused the document.
    #[error("PDF writer: {0}")]
    Pdf(String),
    /// The XLSX writer refused the workbook.
    #[error("XLSX writer: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The CSV writer failed.
    #[error("CSV writer: {0}")]
    Csv(#[from] ::csv::Error),
}
