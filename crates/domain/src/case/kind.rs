//! What a case is about (CASE-2) and how it came in.
//!
//! NĐ 20/2008/NĐ-CP covers *phản ánh, kiến nghị* on administrative regulations and excludes
//! *khiếu nại* and *tố cáo*, which have their own laws, procedures and clocks that tongdai
//! does not run. Those, and anything else out of scope, are screened out: the case ends
//! `redirected` with guidance naming the competent channel, and is never counted as PAKN.

code_enum! {
    /// The kind of a case (vietnam.md §2.2).
    CaseKind {
        /// A question about an administrative procedure (TTHC).
        HoiDapTthc = "hoi_dap_tthc" / "Hỏi đáp thủ tục hành chính",
        /// *Phản ánh*: a regulation or its implementation is unworkable, inconsistent,
        /// unlawful, or officials delay or harass (NĐ 20/2008 Art. 5(1)).
        PhanAnh = "phan_anh" / "Phản ánh",
        /// *Kiến nghị / góp ý*: a proposed solution or initiative (NĐ 20/2008 Art. 5(2)).
        KienNghi = "kien_nghi" / "Kiến nghị",
        /// A service request: home pickup or delivery by post, an appointment, a lookup.
        YeuCauDichVu = "yeu_cau_dich_vu" / "Yêu cầu dịch vụ",
        /// *Khiếu nại* (Luật Khiếu nại 02/2011/QH13): not PAKN, redirected.
        KhieuNai = "khieu_nai" / "Khiếu nại",
        /// *Tố cáo* (Luật Tố cáo 25/2018/QH14): not PAKN, redirected; the denouncer's
        /// identity is confidential.
        ToCao = "to_cao" / "Tố cáo",
        /// Anything else the hotline does not handle: redirected.
        NgoaiPhamVi = "ngoai_pham_vi" / "Ngoài phạm vi",
    }
}

impl CaseKind {
    /// Whether the hotline handles the case itself (the first four kinds): only these are
    /// answered, forwarded to an agency, counted in PAKN reports. The others are screened out.
    pub fn is_pakn(self) -> bool {
        matches!(
            self,
            CaseKind::HoiDapTthc | CaseKind::PhanAnh | CaseKind::KienNghi | CaseKind::YeuCauDichVu
        )
    }

    /// Whether the case must end `redirected` (*khiếu nại*, *tố cáo*, out of scope).
    pub fn must_redirect(self) -> bool {
        !self.is_pakn()
    }

    /// Whether an NĐ 20/2008 Art. 5 content class applies (and is required at classification).
    pub fn takes_content_class(self) -> bool {
        matches!(self, CaseKind::PhanAnh | CaseKind::KienNghi)
    }

    /// Whether an answered case of this kind may be published on the portal (CASE-10).
    /// Service requests are excluded: they are about one person's pickup or appointment and
    /// carry no public interest, only an address.
    pub fn is_publishable(self) -> bool {
        matches!(
            self,
            CaseKind::HoiDapTthc | CaseKind::PhanAnh | CaseKind::KienNghi
        )
    }

    /// Whether the caller's identity is confidential (field-level access; never in summaries,
    /// SMS, public pages or exports). *Tố cáo*: Luật Tố cáo 25/2018/QH14 Art. 47–48.
    pub fn is_confidential(self) -> bool {
        self == CaseKind::ToCao
    }

    /// The standard answer for a kind that is screened out, naming the competent channel;
    /// `None` for the kinds the hotline handles. The coordinator may edit it before sending.
    pub fn redirect_guidance(self) -> Option<&'static str> {
        match self {
            CaseKind::KhieuNai => Some(GUIDANCE_KHIEU_NAI),
            CaseKind::ToCao => Some(GUIDANCE_TO_CAO),
            CaseKind::NgoaiPhamVi => Some(GUIDANCE_NGOAI_PHAM_VI),
            _ => None,
        }
    }
}

const GUIDANCE_KHIEU_NAI: &str = "Nội dung ông/bà trình bày là khiếu nại, được giải quyết theo \
Luật Khiếu nại số 02/2011/QH13 và Nghị định số 124/2020/NĐ-CP, không thuộc phạm vi tiếp nhận \
phản ánh, kiến nghị về quy định hành chính của Tổng đài (Nghị định số 20/2008/NĐ-CP). Đề nghị \
ông/bà gửi đơn khiếu nại đến người có thẩm quyền giải quyết (thủ trưởng cơ quan đã ban hành \
quyết định hành chính hoặc có cán bộ, công chức thực hiện hành vi hành chính bị khiếu nại), hoặc \
đến Ban Tiếp công dân theo Luật Tiếp công dân số 42/2013/QH13 để được hướng dẫn.";

const GUIDANCE_TO_CAO: &str = "Nội dung ông/bà trình bày là tố cáo, được giải quyết theo Luật \
Tố cáo số 25/2018/QH14, không thuộc phạm vi tiếp nhận phản ánh, kiến nghị về quy định hành \
chính của Tổng đài (Nghị định số 20/2008/NĐ-CP). Đề nghị ông/bà gửi đơn tố cáo hoặc trình bày \
trực tiếp với cơ quan, tổ chức, cá nhân có thẩm quyền giải quyết tố cáo, hoặc tại Ban Tiếp công \
dân theo Luật Tiếp công dân số 42/2013/QH13. Thông tin về người tố cáo được giữ bí mật theo quy \
định của pháp luật.";

