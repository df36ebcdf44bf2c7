// Reference data: agencies and provincial-level units. Stored values are the short
// codes; labels come from the message catalogs (agencies) or are proper names
// (provinces, the 34 units after the 2025 merger).

export const AGENCY_CODES = ["QLTT", "CA", "HQ", "THUE", "NHNN", "KHCN", "KHAC"] as const;
export type AgencyCode = (typeof AGENCY_CODES)[number];

export interface Province {
  code: string;
  name: string;
}

export const PROVINCES: readonly Province[] = [
  { code: "HN", name: "Hà Nội" },
  { code: "HUE", name: "Huế" },
  { code: "HP", name: "Hải Phòng" },
  { code: "DN", name: "Đà Nẵng" },
  { code: "HCM", name: "TP. Hồ Chí Minh" },
  { code: "CT", name: "Cần Thơ" },
  { code: "LCH", name: "Lai Châu" },
  { code: "DB", name: "Điện Biên" },
  { code: "SL", name: "Sơn La" },
  { code: "LS", name: "Lạng Sơn" },
  { code: "CB", name: "Cao Bằng" },
  { code: "TQ", name: "Tuyên Quang" },
  { code: "LCA", name: "Lào Cai" },
  { code: "TN", name: "Thái Nguyên" },
  { code: "PT", name: "Phú Thọ" },
  { code: "BN", name: "Bắc Ninh" },
  { code: "HY", name: "Hưng Yên" },
  { code: "NB", name: "Ninh Bình" },
  { code: "QN", name: "Quảng Ninh" },
  { code: "TH", name: "Thanh Hóa" },
  { code: "NA", name: "Nghệ An" },
  { code: "HT", name: "Hà Tĩnh" },
  { code: "QT", name: "Quảng Trị" },
  { code: "QNG", name: "Quảng Ngãi" },
  { code: "GL", name: "Gia Lai" },
  { code: "KH", name: "Khánh Hòa" },
  { code: "LD", name: "Lâm Đồng" },
  { code: "DL", name: "Đắk Lắk" },
  { code: "DNA", name: "Đồng Nai" },
  { code: "TNI", name: "Tây Ninh" },
  { code: "VL", name: "Vĩnh Long" },
  { code: "DT", name: "Đồng Tháp" },
  { code: "CM", name: "Cà Mau" },
  { code: "AG", name: "An Giang" },
];

const PROVINCE_BY_CODE = new Map(PROVINCES.map((p) => [p.code, p]));

/** Provinces sorted the way a Vietnamese reader expects (Đ after D, tones ignored first). */
export const PROVINCES_SORTED: readonly Province[] = [...PROVINCES].sort((a, b) =>
  new Intl.Collator("vi").compare(a.name, b.name),
);

/** The province's name, or the stored value itself when it is not a known code. */
export function provinceName(code: string): string {
  return PROVINCE_BY_CODE.get(code)?.name ?? code;
}

export function isAgencyCode(code: string): code is AgencyCode {
  return (AGENCY_CODES as readonly string[]).includes(code);
}
