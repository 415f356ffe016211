import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AppDetail, AppQuery, AppRow } from "../../ipc";
import { renderApp } from "../../test/render";

const rows: AppRow[] = [
  { id: "dropbox", name: "Dropbox", vendor: "Dropbox, Inc.", category: "Cloud storage", score: 8.9, coverage: 0.92, confidence: "high", tag: "sanctioned", domains: ["dropbox.com"], custom: false, overridden: false, matched: null },
  { id: "alibaba-cloud", name: "Alibaba Cloud", vendor: null, category: "Hosting services", score: 10, coverage: 0.32, confidence: "low", tag: null, domains: ["alibabacloud.com"], custom: false, overridden: false, matched: null },
  { id: "box", name: "Box", vendor: null, category: "Cloud storage", score: null, coverage: 0.04, confidence: "not_enough_data", tag: null, domains: ["box.com"], custom: true, overridden: false, matched: null },
];

const detail: AppDetail = {
  id: "dropbox",
  name: "Dropbox",
  aliases: [],
  vendor: { value: "Dropbox, Inc.", source: "cloudwarden-curated" },
  domains: [
    { pattern: "dropbox.com", match_kind: "suffix", role: "primary", sources: ["2fa-directory"], trust: "listed", attributes: true, why: "listed for this app by a source about the app itself", kept_out_of_block_lists: null },
    { pattern: "db-routing.example", match_kind: "suffix", role: "service", sources: ["v2fly"], trust: "unverified", attributes: false, why: "only a routing list groups it with this app", kept_out_of_block_lists: null },
  ],
  categories: [{ id: "cloud-storage", name: "Cloud storage", source: "2fa-directory", source_value: "backup" }],
  score: 8.9,
  computed_score: 8.9,
  coverage: 0.92,
  confidence: "high",
  tag: null,
  score_override: null,
  groups: [
    {
      group: "security",
      name: "Security",
      weight: "very_high",
      score: 9.8,
      coverage: 1,
      assessed: true,
      factors: [
        {
          id: "mfa_support",
          name: "Multi-factor authentication",
          description: "Users can protect their sign-in with a second factor.",
          weight: "very_high",
          value: "Yes",
          score: 10,
          detail: ["totp"],
          source: { id: "2fa-directory", name: "2FA Directory (2fa.directory)", license: "MIT", url: "https://github.com/2factorauth/twofactorauth", as_of: "2026-08-04", attribution: "" },
          reference: "https://help.dropbox.com/2fa",
          as_of: "2026-08-04",
          method: "curated-list",
        },
        {
          id: "sso_available",
          name: "Single sign-on (SAML/OIDC)",
          description: "",
          weight: "high",
          value: null,
          score: null,
          detail: [],
          source: null,
          reference: null,
          as_of: null,
          method: null,
        },
      ],
    },
    { group: "legal", name: "Legal", weight: "high", score: null, coverage: 0, assessed: false, factors: [] },
  ],
  links: [],
  custom: false,
  edits_builtin: false,
};

function backend(calls: { cmd: string; args: unknown }[] = []) {
  const queries: AppQuery[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "choose_custom_apps_import":
        return {
          file: { handle: "file-0123", path: "/home/analyst/apps.json", name: "apps.json", bytes: 2048 },
          preview: { apps: ["Dropbox (ours)", "Acme"], replaces_builtin: ["Dropbox"] },
        };
      case "import_custom_apps":
        return 2;
      case "search_apps": {
        const q = (args as { query: AppQuery }).query;
        queries.push(q);
        const hits = q.factors?.length ? rows.slice(0, 1) : rows;
        return { total: hits.length, rows: hits };
      }
      case "get_catalog_stats":
        return { apps: 5425, domains: 23008, categories: {}, sources: [{ id: "2fa-directory", license: "MIT", as_of: "2026-08-04" }] };
      case "list_categories":
        return [{ id: "cloud-storage", name: "Cloud storage", apps: 60 }];
      case "list_factors":
        return [{ id: "mfa_support", name: "Multi-factor authentication", group: "security", description: "", values: ["yes", "no"] }];
      case "get_app": {
        const id = (args as { id: string }).id;
        if (id === "alibaba-cloud") {
          return { ...detail, id, name: "Alibaba Cloud", score: 10, computed_score: 10, coverage: 0.32, confidence: "low" };
        }
        return { ...detail, id, name: id === "box" ? "Box" : "Dropbox" };
      }
      case "get_settings":
        return { theme: "light" };
      default:
        return null;
    }
  });
  return queries;
}

