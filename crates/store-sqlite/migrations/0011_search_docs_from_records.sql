-- Renkei schema, version 11: a search document's id is the `date_added` of the record version
-- whose text it indexes, so `records` already maps it to its object (through the rowid, and
-- back through records_id_key). The separate map cost every ingested record two more B-tree
-- inserts. Only a handling change re-keys a record row; the documents it leaves behind are
-- mapped to their object in search_moved (empty unless handling changed).
CREATE TABLE search_moved (
    doc    INTEGER PRIMARY KEY,
    id_key INTEGER NOT NULL
);
CREATE INDEX search_moved_object ON search_moved(id_key);
INSERT INTO search_moved (doc, id_key)
    SELECT doc, id_key FROM search_docs WHERE doc NOT IN (SELECT date_added FROM records);
DROP TABLE search_docs;
