//! `truyvet-registry`: `serve`, and the administrative commands on the data folder.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use truyvet_registry::server::{AppState, Limits, ListenConfig};
use truyvet_registry::{Code, Error, Result, admin, log_key, server, sweep};

#[derive(Debug, Parser)]
#[command(name = "truyvet-registry", version, about = "TruyVết central registry")]
struct Cli {
    /// The registry's data folder (database, log key, uploads, bundles).
    #[arg(long, global = true, env = "TRUYVET_REGISTRY_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Database instead of DIR/registry.db: postgres://… or sqlite:PATH.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Agencies (QLTT, CA, HQ…).
    #[command(subcommand)]
    Agency(AgencyCmd),
    /// Units of an agency, with the contact shown on lookup hits.
    #[command(subcommand)]
    Unit(UnitCmd),
    /// Device tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Print the log's public key (made at first use).
    Key,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; plain HTTP only on loopback.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    tls_cert: Option<PathBuf>,
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    tls_key: Option<PathBuf>,
    /// Largest bundle accepted, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_bundle: Option<u64>,
    /// Largest chunk body accepted, in bytes.
    #[arg(long, value_name = "BYTES")]
    chunk_max: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum AgencyCmd {
    Add {
        code: String,
        #[arg(long)]
        name: String,
    },
    List,
}

#[derive(Debug, Subcommand)]
enum UnitCmd {
    Add {
        #[arg(long)]
        agency: String,
        code: String,
        #[arg(long)]
        name: String,
        /// Phone or e-mail other agencies use about this unit's cases.
        #[arg(long, default_value = "")]
        contact: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCmd {
    /// Issue a token; its secret is printed this once.
    Issue {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        unit: String,
        /// investigator, supervisor or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
    },
    Revoke {
        id: String,
    },
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", serde_json::to_string(&e.body()).unwrap_or_default());
            } else {
                eprintln!("truyvet-registry: {}", e.message);
                eprintln!("{}", serde_json::to_string(&e.body()).unwrap_or_default());
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

fn exit_code(e: &Error) -> u8 {
    match e.code {
        Code::Database => 4,
        Code::Internal | Code::Unavailable | Code::InsufficientStorage => 5,
        _ => 3,
    }
}

fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) {
    if json {
        println!("{}", serde_json::to_string(value).unwrap_or_default());
    } else {
        println!("{}", human(value));
    }
}

fn run(cli: Cli) -> Result<()> {
    let data = cli
        .data
        .clone()
        .ok_or_else(|| Error::invalid("give the data folder with --data DIR"))?;
    let (dir, store) = admin::open(&data, cli.database.as_deref())?;
    let json = cli.json;
    match cli.command {
        Command::Serve(args) => {
            let key = log_key::load_or_create(&dir.key_file())?;
            let swept = sweep::sweep(&dir, store.as_ref())?;
            if swept != sweep::Swept::default() {
                eprintln!("startup sweep: {swept:?}");
            }
            let mut limits = Limits::default();
            if let Some(n) = args.max_bundle {
                limits.max_bundle = n;
            }
            if let Some(n) = args.chunk_max {
                limits.chunk_max = n;
            }
            let state = Arc::new(AppState::new(store, dir, key, limits));
            let listen = ListenConfig {
                addr: args.listen,
                tls: args.tls_cert.zip(args.tls_key),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::io("cannot start the runtime", &e))?;
            runtime.block_on(server::serve(state, listen))
        }
        Command::Agency(AgencyCmd::Add { code, name }) => {
            let agency = admin::agency_add(store.as_ref(), &code, &name)?;
            print(json, &agency, |a| format!("agency {} — {}", a.code, a.name));
            Ok(())
        }
        Command::Agency(AgencyCmd::List) => {
            let agencies = store.agencies()?;
            print(json, &agencies, |list| {
                list.iter()
                    .map(|a| format!("{}\t{}", a.code, a.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        Command::Unit(UnitCmd::Add {
            agency,
            code,
            name,
            contact,
        }) => {
            let unit = admin::unit_add(store.as_ref(), &agency, &code, &name, &contact)?;
            print(json, &unit, |u| {
                format!("unit {}/{} — {}", u.agency, u.code, u.name)
            });
            Ok(())
        }
        Command::Token(TokenCmd::Issue {
            agency,
            unit,
            role,
            name,
        }) => {
            let issued =
                admin::token_issue(store.as_ref(), &agency, &unit, &role, name.as_deref())?;
            print(json, &issued, |t| {
                format!(
                    "token {} ({} {}/{})\n{}\nThis secret is shown once; the registry keeps only its hash.",
                    t.token.id,
                    t.token.role.as_str(),
                    t.token.agency,
                    t.token.unit,
                    t.secret
                )
            });
            Ok(())
        }
        Command::Token(TokenCmd::Revoke { id }) => {
            let token = admin::token_revoke(store.as_ref(), &id)?;
            print(json, &token, |t| format!("token {} revoked", t.id));
            Ok(())
        }
        Command::Token(TokenCmd::List) => {
            let tokens = store.tokens()?;
            print(json, &tokens, |list| {
                list.iter()
                    .map(|t| {
                        format!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            t.id,
                            t.agency,
                            t.unit,
                            t.role.as_str(),
                            t.name,
                            t.revoked_at.as_deref().unwrap_or("active")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        Command::Key => {
            let key = admin::log_key(&dir)?;
            print(json, &key, |k| {
                format!("{}\nfingerprint {}", k.public_key, k.fingerprint)
            });
            Ok(())
        }
    }
}
