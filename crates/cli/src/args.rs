//! Command-line grammar. Kept apart from the code that runs the commands so the whole
//! surface can be read in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "truyvet",
    version,
    about = "TruyVết: thu thập, lưu giữ và kiểm tra chứng cứ vụ việc (case evidence workbench)",
    after_help = "Exit codes: 0 ok, 1 verification found problems, 2 usage error, \
                  3 bad input (unknown case, unreadable file…), 4 workspace or database \
                  problem, 5 internal or I/O error, 6 some pages of a capture batch \
                  could not be captured (the others are stored)."
)]
pub struct Cli {
    /// Workspace folder (default: $TRUYVET_HOME, else ~/.local/share/truyvet).
    #[arg(long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Machine-readable JSON on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The user profile that signs the custody log.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Cases (vụ việc).
    #[command(subcommand)]
    Case(CaseCmd),
    /// File evidence (chứng cứ).
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// The workspace itself: create it (optionally encrypted), its encryption status,
    /// change its passphrase.
    #[command(subcommand)]
    Workspace(crate::workspace_cmd::WorkspaceCmd),
    /// Notes on a case.
    #[command(subcommand)]
    Note(NoteCmd),
    /// The supervisor's overview: open cases by status and age, review queue, waiting
    /// tips, cases from tips, changed watched items, sync outbox.
    Dashboard,
    /// Periodic reports (PDF or XLSX) over a period and scope.
    #[command(subcommand)]
    Report(crate::report_cmd::ReportCmd),
    /// Every occurrence of a phone, bank account, e-wallet, e-mail, domain… across the
    /// workspace's cases, whichever way it is written.
    Lookup {
        value: String,
        /// Ask the central registry live (other agencies' cases) instead of this workspace.
        #[arg(long)]
        registry: bool,
    },
    /// Entities of a case: suggestions, confirm, reject, merge, links, cross-case hits.
    #[command(subcommand)]
    Entity(crate::entity::EntityCmd),
    /// The exclusion list (hotlines, platform domains) kept out of cross-case hits.
    #[command(subcommand)]
    Exclusion(crate::exclusion::ExclusionCmd),
    /// A case's entities and links as GraphML or i2-compatible CSV (entities + links).
    Graph(crate::graph::GraphArgs),
    /// A sealed case as one WACZ bundle with its custody log, seal, keys, timestamp
    /// tokens, CASE/UCO JSON-LD and PDF report; prints the bundle's SHA-256 and size.
    Export(crate::export::ExportArgs),
    /// Check a case bundle without a workspace: file hashes, manifest, WARCs, custody
    /// chain, signatures, timestamp tokens. Exit 0 only when everything verifies.
    Verify(crate::verify::VerifyArgs),
    /// Check a seal proof on its own (and, with --file, that the file is the sealed
    /// item). Exit 0 only when it checks out.
    VerifyProof(crate::proof::VerifyProofArgs),
    /// Import another agency's sealed case bundle (verified first, completely) as a
    /// read-only case; prints where it comes from.
    Import(crate::import::ImportArgs),
    /// Print a case's custody log.
    Log {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
    },
    /// Re-hash every blob and re-check every custody chain.
    VerifyWorkspace,
    /// Capture web pages into a case: the raw HTTP exchanges of every redirect hop in a
    /// WARC, hashed, logged and queued for a trusted timestamp. With --json, one JSON
    /// line per page once it is durably stored.
    Capture(CaptureArgs),
    /// RFC 3161 trusted timestamps of captures.
    #[command(subcommand)]
    Timestamp(TimestampCmd),
    /// Workspace settings: capture.allow, tsa.url, tsa.trust.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// The central registry this workspace syncs with (URL, device token, log key).
    #[command(subcommand)]
    Registry(crate::registry::RegistryCmd),
    /// Push sealed cases to the central registry (receipts verified and logged) and pull
    /// its watchlist of other agencies' identifiers; `sync status` shows the outbox.
    Sync(crate::sync::SyncArgs),
    /// Full-text search in captured pages (diacritics ignored, đ read as d).
    Search {
        /// Words that must all appear, e.g. "dong ho gia".
        query: String,
        /// Only this case.
        #[arg(long = "case", value_name = "CODE")]
        case: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Identifiers in HTML, text and image files (phones, bank accounts, e-wallets,
    /// emails, URLs, domains, social profiles, marketplace shops and listings, tax codes,
    /// prices, VietQR). Needs no workspace. With --json, one JSON line per file.
    Extract {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Back the workspace up while it is in use: one tar file, or incremental snapshots
    /// in a folder; `backup list DIR`, `backup verify FROM`.
    Backup(crate::backup_cmd::BackupArgs),
    /// Restore a backup into a folder after verifying every member and the workspace.
    Restore(crate::backup_cmd::RestoreArgs),
    /// The watch list: sites, shops and identifiers re-checked on a schedule, with the
    /// text diff between checks, the cases they turn up in and a risk score.
    #[command(subcommand)]
    Watch(crate::watch::WatchCmd),
    /// Tips and complaints (tin báo, khiếu nại): add, list, show, triage, import from
    /// CSV/XLSX, assign, open a case, close with an outcome.
    #[command(subcommand)]
    Tip(crate::tip::TipCmd),
}

#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// Create or update the current profile.
    Set(ProfileSet),
    /// Show the current profile and its public key.
    Show,
    /// Add another profile (e.g. a supervisor on a shared laptop) and make it current.
    Add(crate::workflow::ProfileAdd),
    /// Make another profile of this workspace the current one.
    Use { name: String },
    /// List the profiles of this workspace.
    List,
    /// Create the current profile's signing key (passphrase from TRUYVET_PASSPHRASE or
    /// asked for).
    Key,
}

#[derive(Debug, Args)]
pub struct ProfileSet {
    #[arg(long)]
    pub display_name: String,
    /// Agency code: QLTT, CA, HQ, THUE, NHNN, KHCN…
    #[arg(long)]
    pub agency: String,
    #[arg(long, default_value = "")]
    pub unit: String,
    /// Province code used in case codes, e.g. HN.
    #[arg(long, default_value = "")]
    pub province: String,
    /// investigator or supervisor.
    #[arg(long, default_value = "investigator")]
    pub role: String,
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a new case.
    New(CaseNew),
    /// List cases, newest change first.
    List {
        /// Words to find in code, title, product group or unit (diacritics ignored).
        #[arg(long, short)]
        query: Option<String>,
        #[arg(long)]
        status: Option<String>,
    },
    /// Show a case with its evidence and notes.
    Show { code: String },
    /// Change case fields; each change is logged.
    Edit(CaseEditArgs),
    /// Submit (or resubmit) a case for review, as the current investigator.
    Submit(crate::workflow::TransitionArgs),
    /// Return a submitted case to the investigator with a comment (supervisor).
    Return(crate::workflow::TransitionArgs),
    /// Approve a submitted case (supervisor).
    Approve(crate::workflow::TransitionArgs),
    /// Seal an approved case (supervisor).
    Seal(crate::workflow::TransitionArgs),
    /// Refer a sealed or approved case to another agency under its reference number
    /// (supervisor).
    Refer(crate::refer_cmd::ReferArgs),
    /// Submitted cases waiting for review.
    Queue,
    /// Add a signed correction to a sealed case (the seal itself never changes).
    Addendum(crate::workflow::AddendumArgs),
    /// Write the proof that one evidence item is part of a sealed case (its Merkle
    /// path, the signed seal and the signer's public key).
    Prove(crate::proof::ProveArgs),
}

#[derive(Debug, Args)]
pub struct CaseNew {
    #[arg(long)]
    pub title: String,
    /// Violation category (repeatable), e.g. counterfeit_goods.
    #[arg(long = "category", value_name = "CATEGORY")]
    pub categories: Vec<String>,
    #[arg(long, default_value = "")]
    pub product_group: String,
    /// tip, complaint, patrol or referral.
    #[arg(long, default_value = "patrol")]
    pub origin: String,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub province: Option<String>,
    /// Use this code instead of generating one.
    #[arg(long)]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct CaseEditArgs {
    pub code: String,
    #[arg(long)]
    pub title: Option<String>,
    /// Replace the categories with these (repeatable).
    #[arg(long = "category", value_name = "CATEGORY")]
    pub categories: Vec<String>,
    /// Remove every category.
    #[arg(long, conflicts_with = "categories")]
    pub clear_categories: bool,
    #[arg(long)]
    pub product_group: Option<String>,
    #[arg(long)]
    pub origin: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub province: Option<String>,
    /// The legal basis of the proposed handling (required before submission).
    #[arg(long)]
    pub legal_basis: Option<String>,
    /// The proposed measures (required before submission).
    #[arg(long)]
    pub measures: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Hash and store files as evidence of a case. With --json, one JSON line per file
    /// as soon as it is durably stored.
    Add {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long = "case", value_name = "CODE")]
        case: String,
        #[arg(long)]
        note: Option<String>,
        /// Accept 0-byte files.
        #[arg(long)]
        allow_empty: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoteCmd {
    /// Add a note to a case.
    Add {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
        text: String,
    },
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    #[arg(long = "case", value_name = "CODE")]
    pub case: String,
    /// Let a host, IP or CIDR through the network policy (internal servers; private
    /// and loopback addresses are refused otherwise).
    #[arg(long = "allow", value_name = "HOST|IP|CIDR")]
    pub allow: Vec<String>,
    /// Capture with Chromium: a full-page screenshot, MHTML, the rendered DOM and every
    /// network response of the page load (needs Debian's `chromium`).
    #[arg(long)]
    pub browser: bool,
    /// Capture even when the server's certificate does not verify (marked as such).
    #[arg(long)]
    pub insecure: bool,
    /// Largest response body to keep, in MiB; a larger one is kept partial and marked
    /// (default: the `capture.max_response_mib` setting, else 100).
    #[arg(long)]
    pub max_size_mib: Option<u64>,
    /// Time limit for one page, in seconds (default: `capture.timeout_secs`, else 120).
    #[arg(long)]
    pub timeout: Option<u64>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print a setting (all settings when no key is given).
    Get { key: Option<String> },
    /// Change a setting; an empty value removes it.
    Set { key: String, value: String },
    /// Every setting with its value and what it means.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TimestampCmd {
    /// Ask the configured authority (tsa.url, tsa.trust) to stamp every queued capture
    /// that is due; what cannot be stamped now stays queued.
    Run {
        /// Retry now even where the back-off says to wait.
        #[arg(long)]
        now: bool,
    },
    /// The timestamp state of each capture of a case.
    Status {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
    },
}
