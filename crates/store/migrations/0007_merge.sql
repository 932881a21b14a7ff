-- Merged records point to the record they were merged into.
ALTER TABLE accounts ADD COLUMN merged_into TEXT;
ALTER TABLE contacts ADD COLUMN merged_into TEXT;
ALTER TABLE leads ADD COLUMN merged_into TEXT;
ALTER TABLE opportunities ADD COLUMN merged_into TEXT;
ALTER TABLE activities ADD COLUMN merged_into TEXT;
ALTER TABLE campaigns ADD COLUMN merged_into TEXT;
ALTER TABLE web_forms ADD COLUMN merged_into TEXT;
CREATE INDEX accounts_merged ON accounts (merged_into);
CREATE INDEX contacts_merged ON contacts (merged_into);
CREATE INDEX leads_merged ON leads (merged_into);
