import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { BanReport, OauthAppRow } from "../../ipc";
import { renderApp } from "../../test/render";

const app: OauthAppRow = {
  key: "m365:app-1",
  app: "m365",
  name: "Mail Sorter",
  app_id: "app-1",
  publisher: "Sorter Ltd",
  publisher_verified: false,
  level: "high",
  permissions: [
    { name: "Mail.ReadWrite", kind: "delegated", level: "high", reason: "Reads, changes and deletes mail in the mailbox", source: "https://learn.microsoft.com/en-us/graph/permissions-reference" },
    { name: "User.Read", kind: "delegated", level: "low", reason: "Signs the user in and reads their profile", source: null },
  ],
  users: 2,
  org_wide: false,
  instances: ["Contoso"],
  grants: 2,
  first_seen_ms: 1_790_000_000_000,
  last_seen_ms: 1_796_000_000_000,
  status: "unset",
};

function report(dryRun: boolean): BanReport {
  return {
    app: { ...app, status: dryRun ? "unset" : "banned" },
    dry_run: dryRun,
    steps: ["g1", "g2"].map((g) => ({
      instance_id: "m365_1",
      instance_name: "Contoso",
      grant_id: g,
      principal: `user-${g}`,
      what: `delegated permission grant ${g}`,
      request: `DELETE https://graph.microsoft.com/v1.0/oauth2PermissionGrants/${g}`,
      outcome: dryRun ? "planned" : "revoked",
      detail: null,
    })),
  };
}

describe("OAuth apps page", () => {
  it("shows what an app may do and bans it after a dry run and a confirmation", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "list_oauth_apps":
          return { items: [app], next_cursor: null };
        case "ban_oauth_app":
          return report((args as { dryRun: boolean }).dryRun);
        case "get_settings":
          return { theme: "light" };
        default:
          return null;
      }
    });
    renderApp("/oauth-apps");
    await userEvent.click(await screen.findByText("Mail Sorter"));
    const perms = await screen.findByTestId("oauth-permissions");
    expect(perms).toHaveTextContent("Mail.ReadWrite");
    expect(perms).toHaveTextContent("Reads, changes and deletes mail");
    // No data source for community use on a local-first desktop: said, not left blank.
    expect(screen.getByTestId("oauth-community")).toHaveTextContent("keeps your data on this machine");
    await userEvent.click(screen.getByTestId("oauth-ban"));
    // The dry run: exactly what will be revoked, nothing changed yet.
    const steps = await screen.findByTestId("ban-steps");
    expect(within(steps).getAllByTestId("ban-step")).toHaveLength(2);
    expect(steps).toHaveTextContent("DELETE https://graph.microsoft.com/v1.0/oauth2PermissionGrants/g1");
    expect(calls.filter((c) => c.cmd === "ban_oauth_app").map((c) => (c.args as { dryRun: boolean }).dryRun)).toEqual([true]);
    await userEvent.click(screen.getByTestId("ban-confirm"));
    expect(await screen.findByTestId("ban-done")).toHaveTextContent("Mail Sorter is banned");
    expect(calls.filter((c) => c.cmd === "ban_oauth_app").map((c) => (c.args as { dryRun: boolean }).dryRun)).toEqual([true, false]);
    await waitFor(() => {
      expect(screen.getAllByTestId("ban-step").every((s) => s.dataset.outcome === "revoked")).toBe(true);
    });
  });

  it("says what to do when no app holds access", async () => {
    mockIPC((cmd) => (cmd === "list_oauth_apps" ? { items: [], next_cursor: null } : cmd === "get_settings" ? { theme: "light" } : null));
    renderApp("/oauth-apps");
    expect(await screen.findByTestId("oauth-empty")).toHaveTextContent("connect Microsoft 365 or GitHub");
  });
});
