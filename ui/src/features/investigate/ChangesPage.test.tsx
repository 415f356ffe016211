import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ChangeReport } from "../../ipc";
import { renderApp } from "../../test/render";

const snap = (run: string, ms: number) => ({ run_id: run, instance_id: "gh_1", instance_name: "Acme", taken_at_ms: ms });

const report: ChangeReport = {
  instances: [
    {
      instance_id: "gh_1",
      instance_name: "Acme",
      app: "github",
      from: snap("run_1", 1_796_000_000_000),
      to: snap("run_2", 1_796_086_400_000),
      new_accounts: [{ external_id: "9", login: "new-joiner", admin: false, roles_added: [], roles_removed: [] }],
      removed_accounts: [],
      new_admins: [{ external_id: "5", login: "grace", admin: true, roles_added: ["admin"], roles_removed: [] }],
      role_changes: [{ external_id: "5", login: "grace", admin: true, roles_added: ["admin"], roles_removed: [] }],
      newly_public_files: [{ external_id: "r1", name: "acme/secrets", url: null, owner: "acme", before: "private", after: "public", new_external: [] }],
      newly_external_files: [],
      new_grants: [],
      removed_grants: [],
      new_high_apps: ["deploy-everything"],
      not_compared: [],
    },
  ],
  waiting: ["Contoso"],
};

describe("What changed page", () => {
  it("shows each kind of change with its count, and which instances wait for a second scan", async () => {
    mockIPC((cmd) => {
      switch (cmd) {
        case "get_changes":
          return report;
        case "list_instances":
          return [];
        case "list_snapshots":
          return [snap("run_2", 1_796_086_400_000), snap("run_1", 1_796_000_000_000)];
        case "get_settings":
          return { theme: "light" };
        default:
          return null;
      }
    });
    renderApp("/changes");
    const acme = await screen.findByTestId("changes-instance");
    expect(within(acme).getByTestId("changes-count-new_admins")).toHaveTextContent("1");
    expect(within(acme).getByTestId("changes-count-removed_accounts")).toHaveTextContent("0");
    expect(within(acme).getByTestId("changes-new_admins")).toHaveTextContent("grace");
    expect(within(acme).getByTestId("changes-new_high_apps")).toHaveTextContent("deploy-everything");
    expect(screen.getByTestId("changes-waiting")).toHaveTextContent("Contoso");
  });

  it("says what to do before any instance was scanned twice", async () => {
    mockIPC((cmd) =>
      cmd === "get_changes"
        ? { instances: [], waiting: [] }
        : cmd === "get_settings"
          ? { theme: "light" }
          : cmd === "list_instances" || cmd === "list_snapshots"
            ? []
            : null,
    );
    renderApp("/changes");
    expect(await screen.findByTestId("changes-empty")).toHaveTextContent("scan it twice");
  });
});
