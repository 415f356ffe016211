//! Source category → catalog category. Reviewed by hand; an unmapped source value gives no
//! category rather than a guess.

/// 2fa.directory and passkeys directory category slugs.
pub fn twofa(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "banking" | "finance" | "payments" | "investing" | "cryptocurrencies" | "insurance"
        | "crowdfunding" => "accounting-and-finance",
        "backup" => "cloud-storage",
        "cloud" => "cloud-computing-platform",
        "developer" => "development-tools",
        "hosting" => "hosting-services",
        "domains" | "remote" => "it-services",
        "communication" => "communications",
        "email" => "webmail",
        "social" => "social-network",
        "education" | "universities" => "education",
        "health" => "health",
        "retail" | "food" => "e-commerce",
        "travel" | "transport" | "tickets" => "transportation-and-travel",
        "entertainment" | "gaming" | "betting" => "news-and-entertainment",
        "security" | "identity" | "vpn" => "security",
        "task" => "project-management",
        "creativity" => "product-design",
        "marketing" => "marketing",
        "iot" => "internet-of-things",
        "postal" => "supply-chain-and-logistics",
        "legal" => "business-management",
        "utilities" | "government" | "other" => "other",
        _ => return None,
    })
}

/// Wappalyzer category names.
pub fn wappalyzer(name: &str) -> Option<&'static str> {
    Some(match name {
        "CRM" => "crm",
        "Live chat" | "Reviews" => "customer-support",
        "Issue trackers" => "project-management",
        "Marketing automation"
        | "Advertising"
        | "Retargeting"
        | "Affiliate programs"
        | "Referral marketing"
        | "Email"
        | "Personalisation"
        | "SEO"
        | "Loyalty & rewards"
        | "Segmentation"
        | "Cart abandonment" => "marketing",
        "Analytics" | "RUM" | "A/B Testing" | "Feature management" => "web-analytics",
        "Customer data platform" => "data-analytics",
        "Ecommerce"
        | "Shopify apps"
        | "Returns"
        | "Cross border ecommerce"
        | "Ecommerce frontends" => "e-commerce",
        "Payment processors" | "Buy now pay later" | "Fundraising & donations" | "Accounting" => {
            "accounting-and-finance"
        }
        "LMS" => "education",
        "Recruitment & staffing" => "human-resource-management",
        "Appointment scheduling" | "Form builders" | "Surveys" => "productivity",
        "Security" | "Authentication" | "Cookie compliance" | "Browser fingerprinting" => {
            "security"
        }
        "PaaS" | "IaaS" => "cloud-computing-platform",
        "CDN" | "Hosting" | "Hosting panels" => "hosting-services",
        "Documentation"
        | "Digital asset management"
        | "CMS"
        | "Page builders"
        | "Blogs"
        | "Wikis"
        | "Content curation" => "content-management",
        "Webmail" => "webmail",
        "Network storage" => "cloud-storage",
        "Message boards" | "Comment systems" => "forums",
        "Video players" | "Livestreaming" => "content-sharing",
        "Reservations & delivery" | "Ticket booking" => "transportation-and-travel",
        "Shipping carriers" | "Fulfilment" => "supply-chain-and-logistics",
        "Performance" => "website-monitoring",
        "Development" | "CI" => "development-tools",
        "Translation" => "productivity",
        _ => return None,
    })
}

/// v2fly `category-*` list names.
pub fn v2fly(list: &str) -> Option<&'static str> {
    let l = list.trim_start_matches("category-");
    let base = l.split(['-', '@']).next().unwrap_or(l);
    Some(match () {
        _ if l.starts_with("ai") => "generative-ai",
        _ if l.starts_with("dev") || l.starts_with("container") => "development-tools",
        _ if l.starts_with("netdisk") => "cloud-storage",
        _ if l.starts_with("remote-control") => "it-services",
        _ if l.starts_with("password-management") || l.starts_with("antivirus") => "security",
        _ if l.starts_with("vpnservices") || l.starts_with("proxy-tunnels") => "security",
        _ if l.starts_with("communication") || l.starts_with("voip") => "communications",
        _ if l.starts_with("social-media") => "social-network",
        _ if l.starts_with("forums") => "forums",
        _ if l.starts_with("ecommerce") => "e-commerce",
        _ if l.starts_with("finance")
            || l.starts_with("cryptocurrency")
            || l.starts_with("bank") =>
        {
            "accounting-and-finance"
        }
        _ if l.starts_with("media")
            || l.starts_with("entertainment")
            || l.starts_with("games")
            || l.starts_with("porn") =>
        {
            "news-and-entertainment"
        }
        _ if l.starts_with("scholar") || l.starts_with("education") => "education",
        _ if l.starts_with("cdn") => "hosting-services",
        _ if l.starts_with("collaborate") => "collaboration",
        _ if l.starts_with("news") => "news-and-entertainment",
        _ if base == "documents" => "productivity",
        _ => return None,
    })
}
