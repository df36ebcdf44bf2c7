//! `truyvet entity`: the entities of a case (subjects, listings, payment accounts,
//! identifiers, websites), their review (confirm, reject, merge), the links between them
//! and the identifiers they share with other cases.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Map, Value};
use truyvet_core::{
    Entity, EntityKind, EntityState, Error, IdKind, IdentifierHit, LinkKind, NewEntity, NewLink,
    OpenMode, Result, Workspace,
};

use crate::run::emit;

#[derive(Debug, Subcommand)]
pub enum EntityCmd {
    /// List a case's entities (suggestions included).
    List {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
        /// Only this state: suggested, confirmed, rejected or merged.
        #[arg(long)]
        state: Option<String>,
    },
    /// Identifiers of the case also found in other cases ("seen in case X").
    Hits {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
    },
    /// The links of a case with the evidence behind each.
    Links {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
    },
    /// Create a subject (person or business), listing or website by hand.
    Add {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
        /// subject, listing or website.
        #[arg(long)]
        kind: String,
        /// Name of the subject, title of the listing, name of the website.
        #[arg(long)]
        name: String,
        /// Another name the subject goes by (repeatable).
        #[arg(long = "alias", value_name = "NAME")]
        aliases: Vec<String>,
        /// An attribute, e.g. subject_type=business, platform=shopee, price=150000
        /// (repeatable).
        #[arg(long = "attr", value_name = "KEY=VALUE")]
        attrs: Vec<String>,
    },
    /// Record an identifier seen in an evidence item as a suggestion.
    Suggest {
        #[arg(long = "case", value_name = "CODE")]
        case: String,
        #[arg(long, value_name = "EVIDENCE_ID")]
        evidence: String,
        /// phone, bank_account, ewallet, email, domain, social_profile,
        /// marketplace_shop, marketplace_listing, tax_code or vietqr.
        #[arg(long = "type", value_name = "TYPE")]
        id_type: String,
        /// The identifier as written ("0912 345 678").
        #[arg(long)]
        value: String,
        /// Bank of an account or provider of an e-wallet.
        #[arg(long, visible_alias = "provider", default_value = "")]
        bank: String,
        /// Where in the evidence item (offset, page, image region).
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value = "")]
        snippet: String,
    },
    /// Accept a suggestion.
    Confirm { id: String },
    /// Set a suggestion or entity aside for good.
    Reject {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Merge an entity into another of the same case and kind (its names become aliases).
    Merge {
        id: String,
        #[arg(long, value_name = "ID")]
        into: String,
    },
    /// Link two entities, backed by evidence (repeat --evidence for several items).
    Link {
        /// offers, operates, lists, uses, receives, shows or related.
        #[arg(long)]
        kind: String,
        #[arg(long, value_name = "ID")]
        from: String,
        #[arg(long, value_name = "ID")]
        to: String,
        #[arg(long = "evidence", value_name = "EVIDENCE_ID", required = true)]
        evidence: Vec<String>,
    },
}

pub fn open_mode(cmd: &EntityCmd) -> OpenMode {
    match cmd {
        EntityCmd::List { .. } | EntityCmd::Hits { .. } | EntityCmd::Links { .. } => {
            OpenMode::ReadOnly
        }
        _ => OpenMode::Existing,
    }
}

