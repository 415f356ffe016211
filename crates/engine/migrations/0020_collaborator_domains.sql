-- A collaborator's e-mail domain is computed by the writer (`store::files::email_domain`), not
-- by a generated column: a Microsoft Entra guest's sign-in name carries the person's own
-- address before `#EXT#` (`alice_fabrikam.com#EXT#@contoso.onmicrosoft.com` is someone at
-- fabrikam.com, not at contoso.onmicrosoft.com). Stored rows get theirs when the engine opens.
DROP INDEX file_collaborators_by_domain;
ALTER TABLE file_collaborators DROP COLUMN domain;
ALTER TABLE file_collaborators ADD COLUMN domain TEXT;
CREATE INDEX file_collaborators_by_domain ON file_collaborators (domain, instance_id, file_id);