async function pick(testId: string, option: string) {
  const input = await screen.findByTestId(testId);
  await userEvent.click(input);
  const listbox = await waitFor(() => {
    const el = document.getElementById(input.getAttribute("aria-controls") ?? "");
    expect(el).not.toBeNull();
    return el as HTMLElement;
  });
  await userEvent.click(within(listbox).getByRole("option", { name: option, hidden: true }));
}

describe("Cloud App Catalog page", () => {
  it("asks before an import replaces built-in apps, and imports the chosen file by its handle", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    backend(calls);
    renderApp("/catalog");
    await userEvent.click(await screen.findByTestId("catalog-import"));
    const confirm = await screen.findByTestId("catalog-import-confirm");
    expect(confirm).toHaveTextContent("apps.json holds 2 app(s)");
    expect(confirm).toHaveTextContent("Dropbox");
    expect(calls.some((c) => c.cmd === "import_custom_apps")).toBe(false);
    await userEvent.click(screen.getByTestId("catalog-import-replace"));
    await waitFor(() => {
      expect(calls.find((c) => c.cmd === "import_custom_apps")?.args).toEqual({ file: "file-0123", replaceBuiltin: true });
    });
  });

  it("lists the apps the engine returns, with stats", async () => {
    backend();
    renderApp("/catalog");
    await waitFor(() => {
      expect(screen.getByTestId("catalog-stats")).toHaveTextContent("5,425 apps");
    });
    await waitFor(() => {
      expect(screen.getByTestId("catalog-total")).toHaveTextContent("3 apps");
    });
  });

  it("marks a score that rests on less than half of the factors as low confidence", async () => {
    backend();
    renderApp("/catalog/app/alibaba-cloud");
    const low = await screen.findByLabelText("score 10.0 of 10, low confidence");
    expect(low).toHaveAttribute("data-confidence", "low");
    expect(screen.getByTestId("score-low-confidence")).toHaveTextContent("low confidence · 32 % known");
    expect(screen.getByText("/ 10, 10 = safest")).toBeInTheDocument();
  });

  it("tags an app from its page", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    backend(calls);
    renderApp("/catalog/app/dropbox");
    await pick("app-tag", "Unsanctioned");
    await waitFor(() => {
      expect(calls.find((c) => c.cmd === "set_app_tags")?.args).toEqual({ appIds: ["dropbox"], tag: "unsanctioned" });
    });
  });

  it("sends a factor filter to the engine", async () => {
    const queries = backend();
    renderApp("/catalog");
    await screen.findByTestId("catalog-total");
    await pick("catalog-factor-select", "Multi-factor authentication");
    await pick("catalog-factor-value", "No");
    await userEvent.click(screen.getByTestId("catalog-factor-add"));
    expect(await screen.findByTestId("catalog-factor-chip")).toHaveTextContent("Multi-factor authentication: No");
    await waitFor(() => {
      expect(queries.at(-1)?.factors).toEqual([{ factor: "mfa_support", value: "no" }]);
    });
  });

  it("shows an app with the source of every known factor and unknowns as unknown", async () => {
    backend();
    renderApp("/catalog/app/dropbox");
    expect(await screen.findByTestId("app-name")).toHaveTextContent("Dropbox");
    const mfa = screen.getByTestId("factor-mfa_support");
    expect(mfa).toHaveTextContent("2FA Directory (2fa.directory)");
    expect(mfa).toHaveTextContent("MIT · as of 2026-08-04 · curated-list");
    expect(screen.getByTestId("factor-sso_available")).toHaveTextContent("unknown");
  });

  it("keeps related, unverified domains apart and says which groups are not assessed", async () => {
    backend();
    renderApp("/catalog/app/dropbox");
    const own = await screen.findByTestId("app-domains");
    expect(own).toHaveTextContent("dropbox.com");
    expect(own).toHaveTextContent("listed");
    expect(own).not.toHaveTextContent("db-routing.example");
    const related = screen.getByTestId("app-related-domains");
    expect(related).toHaveTextContent("db-routing.example");
    expect(related).toHaveTextContent("unverified");
    expect(screen.getByTestId("group-legal-not-assessed")).toHaveTextContent("not assessed");
    expect(screen.getByTestId("group-legal")).toHaveTextContent("left out of the score");
  });

  it("compares apps side by side", async () => {
    backend();
    renderApp("/catalog/compare?ids=dropbox,box");
    const apps = await screen.findAllByTestId("compare-app");
    expect(apps.map((a) => a.textContent)).toEqual(["Dropbox", "Box"]);
    expect(screen.getByTestId("compare-table")).toHaveTextContent("Multi-factor authentication");
  });
});
