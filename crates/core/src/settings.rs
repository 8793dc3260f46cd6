//! The owner's settings for the desktop app: how soon it locks itself when left alone, and the
//! port the brand API listens on. Kept sealed in the vault like every other setting.

use serde::{Deserialize, Serialize};

use crate::catalog::ValueError;
use crate::{Error, Result, Vault};

const SETTING: &str = "owner_settings";

/// The port the brand API uses unless the owner chose another (`butler serve` and the app).
pub const DEFAULT_API_PORT: u16 = 7373;

/// What the owner chose; defaults until they choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSettings {
    /// Minutes without the owner's activity before the app locks the vault.
    pub auto_lock_minutes: u32,
    /// The loopback port the brand API listens on while the vault is unlocked.
    pub api_port: u16,
}

impl OwnerSettings {
    pub const MAX_AUTO_LOCK_MINUTES: u32 = 24 * 60;
    /// Ports below this need privileges on most systems.
    pub const MIN_PORT: u16 = 1024;

    pub fn validate(&self) -> Result<(), ValueError> {
        if !(1..=Self::MAX_AUTO_LOCK_MINUTES).contains(&self.auto_lock_minutes) {
            return Err(ValueError {
                field: "auto_lock_minutes",
                reason: format!("lock after 1 to {} minutes", Self::MAX_AUTO_LOCK_MINUTES),
            });
        }
        if self.api_port < Self::MIN_PORT {
            return Err(ValueError {
                field: "api_port",
                reason: format!("the port must be from {} to 65535", Self::MIN_PORT),
            });
        }
        Ok(())
    }
}

impl Default for OwnerSettings {
    fn default() -> Self {
        Self { auto_lock_minutes: 10, api_port: DEFAULT_API_PORT }
    }
}

impl Vault {
    pub fn owner_settings(&self) -> Result<OwnerSettings> {
        Ok(self.setting(SETTING)?.unwrap_or_default())
    }

    pub fn set_owner_settings(&self, settings: OwnerSettings) -> Result<()> {
        settings.validate().map_err(Error::Invalid)?;
        self.set_setting(SETTING, &settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::vault;

    #[test]
    fn defaults_until_set_then_kept_and_checked() {
        let (_dir, vault) = vault();
        assert_eq!(vault.owner_settings().unwrap(), OwnerSettings::default());
        let chosen = OwnerSettings { auto_lock_minutes: 3, api_port: 8123 };
        vault.set_owner_settings(chosen).unwrap();
        assert_eq!(vault.owner_settings().unwrap(), chosen);
        for bad in [
            OwnerSettings { auto_lock_minutes: 0, ..chosen },
            OwnerSettings { auto_lock_minutes: 24 * 60 + 1, ..chosen },
            OwnerSettings { api_port: 80, ..chosen },
        ] {
            assert_eq!(vault.set_owner_settings(bad).unwrap_err().code(), "invalid_value");
        }
        assert_eq!(vault.owner_settings().unwrap(), chosen, "a refused change leaves the settings");
    }
}
