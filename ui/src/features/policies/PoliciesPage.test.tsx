import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Alert, AlertDetail, Policy, PolicyTemplate, PolicyTest } from "../../ipc";
import { renderApp } from "../../test/render";

const template: PolicyTemplate = {
  id: "anomaly-failed-sign-ins",
  name: "Repeated failed sign-ins",
  description: "Ten or more failed sign-ins of one user within 15 minutes: password guessing or spraying.",
  kind: "anomaly",
  severity: "medium",
  definition: { kind: "anomaly", detection: "failed_sign_ins", settings: { learning_days: 7, max_speed_kmh: 1000, min_distance_km: 500, count: 10, window_minutes: 15 } },
};

function policy(enabled: boolean): Policy {
  return {
    id: "pol_1",
    name: template.name,
    description: template.description,
    kind: "anomaly",
    severity: "medium",
    enabled,
    template_id: template.id,
    definition: template.definition,
    scope: { apps: [], instance_ids: [], users: [], exclude_users: [] },
    actions: [],
    created_at_ms: 1_796_000_000_000,
    updated_at_ms: 1_796_000_000_000,
    alerts: enabled ? 1 : 0,
    open_alerts: enabled ? 1 : 0,
  };
}

const test: PolicyTest = {
  matches: 1,
  records: 10,
  days: 7,
  activities: 4_200,
  sample: [{ title: "Repeated failed sign-ins: alice@contoso.com", entities: [], evidence: [{ kind: "activity", instance_id: "m365_1", ref_id: "e1", occurred_at_ms: 1_796_000_000_000, summary: "Sign-in failed by alice@contoso.com (failed) from 8.8.4.4" }] }],
};

const alert: Alert = {
  id: "alert_1",
  policy_id: "pol_1",
  policy_name: template.name,
  severity: "medium",
  title: "Repeated failed sign-ins: alice@contoso.com",
  description: "alice@contoso.com did 10 or more of these within 15 minutes.",
  status: "open",
  resolution: null,
  assignee: null,
  entities: [
    { kind: "account", id: "alice@contoso.com", label: "alice@contoso.com", instance_id: "m365_1" },
    { kind: "ip", id: "8.8.4.4", label: "8.8.4.4", instance_id: null },
  ],
  count: 10,
  first_seen_ms: 1_796_000_000_000,
  last_seen_ms: 1_796_000_600_000,
  created_at_ms: 1_796_000_700_000,
  updated_at_ms: 1_796_000_700_000,
};

function detail(a: Alert): AlertDetail {
  return {
    alert: a,
    evidence: test.sample[0]?.evidence ?? [],
    comments: a.status === "open" ? [] : [{ at_ms: 1_796_000_800_000, author: "analyst", kind: "status", text: `status: ${a.status}` }],
    policy: policy(true),
  };
}

