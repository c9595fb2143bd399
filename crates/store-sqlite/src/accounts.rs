//! Organisations, users and API tokens.

use std::str::FromStr;

use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, User};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_policy::Identity;
use renkei_store::{NewOrg, NewToken, NewUser, StoreError, StoreResult, TokenRecord, TokenScope};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db_err;

pub(crate) fn parse<T: FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{e}").into(),
        )
    })
}

const ORG_COLUMNS: &str = "id, name, kind, sector, tier, status";

fn org_from_row(r: &Row<'_>) -> rusqlite::Result<Org> {
    Ok(Org {
        id: parse::<OrgId>(r.get(0)?)?,
        name: r.get(1)?,
        kind: parse::<OrgKind>(r.get(2)?)?,
        sector: r
            .get::<_, Option<String>>(3)?
            .map(parse::<Sector>)
            .transpose()?,
        tier: parse::<Tier>(r.get(4)?)?,
        status: parse::<OrgStatus>(r.get(5)?)?,
    })
}

const USER_COLUMNS: &str =
    "u.id, u.org_id, u.login, u.display_name, u.role, u.clearance, u.disabled";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: parse::<UserId>(r.get(0)?)?,
        org: parse::<OrgId>(r.get(1)?)?,
        login: r.get(2)?,
        display_name: r.get(3)?,
        role: parse::<Role>(r.get(4)?)?,
        clearance: Classification::new(r.get::<_, u8>(5)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Integer,
                e.to_string().into(),
            )
        })?,
        disabled: r.get(6)?,
    })
}

pub(crate) fn unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

pub(crate) fn create_org(conn: &Connection, o: &NewOrg) -> StoreResult<Org> {
    let res = conn.execute(
        "INSERT INTO orgs (id, name, kind, sector, tier, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            o.id.to_string(),
            o.name,
            o.kind.as_str(),
            o.sector.as_ref().map(Sector::as_str),
            o.tier.as_str(),
            o.status.as_str(),
            o.created_at
        ],
    );
    match res {
        Ok(_) => Ok(Org {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind,
            sector: o.sector.clone(),
            tier: o.tier,
            status: o.status,
        }),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!(
            "an organisation named `{}` already exists",
            o.name
        ))),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) fn org(conn: &Connection, id: OrgId) -> rusqlite::Result<Option<Org>> {
    conn.prepare_cached(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = ?1"))?
        .query_row([id.to_string()], org_from_row)
        .optional()
}

pub(crate) fn org_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<Org>> {
    conn.prepare_cached(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE name = ?1"))?
        .query_row([name], org_from_row)
        .optional()
}

pub(crate) fn list_orgs(conn: &Connection) -> rusqlite::Result<Vec<Org>> {
    conn.prepare_cached(&format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY name"))?
        .query_map([], org_from_row)?
        .collect()
}

pub(crate) fn create_user(conn: &Connection, u: &NewUser) -> StoreResult<User> {
    if org(conn, u.org).map_err(db_err)?.is_none() {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {}",
            u.org
        )));
    }
    let res = conn.execute(
        "INSERT INTO users (id, org_id, login, display_name, password_hash, role, clearance, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            u.id.to_string(),
            u.org.to_string(),
            u.login,
            u.display_name,
            u.password_hash,
            u.role.as_str(),
            u.clearance.level(),
            u.created_at
        ],
    );
    match res {
        Ok(_) => Ok(User {
            id: u.id,
            org: u.org,
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            clearance: u.clearance,
            disabled: false,
        }),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!(
            "the login `{}` is taken",
            u.login
        ))),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) fn user(conn: &Connection, id: UserId) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"
    ))?
    .query_row([id.to_string()], user_from_row)
    .optional()
}

pub(crate) fn user_by_login(conn: &Connection, login: &str) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.login = ?1"
    ))?
    .query_row([login], user_from_row)
    .optional()
}

pub(crate) fn credentials(
    conn: &Connection,
    login: &str,
) -> rusqlite::Result<Option<(User, Option<String>)>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.login = ?1"
    ))?
    .query_row([login], |r| Ok((user_from_row(r)?, r.get(7)?)))
    .optional()
}

pub(crate) fn list_users(conn: &Connection, org: Option<OrgId>) -> rusqlite::Result<Vec<User>> {
    match org {
        Some(o) => conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = ?1 ORDER BY u.login"
            ))?
            .query_map([o.to_string()], user_from_row)?
            .collect(),
        None => conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users u ORDER BY u.login"
            ))?
            .query_map([], user_from_row)?
            .collect(),
    }
}

pub(crate) fn identity(conn: &Connection, user: UserId) -> rusqlite::Result<Option<Identity>> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS}, o.kind, o.tier, o.sector, o.status FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = +?1"
    ))?
    .query_row([user.to_string()], |r| {
        let u = user_from_row(r)?;
        Ok(Identity {
            user: u.id,
            login: u.login,
            org: u.org,
            org_kind: parse::<OrgKind>(r.get(7)?)?,
            org_tier: parse::<Tier>(r.get(8)?)?,
            org_sector: r.get::<_, Option<String>>(9)?.map(parse::<Sector>).transpose()?,
            org_status: parse::<OrgStatus>(r.get(10)?)?,
            role: u.role,
            clearance: u.clearance,
            disabled: u.disabled,
            read_only: false,
        })
    })
    .optional()
}

pub(crate) fn create_token(conn: &Connection, t: &NewToken) -> StoreResult<TokenRecord> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM users WHERE id = ?1",
            [t.user.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("no user with id {}", t.user)));
    }
    conn.execute(
        "INSERT INTO api_tokens (id, user_id, prefix, secret_sha256, read_only, label, created_at, expires_at, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.id.to_string(),
            t.user.to_string(),
            t.prefix,
            &t.secret_sha256[..],
            t.read_only,
            t.label,
            t.created_at,
            t.expires_at,
            t.scope.as_str()
        ],
    )
    .map_err(db_err)?;
    Ok(TokenRecord {
        id: t.id,
        user: t.user,
        prefix: t.prefix.clone(),
        read_only: t.read_only,
        scope: t.scope,
        label: t.label.clone(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        revoked: false,
    })
}

const TOKEN_COLUMNS: &str =
    "id, user_id, prefix, read_only, label, created_at, expires_at, revoked, scope";

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: parse::<TokenId>(r.get(0)?)?,
        user: parse::<UserId>(r.get(1)?)?,
        prefix: r.get(2)?,
        read_only: r.get(3)?,
        label: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        revoked: r.get(7)?,
        scope: TokenScope::from_stored(&r.get::<_, String>(8)?),
    })
}

pub(crate) fn token_by_secret_hash(
    conn: &Connection,
    sha: &[u8; 32],
) -> rusqlite::Result<Option<TokenRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE secret_sha256 = ?1"
    ))?
    .query_row([&sha[..]], token_from_row)
    .optional()
}

pub(crate) fn token(conn: &Connection, id: TokenId) -> rusqlite::Result<Option<TokenRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1"
    ))?
    .query_row([id.to_string()], token_from_row)
    .optional()
}

pub(crate) fn list_tokens(conn: &Connection, user: UserId) -> rusqlite::Result<Vec<TokenRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC, id"
    ))?
    .query_map([user.to_string()], token_from_row)?
    .collect()
}

pub(crate) fn revoke_token(conn: &Connection, id: TokenId) -> rusqlite::Result<bool> {
    conn.execute(
        "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0",
        [id.to_string()],
    )
    .map(|n| n > 0)
}
