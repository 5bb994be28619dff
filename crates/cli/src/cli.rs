//! The command line: every subcommand and option of `jixiao`, declared with clap's derive API.
//! No behaviour here; `main` dispatches each variant to its module.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// jixiao：预算绩效目标全年跟踪、双监控与年终自评 (budget performance tracking).
#[derive(Debug, Parser)]
#[command(name = "jixiao", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (TOML); also `JIXIAO_CONFIG`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database path; overrides the file and `JIXIAO_DATABASE_PATH`.
    #[arg(long, global = true, value_name = "FILE")]
    pub database: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动服务 (start the HTTP service).
    Serve(ServeArgs),
    /// 导入预算、账目或生成模板 (import a budget or a ledger; write templates).
    #[command(subcommand)]
    Import(ImportCommand),
    /// 导出自评表或监控表 (export the self-evaluation or the monitoring table).
    Export(ExportArgs),
    /// 复核外来的项目支出绩效自评表 (re-check published self-evaluation tables: XLSX, CSV,
    /// JSON files or folders; no database needed).
    Recheck(RecheckArgs),
    /// 事件日志导出/导入 (export or import the event log as JSONL).
    #[command(subcommand)]
    Events(EventsCommand),
    /// 校验哈希链与数据库完整性 (verify the hash chain and the database).
    Verify,
    /// 从事件日志重建读模型 (rebuild the read models from the log).
    Rebuild,
    /// 在线备份数据库 (online backup, consistent while the service runs).
    Backup {
        /// Destination file (must not exist).
        file: PathBuf,
    },
    /// 从备份恢复（先校验） (restore a backup after verifying it).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace an existing database (it is kept as `<db>.before-restore`).
        #[arg(long)]
        force: bool,
    },
    /// 用户管理 (manage users).
    #[command(subcommand)]
    Users(UsersCommand),
    /// 执行数据库迁移 (apply database migrations and exit).
    Migrate,
    /// 批量导入：把 NDJSON 命令文件分批发送给运行中的服务 (load many units' commands through
    /// the running server's bulk route; token in JIXIAO_TOKEN).
    BulkLoad(BulkLoadArgs),
    /// 健康检查：请求本机服务的 /healthz (probe the local service; for container HEALTHCHECK).
    Healthcheck {
        /// Address to probe (default: the configured bind address; 0.0.0.0 means 127.0.0.1).
        #[arg(long, value_name = "ADDR")]
        addr: Option<String>,
    },
}

/// Options of `bulk-load`.
#[derive(Debug, Args)]
pub struct BulkLoadArgs {
    /// The NDJSON file: one `{"unit", "event_id", "command", "data"}` a line.
    pub file: PathBuf,
    /// The running server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Fiscal year of every command.
    #[arg(long)]
    pub year: i32,
    /// Lines per request (at most 50,000).
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Demo: a fresh database with the 焦作 2024 budget, a generated year of events up to
    /// today's month (in 2024), and one user per role.
    #[arg(long)]
    pub demo: bool,
    /// Listen address; overrides the settings (e.g. 127.0.0.1:0 for a free port).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Demo database path (default `./jixiao-demo.db`, reset at each start).
    #[arg(long, value_name = "FILE", requires = "demo")]
    pub demo_database: Option<PathBuf>,
    /// Demo "today" (default: today's month and day in 2024).
    #[arg(long, value_name = "DATE", requires = "demo")]
    pub demo_today: Option<NaiveDate>,
}

/// `import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入年初预算与绩效目标 (TOML/JSON fixture, or XLSX from the template).
    Budget {
        /// The file (.toml, .json or .xlsx).
        file: PathBuf,
    },
    /// 导入账目（支出） (XLSX or CSV ledger; all rows or none).
    Ledger(LedgerArgs),
    /// 生成空白模板 (write an empty XLSX template).
    Template {
        /// Which template.
        #[arg(value_enum)]
        kind: TemplateKind,
        /// Destination .xlsx file.
        file: PathBuf,
        /// Fill the budget template with the 焦作 2024 example.
        #[arg(long)]
        example: bool,
    },
}

/// Options of `import ledger`.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// The ledger (.xlsx or .csv).
    pub file: PathBuf,
    /// 单位代码 (needed only when the database holds several units).
    #[arg(long)]
    pub unit: Option<String>,
    /// Fiscal year (needed only when the database holds several years).
    #[arg(long)]
    pub year: Option<i32>,
    /// Sheet name for XLSX (default: the first sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Validate and report only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Templates `import template` can write.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TemplateKind {
    /// 年初预算 lines and projects.
    Budget,
    /// Ledger columns.
    Ledger,
}

