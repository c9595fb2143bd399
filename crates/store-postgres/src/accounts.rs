//! Organisations, users and API tokens.

use deadpool_postgres::GenericClient;
use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, User};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_policy::Identity;
use renkei_store::{NewOrg, NewToken, NewUser, StoreError, StoreResult, TokenRecord, TokenScope};
use tokio_postgres::Row;

use crate::{db_err, parse, unique_violation};

const ORG_COLUMNS: &str = "id, name, kind, sector, tier, status";

fn org_from_row(r: &Row) -> StoreResult<Org> {
    Ok(Org {
        id: parse(r.get::<_, &str>(0))?,
        name: r.get(1),
        kind: parse(r.get::<_, &str>(2))?,
        sector: r
            .get::<_, Option<&str>>(3)
            .map(parse::<Sector>)
            .transpose()?,
        tier: parse(r.get::<_, &str>(4))?,
        status: parse(r.get::<_, &str>(5))?,
    })
}

/// The columns [`user_from_row`] reads, in order (a macro so [`IDENTITY_COLUMNS`] extends
/// them rather than repeating them).
macro_rules! user_columns {
    () => {
        "u.id, u.org_id, u.login, u.display_name, u.role, u.clearance, u.disabled"
    };
}

const USER_COLUMNS: &str = user_columns!();

/// The user's columns, then its organisation's kind, tier, sector and status.
const IDENTITY_COLUMNS: &str = concat!(user_columns!(), ", o.kind, o.tier, o.sector, o.status");

fn user_from_row(r: &Row) -> StoreResult<User> {
    user_from_row_at(r, 0)
}

/// A user from [`USER_COLUMNS`] starting at column `at`.
fn user_from_row_at(r: &Row, at: usize) -> StoreResult<User> {
    let clearance: i16 = r.get(at + 5);
    Ok(User {
        id: parse(r.get::<_, &str>(at))?,
        org: parse(r.get::<_, &str>(at + 1))?,
        login: r.get(at + 2),
        display_name: r.get(at + 3),
        role: parse::<Role>(r.get::<_, &str>(at + 4))?,
        clearance: Classification::new(u8::try_from(clearance).unwrap_or(u8::MAX))
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
        disabled: r.get(at + 6),
    })
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.prefix, t.read_only, t.label, t.created_at, \
     t.expires_at, t.revoked, t.scope";

fn token_from_row(r: &Row) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: parse::<TokenId>(r.get::<_, &str>(0))?,
        user: parse::<UserId>(r.get::<_, &str>(1))?,
        prefix: r.get(2),
        read_only: r.get(3),
        label: r.get(4),
        created_at: r.get(5),
        expires_at: r.get(6),
        revoked: r.get(7),
        scope: TokenScope::from_stored(r.get::<_, &str>(8)),
    })
}

pub(crate) async fn create_org(c: &impl GenericClient, o: &NewOrg) -> StoreResult<Org> {
    let res = c
        .execute(
            "INSERT INTO orgs (id, name, kind, sector, tier, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &o.id.to_string(),
                &o.name,
                &o.kind.as_str(),
                &o.sector.as_ref().map(Sector::as_str),
                &o.tier.as_str(),
                &o.status.as_str(),
                &o.created_at,
            ],
        )
        .await;
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

pub(crate) async fn org(c: &impl GenericClient, id: OrgId) -> StoreResult<Option<Org>> {
    let row = c
        .query_opt(
            &format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"),
            &[&id.to_string()],
        )
        .await
        .map_err(db_err)?;
    row.as_ref().map(org_from_row).transpose()
}

pub(crate) async fn org_by_name(c: &impl GenericClient, name: &str) -> StoreResult<Option<Org>> {
    let row = c
        .query_opt(
            &format!("SELECT {ORG_COLUMNS} FROM orgs WHERE name = $1"),
            &[&name],
        )
        .await
        .map_err(db_err)?;
    row.as_ref().map(org_from_row).transpose()
}

pub(crate) async fn list_orgs(c: &impl GenericClient) -> StoreResult<Vec<Org>> {
    let rows = c
        .query(
            &format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY name"),
            &[],
        )
        .await
        .map_err(db_err)?;
    rows.iter().map(org_from_row).collect()
}

pub(crate) async fn create_user(c: &impl GenericClient, u: &NewUser) -> StoreResult<User> {
    if org(c, u.org).await?.is_none() {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {}",
            u.org
        )));
    }
    let res = c
        .execute(
            "INSERT INTO users (id, org_id, login, display_name, password_hash, role, clearance, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &u.id.to_string(),
                &u.org.to_string(),
                &u.login,
                &u.display_name,
                &u.password_hash,
                &u.role.as_str(),
                &i16::from(u.clearance.level()),
                &u.created_at,
            ],
        )
        .await;
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

pub(crate) async fn user(c: &impl GenericClient, id: UserId) -> StoreResult<Option<User>> {
    let row = c
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"),
            &[&id.to_string()],
        )
        .await
        .map_err(db_err)?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn user_by_login(
    c: &impl GenericClient,
    login: &str,
) -> StoreResult<Option<User>> {
    let row = c
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.login = $1"),
            &[&login],
        )
        .await
        .map_err(db_err)?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn credentials(
    c: &impl GenericClient,
    login: &str,
) -> StoreResult<Option<(User, Option<String>)>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.login = $1"
        ))
        .await
        .map_err(db_err)?;
    let row = c.query_opt(&stmt, &[&login]).await.map_err(db_err)?;
    row.map(|r| Ok((user_from_row(&r)?, r.get(7)))).transpose()
}

