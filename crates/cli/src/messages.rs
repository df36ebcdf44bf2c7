//! Error reporting and exit codes. The first words a user reads are Vietnamese; the
//! stable code and the precise English detail follow for scripts and support.

use truyvet_core::{Error, ErrorCode};

pub const EXIT_VERIFY_FAILED: u8 = 1;
/// Some URLs of a `capture` batch could not be captured (the others are stored).
pub const EXIT_CAPTURE_FAILED: u8 = 6;

pub fn exit_code(err: &Error) -> u8 {
    use ErrorCode::*;
    match err.code {
        InvalidInput
        | ProfileMissing
        | CaseNotFound
        | DuplicateCaseCode
        | FileNotFound
        | NotAFile
        | FileUnreadable
        | EmptyFile
        | CaptureFailed
        | BadPassphrase
        | KeyMissing
        | ForbiddenRole
        | InvalidTransition
        | CaseIncomplete
        | CaseNotSealed
        | BundleInvalid
        | CaseAlreadyExists
        | ProofInvalid
        | RegistryNotConfigured
        | RegistryRefused
        | RegistryReceiptInvalid
        | RegistryLogInconsistent => 3,
        InvalidSetting => 3,
        TipNotFound | ImportInvalid => 3,
        WatchNotFound => 3,
        AppLocked => 4,
        WorkspaceLocked | WorkspaceKeyMissing | WorkspaceKeyTooNew => 4,
        UnlockThrottled => 3,
        BackupInvalid | RestoreTargetNotEmpty => 3,
        BackupDiskFull => 5,
        WorkspaceNotFound | WorkspaceNotWritable | WorkspaceInUse | DatabaseLocked
        | DatabaseCorrupt | DatabaseTooNew => 4,
        IoError | Internal | RegistryUnreachable => 5,
    }
}

fn headline(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        InvalidInput => "Dữ liệu nhập không hợp lệ",
        ProfileMissing => "Chưa có hồ sơ người dùng (chạy `truyvet profile set`)",
        CaseNotFound => "Không tìm thấy vụ việc",
        DuplicateCaseCode => "Mã vụ việc đã tồn tại",
        FileNotFound => "Không tìm thấy tệp",
        NotAFile => "Đường dẫn không phải là tệp",
        FileUnreadable => "Không đọc được tệp",
        EmptyFile => "Tệp rỗng (0 byte)",
        CaptureFailed => "Không thu thập được trang",
        WorkspaceNotFound => "Không tìm thấy không gian làm việc TruyVết ở đây",
        WorkspaceNotWritable => "Không ghi được vào thư mục làm việc",
        WorkspaceInUse => "Thư mục làm việc đang được một cửa sổ TruyVết khác sử dụng",
        DatabaseLocked => "Cơ sở dữ liệu đang bị khóa bởi tiến trình khác",
        DatabaseCorrupt => "Cơ sở dữ liệu bị hỏng hoặc không phải tệp TruyVết",
        DatabaseTooNew => "Cơ sở dữ liệu được tạo bởi phiên bản TruyVết mới hơn",
        IoError => "Lỗi đọc/ghi",
        BadPassphrase => "Sai mật khẩu (khóa ký hoặc không gian làm việc)",
        KeyMissing => "Hồ sơ chưa có khóa ký (chạy `truyvet profile key`)",
        ForbiddenRole => "Vai trò của hồ sơ hiện tại không được phép thực hiện thao tác này",
        InvalidTransition => "Trạng thái hiện tại của vụ việc không cho phép thao tác này",
        CaseIncomplete => "Vụ việc chưa đủ thông tin bắt buộc để trình duyệt",
        CaseNotSealed => "Thao tác này chỉ dành cho vụ việc đã niêm phong",
        BundleInvalid => "Gói hồ sơ không hợp lệ nên không được nhập",
        CaseAlreadyExists => "Vụ việc trong gói hồ sơ đã có trong không gian làm việc",
        ProofInvalid => "Bằng chứng niêm phong không hợp lệ",
        RegistryNotConfigured => "Chưa cấu hình máy chủ đăng ký (chạy `truyvet registry set`)",
        RegistryUnreachable => "Không kết nối được máy chủ đăng ký",
        RegistryRefused => "Máy chủ đăng ký từ chối yêu cầu",
        RegistryReceiptInvalid => "Biên nhận của máy chủ đăng ký không hợp lệ",
        RegistryLogInconsistent => {
            "Nhật ký của máy chủ đăng ký không khớp với lịch sử đã ghi nhận (có thể đã bị sửa)"
        }
        InvalidSetting => "Giá trị cài đặt không hợp lệ",
        TipNotFound => "Không tìm thấy tin báo",
        WatchNotFound => "Không tìm thấy mục theo dõi hoặc lần kiểm tra",
        ImportInvalid => "Tệp nhập không đúng định dạng danh sách tin báo",
        AppLocked => "Ứng dụng đang khóa",
        WorkspaceLocked => {
            "Không gian làm việc được mã hóa; cần mật khẩu (TRUYVET_WORKSPACE_PASSPHRASE)"
        }
        WorkspaceKeyMissing => "Thiếu tệp khóa workspace.key của không gian làm việc được mã hóa",
        WorkspaceKeyTooNew => "Tệp khóa được tạo bởi phiên bản TruyVết mới hơn",
        UnlockThrottled => "Nhập sai mật khẩu quá nhiều lần; hãy chờ rồi thử lại",
        BackupInvalid => {
            "Bản sao lưu không hợp lệ (hỏng, bị sửa hoặc chưa hoàn tất) nên không được dùng"
        }
        BackupDiskFull => "Ổ đích đã đầy; bản sao lưu dở dang đã được xóa",
        RestoreTargetNotEmpty => "Thư mục khôi phục không trống (dùng --force để thay thế)",
        Internal => "Lỗi nội bộ",
    }
}

pub fn print_error(err: &Error, json: bool) {
    if json {
        let value = serde_json::json!({ "error": { "code": err.code, "message": err.message } });
        eprintln!("{value}");
    } else {
        eprintln!(
            "lỗi [{}]: {}. {}",
            err.code,
            headline(err.code),
            err.message
        );
    }
}

/// Usage errors keep clap's text (with its suggestions), except that a script that asked
/// for `--json` gets the same JSON error shape as every other failure.
pub fn usage_error(err: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    let wants_json = std::env::args().any(|a| a == "--json");
    let is_usage = !matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if wants_json && is_usage {
        let message = err.kind().as_str().unwrap_or("invalid usage").to_string();
        let detail = err.to_string();
        let value = serde_json::json!({
            "error": { "code": "usage", "message": format!("{message}: {}", detail.trim()) }
        });
        eprintln!("{value}");
        return std::process::ExitCode::from(2);
    }
    let _ = err.print();
    std::process::ExitCode::from(if is_usage { 2 } else { 0 })
}
