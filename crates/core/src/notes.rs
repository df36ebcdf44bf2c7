//! Investigator notes on a case: immutable once written, each one a custody event.

use rusqlite::params;
use serde_json::json;

use crate::cases::ensure_editable;
use crate::custody::{self, kind};
use crate::error::{Error, Result};
use crate::model::Note;
use crate::time_fmt;
use crate::workspace::Workspace;

const MAX_NOTE_CHARS: usize = 20_000;

impl Workspace {
    pub fn add_note(&mut self, code: &str, text: &str) -> Result<Note> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        ensure_editable(&case)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid("the note is empty"));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::invalid(format!(
                "a note holds at most {MAX_NOTE_CHARS} characters"
            )));
        }
        let note = Note {
            id: uuid::Uuid::now_v7().to_string(),
            case_id: case.id,
            text: text.to_string(),
            author: profile.display_name,
            created_at: time_fmt::now_utc(),
        };
        self.write(|conn| {
            conn.execute(
                "INSERT INTO notes (id, case_id, text, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![note.id, note.case_id, note.text, note.author, note.created_at],
            )?;
            custody::append(
                conn,
                &note.case_id,
                &note.author,
                kind::NOTE_ADDED,
                &json!({ "note_id": note.id, "text": note.text }),
            )?;
            Workspace::touch(conn, &note.case_id)
        })?;
        Ok(note)
    }

    pub fn notes_of(&self, case_id: &str) -> Result<Vec<Note>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, case_id, text, author, created_at FROM notes
             WHERE case_id = ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([case_id], |r| {
            Ok(Note {
                id: r.get(0)?,
                case_id: r.get(1)?,
                text: r.get(2)?,
                author: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
