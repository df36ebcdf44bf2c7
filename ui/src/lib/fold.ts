// Diacritic folding for Vietnamese search, the same rule the backend applies:
// NFD, drop combining marks, đ/Đ → d, lower case. "Hàng giả" and "hang gia" both fold
// to "hang gia". (Unicode does not decompose đ, so it needs its own rule.)

export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[đĐ]/g, "d")
    .toLowerCase();
}
