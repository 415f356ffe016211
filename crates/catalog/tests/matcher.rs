//! Real hostnames → the app the built catalog must match (or no match).

use cloudwarden_catalog::{Catalog, MatchedBy};

/// `(host, expected app id)`; `None` = must not match any app.
const CASES: &[(&str, Option<&str>)] = &[
    // SaaS tenant hosts resolve to their app.
    ("acme.slack.com", Some("slack")),
    ("app.slack.com", Some("slack")),
    ("files.slack.com", Some("slack")),
    ("a.slack-edge.com", Some("slack")),
    ("slack.com", Some("slack")),
    ("acme-my.sharepoint.com", Some("microsoft-sharepoint")),
    ("acme.sharepoint.com", Some("microsoft-sharepoint")),
    ("acme.okta.com", Some("okta")),
    ("acme.oktapreview.com", Some("okta")),
    ("acme-admin.okta.com", Some("okta")),
    ("ok12static.oktacdn.com", Some("okta")),
    ("acme.atlassian.net", Some("atlassian-cloud")),
    ("id.atlassian.com", Some("atlassian-cloud")),
    ("acme.zendesk.com", Some("zendesk")),
    ("static.zdassets.com", Some("zendesk")),
    ("acme.service-now.com", Some("servicenow")),
    ("acme.my.salesforce.com", Some("salesforce")),
    ("acme.lightning.force.com", Some("salesforce")),
    ("login.salesforce.com", Some("salesforce")),
    ("acme.box.com", Some("box")),
    ("app.box.com", Some("box")),
    ("public.boxcloud.com", Some("box")),
    ("acme.zoom.us", Some("zoom")),
    ("us02web.zoom.us", Some("zoom")),
    ("acme.webex.com", Some("webex")),
    ("wd5.myworkday.com", Some("workday")),
    // Object storage is shared infrastructure: no single app (the S3 console is Amazon S3).
    ("acme.s3.amazonaws.com", None),
    ("s3.amazonaws.com", None),
    ("acmestorage.blob.core.windows.net", None),
    ("s3.console.aws.amazon.com", Some("amazon-s3")),
    // Umbrella domains are keyed by host.
    ("drive.google.com", Some("google-drive")),
    ("docs.google.com", Some("google-drive")),
    ("sheets.google.com", Some("google-drive")),
    ("mail.google.com", Some("gmail")),
    ("gmail.com", Some("gmail")),
    ("calendar.google.com", Some("google-calendar")),
    ("meet.google.com", Some("google-meet")),
    ("chat.google.com", Some("google-chat")),
    ("console.cloud.google.com", Some("google-cloud-platform")),
    ("storage.googleapis.com", None),
    ("gemini.google.com", Some("google-gemini")),
    ("admin.google.com", Some("google-admin")),
    ("www.google.com", Some("google")),
    ("accounts.google.com", Some("google")),
    ("google.com", Some("google")),
    ("outlook.office.com", Some("microsoft-outlook")),
    ("outlook.office365.com", Some("microsoft-outlook")),
    ("outlook.live.com", Some("microsoft-outlook")),
    ("teams.microsoft.com", Some("microsoft-teams")),
    ("statics.teams.cdn.office.net", Some("microsoft-365")),
    ("www.office.com", Some("microsoft-365")),
    ("onedrive.live.com", Some("microsoft-onedrive")),
    ("login.microsoftonline.com", Some("microsoft-entra-id")),
    ("portal.azure.com", Some("microsoft-azure")),
    ("copilot.microsoft.com", Some("microsoft-copilot")),
    ("www.microsoft.com", Some("microsoft")),
    ("console.aws.amazon.com", Some("amazon-web-services")),
    ("signin.aws.amazon.com", Some("amazon-web-services")),
    ("sts.amazonaws.com", Some("amazon-web-services")),
    ("www.amazon.com", Some("amazon")),
    ("www.icloud.com", Some("apple-icloud")),
    ("support.apple.com", Some("apple")),
    ("mail.yahoo.com", Some("yahoo-mail")),
    ("news.yahoo.com", Some("yahoo")),
    ("acrobat.adobe.com", Some("adobe-document-cloud")),
    ("www.adobe.com", Some("adobe")),
    ("mail.zoho.com", Some("zoho-mail")),
    ("crm.zoho.com", Some("zoho-crm")),
    // Generative AI.
    ("chatgpt.com", Some("chatgpt")),
    ("chat.openai.com", Some("chatgpt")),
    ("api.openai.com", Some("chatgpt")),
    ("cdn.oaistatic.com", Some("chatgpt")),
    ("claude.ai", Some("claude")),
    ("www.anthropic.com", Some("claude")),
    ("www.midjourney.com", Some("midjourney")),
    ("huggingface.co", Some("huggingface")),
    ("character.ai", Some("character-ai")),
    ("poe.com", Some("poe")),
    ("www.deepl.com", Some("deepl")),
    ("app.jasper.ai", Some("jasper")),
    ("replit.com", Some("replit")),
    ("cohere.com", Some("cohere")),
    // Code hosting, dev tools.
    ("github.com", Some("github")),
    ("api.github.com", Some("github")),
    ("raw.githubusercontent.com", Some("github")),
    ("objects.githubusercontent.com", Some("github")),
    ("github.githubassets.com", Some("github")),
    ("gitlab.com", Some("gitlab")),
    ("bitbucket.org", Some("bitbucket")),
    ("hub.docker.com", Some("docker")),
    ("registry.npmjs.org", Some("npm")),
    ("www.npmjs.com", Some("npm")),
    ("pypi.org", Some("pypi")),
    ("app.datadoghq.com", Some("datadog")),
    ("one.newrelic.com", Some("new-relic")),
    ("acme.pagerduty.com", Some("pagerduty")),
    ("sentry.io", Some("sentry")),
    ("www.twilio.com", Some("twilio")),
    ("app.sendgrid.com", Some("sendgrid")),
    ("dashboard.heroku.com", Some("heroku")),
    ("vercel.com", Some("vercel")),
    ("app.netlify.com", Some("netlify")),
    ("cloud.digitalocean.com", Some("digitalocean")),
    ("dash.cloudflare.com", Some("cloudflare")),
    ("www.linode.com", Some("linode")),
    ("accounts.hetzner.com", Some("hetzner")),
    ("secure.backblaze.com", Some("backblaze")),
    // Collaboration, productivity, storage.
    ("www.notion.so", Some("notion")),
    ("www.figma.com", Some("figma")),
    ("www.canva.com", Some("canva")),
    ("trello.com", Some("trello")),
    ("app.asana.com", Some("asana")),
    ("miro.com", Some("miro")),
    ("app.hubspot.com", Some("hubspot")),
    ("mailchimp.com", Some("mailchimp")),
    ("www.dropbox.com", Some("dropbox")),
    ("dl.dropboxusercontent.com", Some("dropbox")),
    ("www.wetransfer.com", Some("wetransfer")),
    ("mega.nz", Some("mega")),
    ("my.pcloud.com", Some("pcloud")),
    ("app.smartsheet.com", Some("smartsheet")),
    ("airtable.com", Some("airtable")),
    ("app.clickup.com", Some("clickup")),
    ("3.basecamp.com", Some("basecamp")),
    ("www.wrike.com", Some("wrike")),
    ("www.evernote.com", Some("evernote")),
    ("app.todoist.com", Some("todoist")),
    ("calendly.com", Some("calendly")),
    ("acme.typeform.com", Some("typeform")),
    ("www.surveymonkey.com", Some("surveymonkey")),
    ("app.docusign.com", Some("docusign")),
    ("www.grammarly.com", Some("grammarly")),
    ("www.egnyte.com", Some("egnyte")),
    ("www.teamviewer.com", Some("teamviewer")),
    ("anydesk.com", Some("anydesk")),
    ("www.intercom.com", Some("intercom")),
    // Security tools.
    ("my.1password.com", Some("1password")),
    ("lastpass.com", Some("lastpass")),
    ("vault.bitwarden.com", Some("bitwarden")),
    ("nordvpn.com", Some("nordvpn")),
    ("www.expressvpn.com", Some("expressvpn")),
    // Social, messaging, media.
    ("twitter.com", Some("x-twitter")),
    ("x.com", Some("x-twitter")),
    ("www.facebook.com", Some("facebook")),
    ("www.instagram.com", Some("instagram")),
    ("www.linkedin.com", Some("linkedin")),
    ("www.reddit.com", Some("reddit")),
    ("www.tiktok.com", Some("tiktok")),
    ("www.youtube.com", Some("youtube")),
    ("www.netflix.com", Some("netflix")),
    ("open.spotify.com", Some("spotify")),
    ("discord.com", Some("discord")),
    ("web.telegram.org", Some("telegram")),
    ("web.whatsapp.com", Some("whatsapp")),
    ("signal.org", Some("signal")),
    ("www.tumblr.com", Some("tumblr")),
    ("medium.com", Some("medium")),
    ("www.quora.com", Some("quora")),
    // Finance, commerce.
    ("www.paypal.com", Some("paypal")),
    ("dashboard.stripe.com", Some("stripe")),
    ("www.coinbase.com", Some("coinbase")),
    ("www.binance.com", Some("binance")),
    ("www.kraken.com", Some("kraken")),
    ("app.revolut.com", Some("revolut")),
    ("wise.com", Some("wise")),
    ("admin.shopify.com", Some("shopify")),
    // Web platforms.
    ("wordpress.com", Some("wordpress-com")),
    ("www.wix.com", Some("wix")),
    ("www.squarespace.com", Some("squarespace")),
    ("www.godaddy.com", Some("godaddy")),
    ("www.namecheap.com", Some("namecheap")),
    ("www.fastmail.com", Some("fastmail")),
    ("cloud.ibm.com", Some("ibm-cloud")),
    ("www.citrix.com", Some("citrix")),
    ("app.you.com", Some("you-com")),
    ("www.copy.ai", Some("copy-ai")),
    ("www.grammarly.com.", Some("grammarly")),
    ("static.canva.com", Some("canva")),
    // Case and trailing dot are normalised.
    ("ACME.Slack.COM", Some("slack")),
    ("drive.google.com.", Some("google-drive")),
    // Sub-domains of multi-tenant platforms are someone else's site, not the platform.
    ("acme.herokuapp.com", None),
    ("acme.github.io", None),
    ("my-site.netlify.app", None),
    ("my-app.vercel.app", None),
    ("acme.azurewebsites.net", None),
    ("d111111abcdef8.cloudfront.net", None),
    ("acme.blogspot.com", None),
    ("acme.myshopify.com", None),
    ("project.web.app", None),
    ("project.firebaseapp.com", None),
    ("acme.pages.dev", None),
    ("acme.workers.dev", None),
    ("acme.notion.site", None),
    ("acme.appspot.com", None),
    // Unknown hosts.
    ("intranet.acme-corp.example", None),
    ("printer.local", None),
    ("localhost", None),
    ("unknown-startup-xyz-123.com", None),
    ("cdn.some-random-shop.de", None),
    ("foo.bar.baz.qux.invalid", None),
    ("com", None),
    ("co.uk", None),
    ("", None),
    ("10.0.0.1", None),
    ("192.168.1.10", None),
    ("2001:db8::1", None),
];

