-- What an analyst investigates in an activity besides who, what and from where: the client
-- (user agent) and whether it succeeded. Filled from the unified audit log (Microsoft 365
-- file, sharing and mailbox activity), sign-ins and directory audits where the vendor says.
ALTER TABLE activities ADD COLUMN user_agent TEXT;
ALTER TABLE activities ADD COLUMN outcome TEXT;
