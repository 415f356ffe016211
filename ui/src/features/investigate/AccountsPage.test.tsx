import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Person, PersonAccount, PersonFilter } from "../../ipc";
import { renderApp } from "../../test/render";

function account(app: string, login: string, admin: boolean, correlation: PersonAccount["correlation"]): PersonAccount {
  return {
    instance_id: `${app}_1`,
    instance_name: app === "github" ? "Acme" : "Contoso",
    app,
    external_id: `${app}-${login}`,
    login,
    display_name: "Adele Vance",
    email: app === "m365" ? "adele@contoso.com" : null,
    kind: "user",
    status: "active",
    is_admin: admin,
    roles: admin && app === "m365" ? ["Global Administrator"] : [],
    groups: ["Engineering"],
    mfa: null,
    created_at_ms: null,
    last_sign_in_ms: 1_796_000_000_000,
    last_activity_ms: 1_796_000_000_000,
    correlation,
    rule_person: app === "github" ? `github:${login}` : "adele@contoso.com",
  };
}

const adele: Person = {
  key: "adele@contoso.com",
  display_name: "Adele Vance",
  admin: true,
  external: false,
  apps: ["github", "m365"],
  last_active_ms: 1_796_000_000_000,
  accounts: [account("github", "adele-v", true, "linked"), account("m365", "adele@contoso.com", true, "email")],
};
const bob: Person = {
  key: "github:bob",
  display_name: null,
  admin: false,
  external: false,
  apps: ["github"],
  last_active_ms: null,
  accounts: [account("github", "bob", false, "alone")],
};

function backend(calls: { cmd: string; args: unknown }[]) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "list_people": {
        const f = (args as { filter: PersonFilter }).filter;
        return {
          items: [adele, bob].filter((p) => (f.admins ? p.admin : true)).filter((p) => (f.without_mfa ? p.accounts.some((a) => a.mfa === false) : true)),
          next_cursor: null,
        };
      }
      case "list_instances":
        return [{ id: "github_1", app: "github", name: "Acme" }];
      case "get_settings":
        return { theme: "light" };
      default:
        return null;
    }
  });
}

describe("Accounts page", () => {
  it("lists people, filters administrators in the engine and explains each account", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    backend(calls);
    renderApp("/accounts");
    await waitFor(() => {
      expect(screen.getAllByTestId("person-row")).toHaveLength(2);
    });
    await userEvent.click(screen.getByText("Administrators"));
    await waitFor(() => {
      expect(screen.getAllByTestId("person-row")).toHaveLength(1);
    });
    const last = calls.filter((c) => c.cmd === "list_people").at(-1)?.args as { filter: PersonFilter };
    expect(last.filter.admins).toBe(true);
    await userEvent.click(screen.getByText("Adele Vance"));
    const accounts = await screen.findByTestId("person-accounts");
    expect(within(accounts).getAllByTestId("person-account")).toHaveLength(2);
    expect(accounts).toHaveTextContent("Linked by an analyst (the rule gives github:adele-v)");
    expect(accounts).toHaveTextContent("Same e-mail address (adele@contoso.com)");
    expect(accounts).toHaveTextContent("Global Administrator");
    // Undo the analyst's link.
    await userEvent.click(within(accounts).getByTestId("unlink-github_1-adele-v"));
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "link_account")).toBe(true);
    });
    expect(calls.find((c) => c.cmd === "link_account")?.args).toMatchObject({ instanceId: "github_1", externalId: "github-adele-v", person: null });
  });

  it("asks the engine for people without a second factor", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    backend(calls);
    renderApp("/accounts");
    await waitFor(() => {
      expect(screen.getAllByTestId("person-row")).toHaveLength(2);
    });
    await userEvent.click(screen.getByText("Without MFA"));
    await waitFor(() => {
      const last = calls.filter((c) => c.cmd === "list_people").at(-1)?.args as { filter: PersonFilter };
      expect(last.filter.without_mfa).toBe(true);
    });
  });

  it("links an account with no e-mail to its person", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    backend(calls);
    renderApp("/accounts");
    await waitFor(() => {
      expect(screen.getAllByTestId("person-row")).toHaveLength(2);
    });
    const row = screen.getAllByTestId("person-row").find((r) => r.dataset.person === "github:bob") as HTMLElement;
    await userEvent.click(within(row).getAllByText("github:bob")[0] as HTMLElement);
    await userEvent.click(await screen.findByTestId("link-github_1-bob"));
    await userEvent.type(await screen.findByTestId("link-person"), "Bob@Contoso.com");
    await userEvent.click(screen.getByTestId("link-confirm"));
    await waitFor(() => {
      expect(calls.find((c) => c.cmd === "link_account")?.args).toMatchObject({ externalId: "github-bob", person: "Bob@Contoso.com" });
    });
  });

  it("says what to do before any instance is connected", async () => {
    mockIPC((cmd) =>
      cmd === "list_people" ? { items: [], next_cursor: null } : cmd === "get_settings" ? { theme: "light" } : cmd === "list_instances" ? [] : null,
    );
    renderApp("/accounts");
    expect(await screen.findByTestId("people-empty")).toHaveTextContent("connect an app");
  });
});