#[test]
fn real_hostnames_match_the_expected_app() {
    let catalog = Catalog::builtin().unwrap();
    let matcher = catalog.matcher().unwrap();
    assert!(CASES.len() >= 200, "{} cases", CASES.len());
    let mut wrong = Vec::new();
    for (host, expected) in CASES {
        let got = matcher
            .lookup(host)
            .map(|h| catalog.apps[h.app as usize].id.as_str());
        if got != *expected {
            wrong.push(format!("{host}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn tenant_and_exact_rules_say_how_they_matched() {
    let catalog = Catalog::builtin().unwrap();
    let matcher = catalog.matcher().unwrap();
    assert_eq!(
        matcher.lookup("acme.slack.com").unwrap().by,
        MatchedBy::Tenant
    );
    // Shared infrastructure: object storage belongs to no single app, and says what it is.
    assert_eq!(matcher.lookup("acme.s3.amazonaws.com"), None);
    assert_eq!(
        matcher
            .shared_infra("acme.s3.amazonaws.com")
            .map(|s| s.provider.as_str()),
        Some("Amazon S3")
    );
    assert_eq!(
        matcher
            .shared_infra("d111111abcdef8.cloudfront.net")
            .map(|s| s.suffix.as_str()),
        Some("cloudfront.net")
    );
    assert_eq!(matcher.shared_infra("www.dropbox.com"), None);
    assert_eq!(
        matcher.lookup("www.dropbox.com").unwrap().by,
        MatchedBy::Suffix
    );
}

#[test]
fn unmatched_hosts_report_their_registrable_domain() {
    let catalog = Catalog::builtin().unwrap();
    let matcher = catalog.matcher().unwrap();
    assert_eq!(
        matcher.registrable_domain("cdn.some-random-shop.de"),
        Some("some-random-shop.de")
    );
    assert_eq!(
        matcher.registrable_domain("a.b.example.co.uk"),
        Some("example.co.uk")
    );
    // A platform sub-domain is its own registrable domain.
    assert_eq!(
        matcher.registrable_domain("acme.herokuapp.com"),
        Some("acme.herokuapp.com")
    );
    assert_eq!(matcher.registrable_domain("10.0.0.1"), None);
}
