//! What the desktop app's lock screen checks for a workspace that is not encrypted: the
//! current profile's signing-key passphrase, the one secret such a workspace has.

use crate::error::Result;
use crate::workspace::Workspace;

impl Workspace {
    /// Whether the current profile has a signing key to unlock the app with.
    pub fn has_profile_key(&self) -> Result<bool> {
        match self.current_profile()? {
            Some(p) => Ok(self.profile_key(&p.name)?.is_some()),
            None => Ok(false),
        }
    }

    /// Checks `passphrase` against the current profile's signing key: `bad_passphrase`
    /// when it does not open it, `key_missing` when there is no key.
    pub fn check_profile_passphrase(&self, passphrase: &str) -> Result<()> {
        let profile = self.require_profile()?;
        self.unlock_key(&profile.name, passphrase).map(|_| ())
    }
}
