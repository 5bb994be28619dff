//! The `jixiao` binary: operators' entry point (serve, import, export, events, verify, rebuild,
//! backup/restore, users, migrate). Thin: parses the command line, loads the settings, sets up
//! logging and dispatches to one module per command; maps failures to documented exit codes.

mod admin;
mod bulk;
mod cli;
mod config;
mod dblock;
mod demo;
mod events;
mod exit;
mod export;
mod import;
mod progress;
mod recheck;
mod serve;
mod unreadable;
mod users;

use clap::Parser;
use cli::{Cli, Command, EventsCommand, ImportCommand};
use config::{LogFormat, Settings};
use exit::CliResult;
use std::process::ExitCode;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = matches!(settings.log_format, LogFormat::Json);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour only on a terminal: journald, files and log shippers get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A request actix cannot parse is a WARN, not an ERROR (see `unreadable`).
    let unreadable = unreadable::UnreadableRequests { json };
    // A second initialisation (never expected) is harmless: keep the first subscriber.
    let _ = if json {
        builder.json().finish().with(unreadable).try_init()
    } else {
        builder.finish().with(unreadable).try_init()
    };
}

fn run(cli: Cli) -> CliResult {
    let mut settings = Settings::load(cli.config.as_deref(), &config::process_env)?;
    if let Some(db) = cli.database {
        settings.database_path = db;
    }
    init_logging(&settings);
    let db = settings.database_path.clone();
    let settings_for_serve = settings.clone();
    match cli.command {
        Command::Serve(args) => serve::run(settings_for_serve, args),
        Command::Import(ImportCommand::Budget { file }) => import::budget(&db, &file),
        Command::Import(ImportCommand::Ledger(args)) => import::ledger(&db, &args),
        Command::Import(ImportCommand::Template {
            kind,
            file,
            example,
        }) => import::template(kind, &file, example),
        Command::Export(args) => export::run(&db, &args),
        Command::Recheck(args) => recheck::run(&args),
        Command::Events(EventsCommand::Export { file }) => events::export(&db, &file),
        Command::Events(EventsCommand::Import { file }) => events::import(&db, &file),
        Command::Verify => admin::verify(&db),
        Command::Rebuild => admin::rebuild(&db),
        Command::Backup { file } => admin::backup(&db, &file),
        Command::Restore { file, force } => admin::restore(&db, &file, force),
        Command::Users(command) => users::run(&db, command),
        Command::Migrate => admin::migrate(&db),
        Command::BulkLoad(args) => bulk::run(&args),
        Command::Healthcheck { addr } => {
            serve::healthcheck(addr.as_deref().unwrap_or(&settings.bind))
        }
    }
}

/// True when the command's result goes to standard output (a report or the log to `-`).
fn writes_to_stdout(command: &Command) -> bool {
    match command {
        Command::Export(args) => args.output.is_none(),
        Command::Recheck(args) => args.output.is_none(),
        Command::Events(EventsCommand::Export { file }) => file.as_os_str() == "-",
        _ => false,
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let to_stdout = writes_to_stdout(&cli.command);
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        // The reader stopped early (`… | head`): its choice, not our failure. Only for output
        // to stdout, so a broken socket (healthcheck) or file still fails.
        Err(failure) if to_stdout && is_broken_pipe(&failure.error) => ExitCode::from(exit::OK),
        Err(failure) => {
            eprintln!("错误 (error): {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}
