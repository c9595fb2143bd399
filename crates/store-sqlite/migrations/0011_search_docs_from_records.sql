-- Renkei schema, version 11: a search document's id is the `date_added` of the record version
-- whose text it indexes, so `records` already maps it to its object (through the rowid, and
-- back through records_id_key). The separate map cost every ingested record two more B-tree
-- inserts.
DROP TABLE search_docs;
