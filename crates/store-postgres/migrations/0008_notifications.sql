-- Renkei schema, version 8: notifications (issue 5 §4; crates/store/src/notifications.rs
-- explains the model).

-- Where notification e-mails go (set by the user or whoever manages them).
ALTER TABLE users ADD COLUMN email TEXT;

-- What each user wants to hear about. `sectors` and `types` are arrays of validated names;
-- `watched` counts the rows in subscription_values; `channels` is a bit set (1 in-app,
-- 2 e-mail).
CREATE TABLE notification_subscriptions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    sectors    TEXT[] NOT NULL,
    types      TEXT[] NOT NULL,
    watched    BIGINT NOT NULL,
    channels   SMALLINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notification_subscriptions_user ON notification_subscriptions(user_id);
CREATE INDEX notification_subscriptions_plain ON notification_subscriptions(id) WHERE watched = 0;

-- Watched observable values, canonical, found by their value_key when records arrive.
CREATE TABLE subscription_values (
    subscription_id BIGINT NOT NULL REFERENCES notification_subscriptions(id) ON DELETE CASCADE,
    value_key       BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (subscription_id, value_key)
);
CREATE INDEX subscription_values_key ON subscription_values(value_key);

-- Each user's inbox.
CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    -- A published product (the secretariat's products table) rather than records.
    product_id TEXT,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
-- One user is told of a product once.
CREATE UNIQUE INDEX notifications_product ON notifications(user_id, product_id) WHERE product_id IS NOT NULL;

-- The record versions each notification tells of; one user is told of a version once.
CREATE TABLE notification_records (
    user_id         TEXT COLLATE "C" NOT NULL,
    stix_id         TEXT COLLATE "C" NOT NULL,
    version         TEXT COLLATE "C" NOT NULL,
    notification_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, stix_id, version)
);
CREATE INDEX notification_records_of ON notification_records(notification_id);

-- Records with date_added up to `done` have been handled by a notifier.
CREATE TABLE notification_cursor (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    done BIGINT NOT NULL
);
