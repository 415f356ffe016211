//! The category taxonomy, modelled on Defender for Cloud Apps' list, plus `other`.

/// `(id, display name)` of every category.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("accounting-and-finance", "Accounting and finance"),
    ("advertising", "Advertising"),
    ("business-intelligence", "Business intelligence"),
    ("business-management", "Business management"),
    ("crm", "CRM"),
    ("cloud-computing-platform", "Cloud computing platform"),
    ("cloud-storage", "Cloud storage"),
    ("code-hosting", "Code hosting"),
    ("collaboration", "Collaboration"),
    ("communications", "Communications"),
    ("content-management", "Content management"),
    ("content-sharing", "Content sharing"),
    ("customer-support", "Customer support"),
    ("data-analytics", "Data analytics"),
    ("development-tools", "Development tools"),
    ("e-commerce", "E-commerce"),
    ("education", "Education"),
    ("forums", "Forums"),
    ("generative-ai", "Generative AI"),
    ("health", "Health"),
    ("hosting-services", "Hosting services"),
    ("human-resource-management", "Human-resource management"),
    ("it-services", "IT services"),
    ("internet-of-things", "Internet of Things"),
    ("marketing", "Marketing"),
    ("news-and-entertainment", "News and entertainment"),
    ("online-meetings", "Online meetings"),
    ("operations-management", "Operations management"),
    ("personal-instant-messaging", "Personal instant messaging"),
    ("product-design", "Product design"),
    ("productivity", "Productivity"),
    ("project-management", "Project management"),
    ("property-management", "Property management"),
    ("sales", "Sales"),
    ("security", "Security"),
    ("social-network", "Social network"),
    ("supply-chain-and-logistics", "Supply chain and logistics"),
    ("transportation-and-travel", "Transportation and travel"),
    ("vendor-management-system", "Vendor management system"),
    ("web-analytics", "Web analytics"),
    ("webmail", "Webmail"),
    ("website-monitoring", "Website monitoring"),
    ("other", "Other"),
];

/// Display name of a category id (the id itself when unknown).
pub fn name(id: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| *n)
        .unwrap_or(id)
}

/// Whether `id` is a category of the taxonomy.
pub fn is_known(id: &str) -> bool {
    CATEGORIES.iter().any(|(i, _)| *i == id)
}
