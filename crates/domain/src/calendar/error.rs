//! What can go wrong when building or querying a working calendar.

use chrono::NaiveDate;

/// Input that cannot make a valid calendar, or a query outside its range. Messages are in
/// Vietnamese because the administration page shows them as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("Giờ `{0}` không hợp lệ: dùng dạng HH:MM (00:00 đến 24:00).")]
    BadClockTime(String),
    #[error(
        "Khoảng giờ `{0}` không hợp lệ: dùng dạng HH:MM-HH:MM, giờ bắt đầu trước giờ kết thúc."
    )]
    BadInterval(String),
    #[error("Các khoảng giờ phải theo thứ tự và không chồng lên nhau ({0}).")]
    IntervalsOverlap(String),
    #[error("Phải có ít nhất một ngày trong tuần có giờ làm việc.")]
    NoOfficeHours,
    #[error("Số giờ `{0}` không hợp lệ: dùng số không âm như 8, 1.5 hoặc 48 (tối đa 1000000).")]
    BadHours(String),
    #[error("Thời điểm `{0}` không hợp lệ: dùng RFC 3339, ví dụ 2026-03-13T15:00:00+07:00.")]
    BadInstant(String),
    #[error("Thời lượng không được âm.")]
    NegativeDuration,
    #[error("Tháng {0} không hợp lệ (1 đến 12).")]
    BadMonth(u32),
    #[error("Năm {0} nằm ngoài phạm vi lịch (1 đến 9999).")]
    YearOutOfRange(i32),
    #[error("Kết quả nằm ngoài phạm vi lịch (năm 1 đến 9999).")]
    OutOfRange,
    #[error("Ngày âm lịch {day}/{month}{leap} năm {year} không tồn tại.", leap = if *leap { " nhuận" } else { "" })]
    NoSuchLunarDate {
        year: i32,
        month: u32,
        day: u32,
        leap: bool,
    },
    #[error("Quy tắc ngày nghỉ `{id}` không hợp lệ: {reason}")]
    BadRule { id: String, reason: String },
    #[error("Mã quy tắc `{0}` bị trùng.")]
    DuplicateRule(String),
    #[error("Ngày {0} được khai báo hai lần.")]
    DuplicateException(NaiveDate),
    #[error("Ngày {date} không thuộc năm {year}.")]
    ExceptionOutsideYear { date: NaiveDate, year: i32 },
    #[error("Ngày {0}: tên ngày nghỉ hoặc ngày làm bù không được để trống (tối đa 200 ký tự).")]
    BadExceptionName(NaiveDate),
}
