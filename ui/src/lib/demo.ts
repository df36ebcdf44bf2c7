// Sample data for running the UI in a plain browser (`npm run dev` outside the desktop
// shell). Only loaded in development builds; the desktop app never uses it.

import { MemoryBackend, MemoryDesktop } from "./backend-memory";
import type { Profile } from "./types";

const PROFILE: Profile = {
  name: "nguyen.van.an",
  display_name: "Nguyễn Văn An",
  agency: "QLTT",
  unit: "Đội Quản lý thị trường số 1",
  province: "HN",
  role: "investigator",
  created_at: "2026-11-01T02:00:00Z",
};

/** A seeded backend; `?setup` in the URL starts at the first-run profile screen instead. */
export async function demoBackend(firstRun: boolean) {
  const backend = new MemoryBackend({
    profile: firstRun ? null : PROFILE,
    files: {
      "/home/canbo/chung-cu/tin-dang-my-pham.png": "demo screenshot bytes",
      "/home/canbo/chung-cu/sao-ke-tai-khoan.pdf": new Uint8Array(1572864).fill(7),
    },
    pages: {
      "https://shop.example.vn/p/kem-duong-da": {
        title: "Kem dưỡng da chính hãng – giảm 70% hôm nay",
        final_url: "https://shop.example.vn/san-pham/kem-duong-da-chinh-hang-giam-70-phan-tram?ref=fb&utm_source=facebook",
      },
    },
  });
  if (!firstRun) {
    const fake = await backend.caseCreate({
      title: "Bán mỹ phẩm giả mạo nhãn hiệu trên mạng xã hội",
      violation_categories: ["counterfeit_goods", "ip_infringing_goods"],
      product_group: "Mỹ phẩm",
      origin: "complaint",
    });
    await backend.evidenceAdd(fake.code, ["/home/canbo/chung-cu/tin-dang-my-pham.png"]);
    await backend.captureUrl(fake.code, "https://shop.example.vn/p/kem-duong-da");
    await backend.noteAdd(fake.code, "Đối tượng dùng hai tài khoản thanh toán khác nhau.");
    await backend.caseCreate({
      title: "Thuốc lá điện tử nhập lậu bán qua sàn thương mại điện tử",
      violation_categories: ["smuggled_goods", "prohibited_goods"],
      product_group: "Thuốc lá điện tử",
      origin: "patrol",
    });
  }
  return { backend, desktop: new MemoryDesktop() };
}