const GUIDANCE_NGOAI_PHAM_VI: &str = "Nội dung ông/bà trình bày không thuộc phạm vi tiếp nhận \
phản ánh, kiến nghị về quy định hành chính của Tổng đài (Nghị định số 20/2008/NĐ-CP). Đề nghị \
ông/bà liên hệ cơ quan có thẩm quyền, hoặc Ban Tiếp công dân theo Luật Tiếp công dân số \
42/2013/QH13 để được hướng dẫn; trường hợp khiếu nại hoặc tố cáo, thực hiện theo Luật Khiếu nại \
số 02/2011/QH13 hoặc Luật Tố cáo số 25/2018/QH14.";

code_enum! {
    /// NĐ 20/2008/NĐ-CP Art. 5: what a *phản ánh* (first six) or a *kiến nghị* (last two) is
    /// about.
    ContentClass {
        /// Art. 5(1)(a): delay, harassment, non- or wrong implementation by an agency/official.
        ChamTreSachNhieu = "cham_tre_sach_nhieu" / "Chậm trễ, gây phiền hà hoặc không thực hiện, thực hiện không đúng quy định hành chính",
        /// Art. 5(1)(b).
        KhongPhuHopThucTe = "khong_phu_hop_thuc_te" / "Quy định hành chính không phù hợp với thực tế",
        /// Art. 5(1)(c).
        KhongDongBo = "khong_dong_bo" / "Quy định hành chính không đồng bộ, không thống nhất",
        /// Art. 5(1)(d).
        KhongHopPhap = "khong_hop_phap" / "Quy định hành chính không hợp pháp",
        /// Art. 5(1)(đ).
        TraiDieuUoc = "trai_dieu_uoc" / "Quy định hành chính trái với điều ước quốc tế",
        /// Art. 5(1)(e).
        Khac = "khac" / "Vấn đề khác",
        /// Art. 5(2)(a): a proposed way to handle a *phản ánh*.
        PhuongAnXuLy = "phuong_an_xu_ly" / "Phương án xử lý phản ánh",
        /// Art. 5(2)(b): an initiative for new or amended regulations.
        SangKien = "sang_kien" / "Sáng kiến ban hành mới, sửa đổi, bổ sung quy định hành chính",
    }
}

impl ContentClass {
    /// Whether the class belongs to the kind: the first six to *phản ánh*, the last two to
    /// *kiến nghị*; no class fits the other kinds.
    pub fn fits(self, kind: CaseKind) -> bool {
        match kind {
            CaseKind::PhanAnh => {
                !matches!(self, ContentClass::PhuongAnXuLy | ContentClass::SangKien)
            }
            CaseKind::KienNghi => {
                matches!(self, ContentClass::PhuongAnXuLy | ContentClass::SangKien)
            }
            _ => false,
        }
    }
}

code_enum! {
    /// How a contact reached the hotline (CASE-1; NĐ 20/2008 Art. 6).
    Channel {
        Phone = "phone" / "Điện thoại",
        Web = "web" / "Cổng thông tin điện tử",
        Embed = "embed" / "Biểu mẫu nhúng",
        Email = "email" / "Thư điện tử",
        Sms = "sms" / "Tin nhắn SMS",
        Zalo = "zalo" / "Zalo",
        InPerson = "in_person" / "Trực tiếp",
        Post = "post" / "Bưu chính",
        NationalPortal = "national_portal" / "Cổng Dịch vụ công quốc gia",
    }
}

impl Channel {
    /// Channels a citizen uses alone (no officer types the contact in).
    pub fn is_self_service(self) -> bool {
        matches!(
            self,
            Channel::Web | Channel::Embed | Channel::Email | Channel::Sms | Channel::Zalo
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case2_codes_round_trip_and_labels_are_vietnamese() {
        for k in CaseKind::ALL {
            assert_eq!(k.code().parse::<CaseKind>().unwrap(), *k);
            assert!(!k.label_vi().is_empty());
        }
        for c in ContentClass::ALL {
            assert_eq!(c.code().parse::<ContentClass>().unwrap(), *c);
        }
        for c in Channel::ALL {
            assert_eq!(c.code().parse::<Channel>().unwrap(), *c);
        }
        assert!("khieu-nai".parse::<CaseKind>().is_err());
        assert_eq!(
            serde_json::to_string(&CaseKind::HoiDapTthc).unwrap(),
            "\"hoi_dap_tthc\""
        );
    }

    #[test]
    fn case2_non_pakn_kinds_are_redirected_with_the_law_named() {
        for k in CaseKind::ALL {
            assert_eq!(k.must_redirect(), k.redirect_guidance().is_some(), "{k}");
        }
        assert!(GUIDANCE_KHIEU_NAI.contains("02/2011/QH13"));
        assert!(GUIDANCE_TO_CAO.contains("25/2018/QH14"));
        assert!(GUIDANCE_TO_CAO.contains("bí mật"));
        for g in [GUIDANCE_KHIEU_NAI, GUIDANCE_TO_CAO, GUIDANCE_NGOAI_PHAM_VI] {
            assert!(g.contains("42/2013/QH13"));
            assert!(!g.contains("  "), "line continuation left a double space");
        }
        assert!(CaseKind::ToCao.is_confidential());
        assert!(!CaseKind::KhieuNai.is_pakn());
    }

    #[test]
    fn case2_content_classes_fit_their_kind() {
        let pa: Vec<_> = ContentClass::ALL
            .iter()
            .filter(|c| c.fits(CaseKind::PhanAnh))
            .collect();
        let kn: Vec<_> = ContentClass::ALL
            .iter()
            .filter(|c| c.fits(CaseKind::KienNghi))
            .collect();
        assert_eq!((pa.len(), kn.len()), (6, 2));
        assert!(!ContentClass::Khac.fits(CaseKind::HoiDapTthc));
    }
}