pub(crate) async fn identity(
    c: &impl GenericClient,
    user: UserId,
) -> StoreResult<Option<Identity>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {IDENTITY_COLUMNS} FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1"
        ))
        .await
        .map_err(db_err)?;
    c.query_opt(&stmt, &[&user.to_string()])
        .await
        .map_err(db_err)?
        .map(|r| identity_from_row(&r, 0))
        .transpose()
}

/// A token and its user's identity, in one round trip: every request with a token asks.
pub(crate) async fn token_identity(
    c: &impl GenericClient,
    sha256: &[u8; 32],
) -> StoreResult<Option<(TokenRecord, Option<Identity>)>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS}, {IDENTITY_COLUMNS} FROM api_tokens t \
             LEFT JOIN users u ON u.id = t.user_id LEFT JOIN orgs o ON o.id = u.org_id \
             WHERE t.secret_sha256 = $1"
        ))
        .await
        .map_err(db_err)?;
    let Some(r) = c.query_opt(&stmt, &[&&sha256[..]]).await.map_err(db_err)? else {
        return Ok(None);
    };
    let token = token_from_row(&r)?;
    // The token's columns, then the identity's (NULL if the user is gone).
    let at = TOKEN_COLUMNS.split(',').count();
    let identity = match r.get::<_, Option<&str>>(at) {
        Some(_) => Some(identity_from_row(&r, at)?),
        None => None,
    };
    Ok(Some((token, identity)))
}

/// An identity from [`IDENTITY_COLUMNS`] starting at column `at`.
fn identity_from_row(r: &Row, at: usize) -> StoreResult<Identity> {
    let u = user_from_row_at(r, at)?;
    Ok(Identity {
        user: u.id,
        login: u.login,
        org: u.org,
        org_kind: parse::<OrgKind>(r.get::<_, &str>(at + 7))?,
        org_tier: parse::<Tier>(r.get::<_, &str>(at + 8))?,
        org_sector: r
            .get::<_, Option<&str>>(at + 9)
            .map(parse::<Sector>)
            .transpose()?,
        org_status: parse::<OrgStatus>(r.get::<_, &str>(at + 10))?,
        role: u.role,
        clearance: u.clearance,
        disabled: u.disabled,
        read_only: false,
    })
}

pub(crate) async fn list_users(
    c: &impl GenericClient,
    org: Option<OrgId>,
) -> StoreResult<Vec<User>> {
    let rows = match org {
        Some(o) => {
            c.query(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY u.login"),
                &[&o.to_string()],
            )
            .await
        }
        None => {
            c.query(
                &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.login"),
                &[],
            )
            .await
        }
    }
    .map_err(db_err)?;
    rows.iter().map(user_from_row).collect()
}

pub(crate) async fn create_token(c: &impl GenericClient, t: &NewToken) -> StoreResult<TokenRecord> {
    if c.query_opt("SELECT 1 FROM users WHERE id = $1", &[&t.user.to_string()])
        .await
        .map_err(db_err)?
        .is_none()
    {
        return Err(StoreError::NotFound(format!("no user with id {}", t.user)));
    }
    c.execute(
        "INSERT INTO api_tokens (id, user_id, prefix, secret_sha256, read_only, label, created_at, expires_at, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &t.id.to_string(),
            &t.user.to_string(),
            &t.prefix,
            &&t.secret_sha256[..],
            &t.read_only,
            &t.label,
            &t.created_at,
            &t.expires_at,
            &t.scope.as_str(),
        ],
    )
    .await
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

pub(crate) async fn token_by_secret_hash(
    c: &impl GenericClient,
    sha256: &[u8; 32],
) -> StoreResult<Option<TokenRecord>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.secret_sha256 = $1"
        ))
        .await
        .map_err(db_err)?;
    let row = c.query_opt(&stmt, &[&&sha256[..]]).await.map_err(db_err)?;
    row.as_ref().map(token_from_row).transpose()
}

pub(crate) async fn token(c: &impl GenericClient, id: TokenId) -> StoreResult<Option<TokenRecord>> {
    let row = c
        .query_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1"),
            &[&id.to_string()],
        )
        .await
        .map_err(db_err)?;
    row.as_ref().map(token_from_row).transpose()
}

pub(crate) async fn list_tokens(
    c: &impl GenericClient,
    user: UserId,
) -> StoreResult<Vec<TokenRecord>> {
    let rows = c
        .query(
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id"
            ),
            &[&user.to_string()],
        )
        .await
        .map_err(db_err)?;
    rows.iter().map(token_from_row).collect()
}

pub(crate) async fn revoke_token(c: &impl GenericClient, id: TokenId) -> StoreResult<bool> {
    c.execute(
        "UPDATE api_tokens SET revoked = TRUE WHERE id = $1 AND NOT revoked",
        &[&id.to_string()],
    )
    .await
    .map(|n| n > 0)
    .map_err(db_err)
}
