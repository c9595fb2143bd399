-- Renkei schema, version 10: relationships found by either end, for a record's neighbourhood
-- in the web UI (renkei_store::charts::referrers_query spells the expressions the same way).
CREATE INDEX records_relationship_source ON records (((body)::jsonb ->> 'source_ref'))
    WHERE stix_type = 'relationship';
CREATE INDEX records_relationship_target ON records (((body)::jsonb ->> 'target_ref'))
    WHERE stix_type = 'relationship';
