"""Profile-aware Compose rules: the stack as `docker compose --profile P up` runs it, with
production rules for prod/stage profiles and env files checked per profile."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.profiles.PRF001_env_file_missing import EnvFileMissing
from infradoctor.rules.profiles.PRF002_required_variable_unset import RequiredVariableUnset
from infradoctor.rules.profiles.PRF003_env_sample_keys_missing import EnvSampleKeysMissing
from infradoctor.rules.profiles.PRF004_interpolated_variable_undocumented import (
    InterpolatedVariableUndocumented,
)
from infradoctor.rules.profiles.PRF005_admin_ui_published_in_prod import AdminUiPublishedInProd
from infradoctor.rules.profiles.PRF006_debug_settings_in_prod import DebugSettingsInProd
from infradoctor.rules.profiles.PRF007_weak_default_secret import WeakDefaultSecret
from infradoctor.rules.profiles.PRF008_prod_plain_http_only import ProdPlainHttpOnly

RULES: tuple[type[Rule], ...] = (
    EnvFileMissing,
    RequiredVariableUnset,
    EnvSampleKeysMissing,
    InterpolatedVariableUndocumented,
    AdminUiPublishedInProd,
    DebugSettingsInProd,
    WeakDefaultSecret,
    ProdPlainHttpOnly,
)