describe("Policies and alerts", () => {
  it("creates a policy from a template, tests it and enables it", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let enabled: boolean | null = null;
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "list_policies":
          return enabled === null ? [] : [policy(enabled)];
        case "list_policy_templates":
          return [template];
        case "create_policy_from_template":
          enabled = false;
          return policy(false);
        case "test_policy":
          return test;
        case "set_policy_enabled":
          enabled = (args as { enabled: boolean }).enabled;
          return policy(enabled);
        case "get_settings":
          return { theme: "light" };
        default:
          return null;
      }
    });
    renderApp("/policies");
    expect(await screen.findByTestId("policies-empty")).toHaveTextContent("Create one from a template");
    await userEvent.click(screen.getByTestId("policies-create"));
    const t = await screen.findByTestId("template");
    expect(t).toHaveTextContent("password guessing");
    await userEvent.click(within(t).getByTestId("template-create"));
    // Created disabled, and the test drawer opens: a dry run first.
    await userEvent.click(await screen.findByTestId("test-run"));
    expect(await screen.findByTestId("test-summary")).toHaveTextContent("1 alert on 10 records in the last 7 days");
    expect(screen.getByTestId("test-match")).toHaveTextContent("from 8.8.4.4");
    expect(calls.find((c) => c.cmd === "test_policy")?.args).toMatchObject({ id: "pol_1", days: 7 });
    await userEvent.keyboard("{Escape}");
    const row = await screen.findByTestId("policy-row");
    expect(row.dataset.enabled).toBe("false");
    await userEvent.click(within(row).getByTestId("policy-enabled"));
    await waitFor(() => {
      expect(screen.getByTestId("policy-row").dataset.enabled).toBe("true");
    });
    expect(calls.some((c) => c.cmd === "set_policy_enabled")).toBe(true);
  });

  it("triages an alert to resolved with its evidence and entity links", async () => {
    let current: Alert = alert;
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "list_alerts":
          return { items: [current], next_cursor: null };
        case "get_alert":
          return detail(current);
        case "list_policies":
          return [policy(true)];
        case "set_alerts_status": {
          const a = args as { status: Alert["status"]; resolution: Alert["resolution"] };
          current = { ...current, status: a.status, resolution: a.resolution };
          return [detail(current)];
        }
        case "get_settings":
          return { theme: "light" };
        default:
          return null;
      }
    });
    renderApp("/alerts");
    await userEvent.click(await screen.findByText(alert.title));
    expect(await screen.findByTestId("alert-evidence")).toHaveTextContent("Sign-in failed by alice@contoso.com");
    const links = screen.getAllByTestId("alert-entity");
    expect(links[0]).toHaveAttribute("href", "/activities?user=alice%40contoso.com");
    expect(links[1]).toHaveAttribute("href", "/activities?ip=8.8.4.4");
    await userEvent.click(screen.getByTestId("alert-start"));
    await waitFor(() => {
      expect(screen.getByTestId("alert-status")).toHaveTextContent("In progress");
    });
    await userEvent.click(screen.getByTestId("alert-resolve"));
    await userEvent.click(await screen.findByTestId("alert-resolve-true_positive"));
    await waitFor(() => {
      expect(screen.getByTestId("alert-status")).toHaveTextContent("Resolved · True positive");
    });
    expect(calls.filter((c) => c.cmd === "set_alerts_status").map((c) => (c.args as { status: string }).status)).toEqual(["in_progress", "resolved"]);
  });

  it("runs a governance action after its dry run and a confirmation", async () => {
    const runs: boolean[] = [];
    mockIPC((cmd, args) => {
      switch (cmd) {
        case "list_alerts":
          return { items: [alert], next_cursor: null };
        case "get_alert":
          return detail(alert);
        case "list_policies":
          return [policy(true)];
        case "list_alert_actions":
          return [{ action: "disable_account", entity: alert.entities[0], label: "Block alice@contoso.com from signing in" }];
        case "run_alert_action": {
          const dryRun = (args as { dryRun: boolean }).dryRun;
          runs.push(dryRun);
          return {
            action: "disable_account",
            entity: alert.entities[0],
            dry_run: dryRun,
            steps: [{ instance_id: "m365_1", instance_name: "Contoso", grant_id: "alice@contoso.com", principal: "alice@contoso.com", what: "block alice@contoso.com from signing in", request: 'PATCH https://graph.microsoft.com/v1.0/users/u1 {"accountEnabled":false}', outcome: dryRun ? "planned" : "revoked", detail: null }],
          };
        }
        case "get_settings":
          return { theme: "light" };
        default:
          return null;
      }
    });
    renderApp("/alerts");
    await userEvent.click(await screen.findByText(alert.title));
    await userEvent.click(await screen.findByTestId("alert-action"));
    expect(await screen.findByTestId("action-summary")).toHaveTextContent("Dry run");
    expect(screen.getByTestId("action-steps")).toHaveTextContent('PATCH https://graph.microsoft.com/v1.0/users/u1 {"accountEnabled":false}');
    expect(runs).toEqual([true]);
    await userEvent.click(screen.getByTestId("action-confirm"));
    await waitFor(() => {
      expect(screen.getByTestId("action-summary")).toHaveTextContent("Done");
    });
    expect(runs).toEqual([true, false]);
    expect(screen.getByTestId("action-step").dataset.outcome).toBe("revoked");
  });

  it("says where alerts come from when there are none", async () => {
    mockIPC((cmd) => (cmd === "list_alerts" ? { items: [], next_cursor: null } : cmd === "list_policies" ? [] : cmd === "get_settings" ? { theme: "light" } : null));
    renderApp("/alerts");
    expect(await screen.findByTestId("alerts-empty")).toHaveTextContent("create one from a template");
  });
});
