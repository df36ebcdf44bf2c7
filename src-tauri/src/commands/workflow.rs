//! Profiles and the review workflow: who is acting, the signed transitions, the review
//! queue, the review texts and the seal. The passphrase arrives as an argument, is
//! handed to the core and dropped; it is never stored or logged by the shell.

use serde::Serialize;
use tauri::State;
use truyvet_core::model::{Case, Profile, ProfileInput};
use truyvet_core::seal::Seal;
use truyvet_core::{CaseReview, Transition, Workspace};

use super::{CmdResult, blocking};
use crate::state::{AppState, lock};

/// A profile as the switcher shows it: its signing key fingerprint (none until a key
/// exists) and whether it is the one acting.
#[derive(Serialize)]
pub struct ProfileEntry {
    #[serde(flatten)]
    profile: Profile,
    fingerprint: Option<String>,
    current: bool,
}

fn entries(ws: &Workspace) -> truyvet_core::Result<Vec<ProfileEntry>> {
    let current = ws.current_profile()?.map(|p| p.name);
    ws.list_profiles()?
        .into_iter()
        .map(|profile| {
            let fingerprint = ws.profile_key(&profile.name)?.map(|k| k.fingerprint);
            let current = current.as_deref() == Some(profile.name.as_str());
            Ok(ProfileEntry {
                profile,
                fingerprint,
                current,
            })
        })
        .collect()
}

fn entry(ws: &Workspace, name: &str) -> truyvet_core::Result<ProfileEntry> {
    entries(ws)?
        .into_iter()
        .find(|e| e.profile.name == name)
        .ok_or_else(|| truyvet_core::Error::internal(format!("profile {name} vanished")))
}

#[tauri::command]
pub fn profile_list(state: State<'_, AppState>) -> CmdResult<Vec<ProfileEntry>> {
    Ok(state.with(|ws| entries(ws))?)
}

/// Adds a profile, makes it current and creates its signing key under `passphrase`
/// (argon2id runs off the IPC thread).
#[tauri::command]
pub async fn profile_add(
    state: State<'_, AppState>,
    profile: ProfileInput,
    name: Option<String>,
    passphrase: String,
) -> CmdResult<ProfileEntry> {
    let ws = state.workspace()?;
    blocking(move || {
        let mut ws = lock(&ws)?;
        let added = ws.add_profile(name.as_deref(), &profile)?;
        ws.create_profile_key(&passphrase)?;
        entry(&ws, &added.name)
    })
    .await
}

/// Creates the signing key of the current profile (one set up before keys existed).
#[tauri::command]
pub async fn profile_key_create(
    state: State<'_, AppState>,
    passphrase: String,
) -> CmdResult<ProfileEntry> {
    let ws = state.workspace()?;
    blocking(move || {
        let mut ws = lock(&ws)?;
        let key = ws.create_profile_key(&passphrase)?;
        entry(&ws, &key.profile)
    })
    .await
}

#[tauri::command]
pub fn profile_use(state: State<'_, AppState>, name: String) -> CmdResult<ProfileEntry> {
    Ok(state.with(|ws| {
        let profile = ws.use_profile(&name)?;
        entry(ws, &profile.name)
    })?)
}

/// Submit (also resubmit), return, approve or seal, signed by the current profile.
#[tauri::command]
pub async fn case_transition(
    state: State<'_, AppState>,
    code: String,
    action: Transition,
    comment: Option<String>,
    passphrase: String,
) -> CmdResult<Case> {
    let ws = state.workspace()?;
    blocking(move || lock(&ws)?.transition_case(&code, action, comment.as_deref(), &passphrase))
        .await
}

/// Submitted cases, oldest first.
#[tauri::command]
pub fn review_queue(state: State<'_, AppState>) -> CmdResult<Vec<Case>> {
    Ok(state.with(|ws| ws.review_queue())?)
}

/// The review texts of a case and its seal once sealed.
#[derive(Serialize)]
pub struct CaseReviewView {
    #[serde(flatten)]
    review: CaseReview,
    seal: Option<Seal>,
}

#[tauri::command]
pub fn case_review(state: State<'_, AppState>, code: String) -> CmdResult<CaseReviewView> {
    Ok(state.with(|ws| {
        Ok(CaseReviewView {
            review: ws.case_review(&code)?,
            seal: ws.case_seal(&code)?,
        })
    })?)
}

#[tauri::command]
pub fn case_review_edit(
    state: State<'_, AppState>,
    code: String,
    legal_basis: Option<String>,
    proposed_measures: Option<String>,
) -> CmdResult<CaseReview> {
    Ok(state.with(|ws| {
        ws.edit_case_review(&code, legal_basis.as_deref(), proposed_measures.as_deref())
    })?)
}
