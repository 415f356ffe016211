-- Whether an account has a second factor registered, where the vendor reports it (GitHub to
-- organisation owners through `filter=2fa_disabled`; Microsoft 365 through the
-- authentication-methods registration report): 1 yes, 0 no, NULL not reported.
ALTER TABLE accounts ADD COLUMN mfa INTEGER;

-- People with an account without a second factor, the filter an analyst asks first.
CREATE INDEX accounts_no_mfa_person ON accounts (person) WHERE mfa = 0;