/// Reports `export` can produce.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportKind {
    /// 项目支出/部门整体 绩效自评表 (部门整体 and every project).
    Selfeval,
    /// 绩效监控情况表.
    Monitoring,
    /// 项目支出绩效自评表 (every project, or `--project`).
    ProjectSelfeval,
    /// 部门（单位）整体支出绩效自评表.
    UnitSelfeval,
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// JSON (one document).
    Json,
    /// CSV (UTF-8 with BOM, opens in Excel): the form's rows.
    Csv,
    /// XLSX workbook: the official form, one sheet per form page.
    Xlsx,
    /// Printable HTML: the official form, one page per form page.
    Html,
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which report.
    #[arg(value_enum)]
    pub kind: ReportKind,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Business date of the report (default: today, capped at the fiscal year's end).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// 单位代码 (needed only when the database holds several units).
    #[arg(long)]
    pub unit: Option<String>,
    /// Fiscal year (needed only when the database holds several years).
    #[arg(long)]
    pub year: Option<i32>,
    /// Scoring profile (mof-2020, henan-2024).
    #[arg(long, default_value = jixiao_domain::profile::ScoringProfile::DEFAULT_ID)]
    pub profile: String,
    /// What the log held: a log position or an RFC 3339 time (default: now); the form prints
    /// the head it resolved to, so the same value gives the same file.
    #[arg(long, value_name = "POSITION|TIME")]
    pub known_at: Option<String>,
    /// Only this project (project forms and monitoring).
    #[arg(long, value_name = "CODE")]
    pub project: Option<String>,
    /// Output file (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Output of `recheck`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecheckFormat {
    /// A table per published table, on the terminal.
    Table,
    /// JSON (the API's body).
    Json,
    /// CSV for the clerk (UTF-8 with BOM).
    Csv,
    /// XLSX for the clerk, differing cells highlighted (needs --output).
    Xlsx,
}

/// Options of `recheck`.
#[derive(Debug, Args)]
pub struct RecheckArgs {
    /// Files (XLSX, XLS, ODS, CSV, JSON) or folders of them.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RecheckFormat::Table)]
    pub format: RecheckFormat,
    /// Output file (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Scoring profile: a built-in id (mof-2020, henan-2024) or a TOML file.
    #[arg(long, default_value = jixiao_domain::profile::ScoringProfile::DEFAULT_ID)]
    pub profile: String,
    /// Rounding of rule scores: cents (0.01, the rule), tenths or integer; overrides the
    /// profile's `score_rounding`.
    #[arg(long, value_name = "cents|tenths|integer")]
    pub rounding: Option<String>,
}

/// `events …`.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// 导出全部事件为 JSONL（含位置与哈希） (export every event with positions and hashes).
    Export {
        /// Destination file (`-` for standard output).
        file: PathBuf,
    },
    /// 导入 JSONL 到空数据库并校验 (import into an empty database and verify the head hash).
    Import {
        /// The JSONL file.
        file: PathBuf,
    },
}

/// `users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// 新增用户 (add a user; the password is read from JIXIAO_PASSWORD or standard input).
    Add {
        /// User name.
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// 单位代码 (required for staff and unit_head).
        #[arg(long)]
        unit: Option<String>,
    },
    /// 修改密码 (set a password, read from JIXIAO_PASSWORD or standard input).
    Passwd {
        /// User name.
        name: String,
    },
    /// 修改角色 (change role and unit scope).
    Role {
        /// User name.
        name: String,
        /// New role.
        #[arg(value_enum)]
        role: RoleArg,
        /// 单位代码 (required for staff and unit_head).
        #[arg(long)]
        unit: Option<String>,
    },
    /// 列出用户 (list users).
    List,
}

/// Roles on the command line.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RoleArg {
    /// 经办人员.
    Staff,
    /// 单位负责人.
    UnitHead,
    /// 财政局.
    Finance,
    /// 审计.
    Auditor,
    /// 系统管理员.
    Admin,
}

impl From<RoleArg> for jixiao_store::users::Role {
    fn from(r: RoleArg) -> Self {
        use jixiao_store::users::Role;
        match r {
            RoleArg::Staff => Role::Staff,
            RoleArg::UnitHead => Role::UnitHead,
            RoleArg::Finance => Role::Finance,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
