//! Documents used by the tests and the benchmark: a reply letter, a monthly report and the
//! hotline logbook, with real Vietnamese text.

#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use tongdai_docs::Cell;
use tongdai_docs::pdf::{
    Align, Authority, Block, Column, DocumentKind, OfficialDocument, Signature, Table,
    TableDocument,
};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).expect("valid time")
}

/// The reply letter to a citizen (NĐ 20/2008 Art. 14–15, §2.1). The signer's name is given
/// decomposed (NFD), as a macOS keyboard sends it.
pub fn reply_letter() -> OfficialDocument {
    OfficialDocument {
        number: None,
        symbol: "UBND-VP".to_owned(),
        place: "An Châu".to_owned(),
        recipients: vec!["Bà Nguyễn Thị Hồng Nhung, ấp An Hòa, xã An Châu".to_owned()],
        body: vec![
            Block::Paragraph(
                "Ủy ban nhân dân xã An Châu nhận được phản ánh, kiến nghị của bà Nguyễn Thị \
                 Hồng Nhung qua Tổng đài 1800.888.880 ngày 20/01/2026 về việc chậm cấp bản sao \
                 trích lục khai sinh cho con tại Bộ phận Một cửa của xã."
                    .to_owned(),
            ),
            Block::Paragraph(
                "Sau khi kiểm tra, Ủy ban nhân dân xã trả lời như sau: hồ sơ của bà đã được \
                 tiếp nhận ngày 12/01/2026, hẹn trả ngày 14/01/2026; do hệ thống đăng ký hộ \
                 tịch điện tử gián đoạn nên kết quả được trả chậm hai ngày làm việc. Ủy ban \
                 nhân dân xã đã nhắc nhở công chức phụ trách, xin lỗi bà về sự chậm trễ và \
                 trả kết quả ngày 22/01/2026."
                    .to_owned(),
            ),
            Block::Paragraph(
                "Ủy ban nhân dân xã An Châu trân trọng cảm ơn bà đã phản ánh, kiến nghị./."
                    .to_owned(),
            ),
        ],
        signature: Signature {
            authority: vec![
                Authority::OnBehalfOf("Ủy ban nhân dân".to_owned()),
                Authority::Deputy("Chủ tịch".to_owned()),
            ],
            title: "Phó Chủ tịch".to_owned(),
            name: "Tra\u{302}\u{300}n Va\u{306}n Bi\u{300}nh".to_owned(),
        },
        distribution: vec![
            "Như trên".to_owned(),
            "Chủ tịch UBND xã (để b/c)".to_owned(),
            "Lưu: VT, VP".to_owned(),
        ],
        ..OfficialDocument::new(
            "Ủy ban nhân dân xã An Châu",
            DocumentKind::Letter,
            "Trả lời phản ánh, kiến nghị của bà Nguyễn Thị Hồng Nhung",
            date(2026, 2, 5),
        )
    }
}

/// The monthly report (§7), long enough for three pages, with a table in the body.
pub fn monthly_report() -> OfficialDocument {
    let mut body = vec![
        Block::Heading("I. Tình hình tiếp nhận".to_owned()),
        Block::Paragraph(
            "Trong tháng 01 năm 2026, Tổng đài 1800.888.880 tiếp nhận 1.245 cuộc gọi, trong \
             đó 312 phản ánh, kiến nghị được ghi nhận và chuyển xử lý theo quy định tại Nghị \
             định số 20/2008/NĐ-CP."
                .to_owned(),
        ),
        Block::Table(Table {
            columns: vec![
                Column::new("STT", 0.08).align(Align::Center),
                Column::new("Kênh tiếp nhận", 0.42),
                Column::new("Số lượng", 0.2),
                Column::new("Tỷ lệ (%)", 0.3),
            ],
            rows: vec![
                vec![
                    1.into(),
                    "Điện thoại".into(),
                    280.into(),
                    Cell::decimal(89.74, 2),
                ],
                vec![
                    2.into(),
                    "Cổng thông tin điện tử".into(),
                    24.into(),
                    Cell::decimal(7.69, 2),
                ],
                vec![
                    3.into(),
                    "Trực tiếp".into(),
                    8.into(),
                    Cell::decimal(2.56, 2),
                ],
            ],
            totals: Some(vec![
                Cell::Empty,
                "Tổng cộng".into(),
                312.into(),
                Cell::decimal(100.0, 2),
            ]),
            column_numbers: true,
        }),
        Block::Heading("II. Kết quả xử lý".to_owned()),
    ];
    for i in 1..=14 {
        body.push(Block::Paragraph(format!(
            "{i}. Lĩnh vực đất đai và xây dựng: tiếp nhận các phản ánh, kiến nghị về thủ tục \
             cấp Giấy chứng nhận quyền sử dụng đất, cấp phép xây dựng nhà ở riêng lẻ và giải \
             quyết tranh chấp ranh giới; các cơ quan chuyên môn đã trả lời đúng hạn phần lớn \
             hồ sơ, một số trường hợp quá hạn do phải xác minh thực địa."
        )));
    }
    body.push(Block::Heading("III. Đề xuất, kiến nghị".to_owned()));
    body.push(Block::Paragraph(
        "Đề nghị Ủy ban nhân dân tỉnh bố trí kinh phí nâng cấp hệ thống ghi âm của Tổng đài."
            .to_owned(),
    ));
    OfficialDocument {
        parent_body: Some("UBND tỉnh An Giang".to_owned()),
        number: Some(5),
        symbol: "BC-UBND".to_owned(),
        place: "An Châu".to_owned(),
        body,
        signature: Signature {
            authority: vec![Authority::OnBehalfOf("Ủy ban nhân dân".to_owned())],
            title: "Chủ tịch".to_owned(),
            name: "Nguyễn Văn An".to_owned(),
        },
        distribution: vec![
            "UBND tỉnh (để b/c)".to_owned(),
            "Văn phòng UBND tỉnh".to_owned(),
            "Lưu: VT".to_owned(),
        ],
        ..OfficialDocument::new(
            "Ủy ban nhân dân xã An Châu",
            DocumentKind::Report,
            "Tình hình tiếp nhận, xử lý phản ánh, kiến nghị qua Tổng đài tháng 01 năm 2026",
            date(2026, 2, 5),
        )
    }
}