pub fn run(ws: &mut Workspace, cmd: EntityCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        EntityCmd::List { case, state } => {
            let state = state.as_deref().map(EntityState::parse).transpose()?;
            let entities: Vec<Entity> = ws
                .case_entities(&case)?
                .into_iter()
                .filter(|e| state.is_none_or(|s| e.state == s))
                .collect();
            emit(json, &entities, || {
                if entities.is_empty() {
                    return "(không có thực thể nào)".to_string();
                }
                entities.iter().map(describe).collect::<Vec<_>>().join("\n")
            })
        }
        EntityCmd::Hits { case } => {
            let hits = ws.cross_case_hits(&case)?;
            // Other agencies' cases (the registry's watchlist): human output only, so the
            // JSON array keeps its shape; the app reads them with `agency_hits`.
            let agencies = ws.agency_hits(&case)?;
            emit(json, &hits, || {
                if hits.is_empty() && agencies.is_empty() {
                    return "(không trùng với vụ việc nào khác)".to_string();
                }
                let seen_elsewhere = agencies.iter().map(|h| {
                    format!(
                        "{} {}{}  cơ quan khác đã gặp: {} {} ({})",
                        h.id_kind,
                        h.value,
                        qualifier(&h.qualifier),
                        h.seen_by.agency,
                        h.seen_by.case_code,
                        h.seen_by.case_date
                    )
                });
                hits.iter()
                    .map(|h| {
                        format!(
                            "{} {}{}  đã thấy ở vụ việc {} ({}, {})  — {} chứng cứ",
                            h.id_kind,
                            h.value,
                            qualifier(&h.qualifier),
                            h.other_case_code,
                            h.other_seen_at,
                            h.other_case_status,
                            h.other_evidence_count
                        )
                    })
                    .chain(seen_elsewhere)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        EntityCmd::Links { case } => {
            let links = ws.case_links(&case)?;
            emit(json, &links, || {
                if links.is_empty() {
                    return "(chưa có liên kết nào)".to_string();
                }
                links
                    .iter()
                    .map(|l| {
                        format!(
                            "{}  {} —{}→ {}  chứng cứ: {}",
                            l.id,
                            l.from_id,
                            l.kind,
                            l.to_id,
                            l.evidence_ids.join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        EntityCmd::Add {
            case,
            kind,
            name,
            aliases,
            attrs,
        } => {
            let entity = ws.create_entity(
                &case,
                &NewEntity {
                    kind: Some(EntityKind::parse(kind.trim())?),
                    label: name,
                    aliases,
                    attrs: parse_attrs(&attrs)?,
                },
            )?;
            emit(json, &entity, || format!("đã tạo {}", describe(&entity)))
        }
        EntityCmd::Suggest {
            case,
            evidence,
            id_type,
            value,
            bank,
            location,
            snippet,
        } => {
            let hit = IdentifierHit {
                kind: Some(IdKind::parse(id_type.trim())?),
                raw: value,
                normalized: None,
                qualifier: bank,
                location,
                snippet,
            };
            let outcome = ws.suggest_identifiers(&case, &evidence, &[hit])?;
            emit(json, &outcome, || {
                if outcome.excluded > 0 {
                    return "giá trị nằm trong danh sách loại trừ, không gợi ý".to_string();
                }
                let mut out = outcome
                    .entities
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n");
                if outcome.occurrences_added == 0 {
                    out.push_str("\n(đã ghi nhận trước đó, không thay đổi)");
                }
                out
            })
        }
        EntityCmd::Confirm { id } => {
            let entity = ws.confirm_entity(&id)?;
            emit(json, &entity, || {
                format!("đã xác nhận {}", describe(&entity))
            })
        }
        EntityCmd::Reject { id, reason } => {
            let entity = ws.reject_entity(&id, &reason)?;
            emit(json, &entity, || format!("đã loại {}", describe(&entity)))
        }
        EntityCmd::Merge { id, into } => {
            let entity = ws.merge_entities(&id, &into)?;
            emit(json, &entity, || {
                format!("đã gộp vào {}", describe(&entity))
            })
        }
        EntityCmd::Link {
            kind,
            from,
            to,
            evidence,
        } => {
            let link = ws.add_link(&NewLink {
                kind: Some(LinkKind::parse(kind.trim())?),
                from_id: from,
                to_id: to,
                evidence_ids: evidence,
            })?;
            emit(json, &link, || {
                format!(
                    "đã liên kết {} —{}→ {} ({} chứng cứ)",
                    link.from_id,
                    link.kind,
                    link.to_id,
                    link.evidence_ids.len()
                )
            })
        }
    }
}

/// `KEY=VALUE` pairs; price and units sold are numbers when they read as one.
fn parse_attrs(pairs: &[String]) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("attribute '{pair}' is not KEY=VALUE")))?;
        let key = key.trim().to_string();
        let value = value.trim();
        let parsed = match key.as_str() {
            "price" | "units_sold" => value
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(value)),
            _ => Value::from(value),
        };
        out.insert(key, parsed);
    }
    Ok(out)
}

fn qualifier(q: &str) -> String {
    if q.is_empty() {
        String::new()
    } else {
        format!(" ({q})")
    }
}

fn describe(e: &Entity) -> String {
    let mut out = format!(
        "{}  {:<9}  {:<15}  {}",
        e.id,
        e.state.as_str(),
        e.kind.as_str(),
        e.label
    );
    if let Some(kind) = e.id_kind {
        out.push_str(&format!("  [{kind}]"));
    }
    if e.occurrences > 0 {
        out.push_str(&format!("  {} lần xuất hiện", e.occurrences));
    }
    if !e.aliases.is_empty() {
        out.push_str(&format!("  bí danh: {}", e.aliases.join("; ")));
    }
    if let Some(into) = &e.merged_into {
        out.push_str(&format!("  → đã gộp vào {into}"));
    }
    out
}