pub const LOGBOOK_HEADERS: [&str; 9] = [
    "STT",
    "Thời gian tiếp nhận",
    "Tổ chức, cá nhân",
    "Số điện thoại",
    "Địa chỉ",
    "Nội dung phản ánh, kiến nghị",
    "Cán bộ tiếp nhận",
    "Bàn giao (ký nhận)",
    "Tình trạng",
];

const NAMES: [&str; 6] = [
    "Nguyễn Thị Hồng Nhung",
    "Trần Văn Bình",
    "Lê Thị Ánh Tuyết",
    "Phạm Quốc Hưng",
    "Công ty TNHH Thương mại Dịch vụ Phúc Lộc",
    "Hoàng Đức Thắng",
];

const CONTENTS: [&str; 4] = [
    "Phản ánh chậm cấp trích lục khai sinh.",
    "Kiến nghị sửa chữa đường giao thông nông thôn ấp An Hòa bị sụt lún sau mưa lớn, \
     gây nguy hiểm cho học sinh đi học.",
    "Hỏi thủ tục đăng ký thường trú cho con.",
    "Phản ánh tình trạng xả thải của cơ sở chăn nuôi heo gần khu dân cư, gây ô nhiễm \
     nguồn nước và không khí; đề nghị kiểm tra, xử lý dứt điểm.",
];

const STATUSES: [&str; 3] = ["Đã trả lời", "Đang xử lý", "Chuyển cơ quan có thẩm quyền"];

/// One logbook row (*sổ theo dõi*).
pub fn logbook_row(i: usize) -> Vec<Cell> {
    let day = (i % 28) as u32 + 1;
    let minute = (i * 7 % 60) as u32;
    vec![
        Cell::Integer(i as i64 + 1),
        Cell::DateTime(at(2026, 1, day, 7 + (i % 10) as u32, minute)),
        Cell::text(NAMES[i % NAMES.len()]),
        Cell::text(format!("09{:08}", 12_345_678 + i * 37)),
        Cell::text(format!("Ấp An Hòa {}, xã An Châu", i % 9 + 1)),
        Cell::text(CONTENTS[i % CONTENTS.len()]),
        Cell::text("Lê Minh Tâm"),
        Cell::Empty,
        Cell::text(STATUSES[i % STATUSES.len()]),
    ]
}

pub fn logbook_rows(n: usize) -> Vec<Vec<Cell>> {
    (0..n).map(logbook_row).collect()
}

/// The logbook as a landscape table document.
pub fn logbook(n: usize) -> TableDocument {
    let widths = [0.04, 0.085, 0.12, 0.095, 0.115, 0.255, 0.095, 0.08, 0.105];
    let columns = LOGBOOK_HEADERS
        .iter()
        .zip(widths)
        .map(|(title, width)| Column::new(*title, width))
        .collect();
    TableDocument {
        parent_body: Some("UBND tỉnh An Giang".to_owned()),
        issuing_body: Some("Ủy ban nhân dân xã An Châu".to_owned()),
        subtitle: vec!["(Từ ngày 01/01/2026 đến ngày 31/01/2026)".to_owned()],
        ..TableDocument::new(
            "Sổ theo dõi tiếp nhận phản ánh, kiến nghị qua Tổng đài",
            Table::new(columns, logbook_rows(n)),
        )
    }
}
