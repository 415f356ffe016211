import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ConnectorView, InstanceView } from "../../ipc";
import { renderApp } from "../../test/render";

const caps = { accounts: true, groups: true, privileges: true, activities: true, files: true, oauth_apps: true };
const connectors: ConnectorView[] = [
  { id: "github", name: "GitHub", auth: ["token", "device_flow", "authorization_code"], capabilities: caps },
  { id: "m365", name: "Microsoft 365", auth: ["client_credentials", "authorization_code"], capabilities: caps },
];

function instance(over: Partial<InstanceView> = {}): InstanceView {
  return {
    id: "m365-1",
    app: "m365",
    name: "Contoso",
    status: "connected",
    status_detail: null,
    last_scan_at: null,
    next_scan_at: Date.now() + 14 * 60_000,
    last_run: null,
    activities_every_s: 900,
    full_every_s: 43200,
    counts: { accounts: 220, groups: 30, activities: 2500, files: 400, oauth_grants: 50 },
    principal: "app registration (Contoso)",
    checked_at: Date.now(),
    permissions: [{ name: "User.Read.All (users)", granted: true, phases: ["accounts"], fix: null }],
    config: { org: null, tenant: "contoso.onmicrosoft.com", api_url: null, auth: "client_credentials", client_id: "cid" },
    ...over,
  };
}

/** A backend whose answers the test picks; `pending` commands never answer. */
function backend(instances: InstanceView[], pending: string[] = [], failing: Record<string, unknown> = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (pending.includes(cmd)) return new Promise(() => undefined);
    if (cmd in failing) throw failing[cmd];
    switch (cmd) {
      case "list_connectors":
        return connectors;
      case "list_instances":
        return instances;
      case "connect_m365":
      case "update_credentials":
        return instance();
      case "authorize_start":
        return { flow_id: "flow-1", authorize_url: "http://127.0.0.1:9/authorize?x=1", redirect_uri: "http://127.0.0.1:5/cb" };
      case "get_settings":
        return { theme: "light" };
      default:
        return null;
    }
  });
  return calls;
}

async function openM365Form() {
  await userEvent.click(await screen.findByTestId("connect-app"));
  await userEvent.click(await screen.findByTestId("wizard-app-m365"));
  const instructions = screen.getByTestId("wizard-instructions");
  expect(instructions).toHaveTextContent("AuditLog.Read.All");
  expect(instructions).toHaveTextContent("Grant admin consent");
  expect(instructions).toHaveTextContent("http://127.0.0.1");
  // Every permission by its exact name, and the manifest step the portal needs.
  for (const p of [
    "User.Read.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "AuditLogsQuery.Read.All",
    "Sites.Read.All",
    "Directory.Read.All",
    "Application.Read.All",
    "offline_access",
    "Sites.FullControl.All",
  ]) {
    expect(instructions).toHaveTextContent(p);
  }
  expect(instructions).toHaveTextContent("replyUrlsWithType");
  await userEvent.click(screen.getByTestId("wizard-next"));
  await userEvent.type(await screen.findByTestId("wizard-name"), "Contoso");
  await userEvent.type(screen.getByTestId("wizard-tenant"), "contoso.onmicrosoft.com");
  await userEvent.type(screen.getByTestId("wizard-client-id"), "cid");
}

/** Pushes `message` down the Tauri channel the page passed as `events` to `watch_jobs`. */
function push(calls: { cmd: string; args: unknown }[], message: unknown, index: number) {
  const args = calls.find((c) => c.cmd === "watch_jobs")?.args as { events: { id: number } };
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, d: unknown) => void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(args.events.id, { message, index });
}

describe("Connected apps page", () => {
  it("shows a scan's progress as the engine pushes it, and refreshes without polling", async () => {
    const calls = backend([instance({ status: "scanning" })]);
    renderApp("/connectors");
    await screen.findByTestId("instance-status-Contoso");
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "watch_jobs")).toBe(true);
    });
    const listed = () => calls.filter((c) => c.cmd === "list_instances").length;
    const before = listed();
    const event = { job_id: "job-1", kind: "scan", subject: "m365-1", state: "running", error: null };
    push(calls, { ...event, progress: "reading accounts: 1200 records" }, 0);
    expect(await screen.findByTestId("instance-detail-Contoso")).toHaveTextContent("reading accounts: 1200 records");
    await waitFor(() => {
      expect(listed()).toBeGreaterThan(before);
    });
    push(calls, { ...event, state: "completed", progress: "completed: 2500 records" }, 1);
    await waitFor(() => {
      expect(screen.queryByText("reading accounts: 1200 records")).toBeNull();
    });
  });

  it("says what to connect when nothing is", async () => {
    backend([]);
    renderApp("/connectors");
    expect(await screen.findByTestId("connectors-empty")).toHaveTextContent("Microsoft 365");
  });

  it("connects Microsoft 365 with an app registration's client credentials", async () => {
    const calls = backend([]);
    renderApp("/connectors");
    await openM365Form();
    await userEvent.type(screen.getByTestId("wizard-client-secret"), "s3cret");
    await userEvent.click(screen.getByTestId("wizard-connect"));
    expect(await screen.findByTestId("wizard-result")).toHaveTextContent("Connected as app registration (Contoso)");
    expect(calls.find((c) => c.cmd === "connect_m365")?.args).toEqual({
      input: {
        name: "Contoso",
        tenant: "contoso.onmicrosoft.com",
        client_id: "cid",
        client_secret: "s3cret",
        api_url: null,
        login_url: null,
      },
    });
  });

  it("shows a refused secret beside its field in plain words, with the vendor's code below", async () => {
    backend([], [], {
      connect_m365: {
        code: "validation",
        message: "The client secret is wrong. Paste the secret's Value (not its Secret ID).",
        field: "client_secret",
        detail: "AADSTS7000215: invalid_client: AADSTS7000215: Invalid client secret provided.",
      },
    });
    renderApp("/connectors");
    await openM365Form();
    await userEvent.type(screen.getByTestId("wizard-client-secret"), "wrong");
    await userEvent.click(screen.getByTestId("wizard-connect"));
    const error = await screen.findByTestId("wizard-client-secret-error");
    expect(error).toHaveTextContent("The client secret is wrong");
    expect(screen.getByTestId("wizard-client-secret-error-detail")).toHaveTextContent("AADSTS7000215");
    expect(screen.queryByTestId("wizard-error")).toBeNull();
    expect(screen.queryByTestId("wizard-tenant-error")).toBeNull();
  });

  it("signs in in the system browser and waits for it to come back", async () => {
    const calls = backend([], ["authorize_finish"]);
    renderApp("/connectors");
    await openM365Form();
    await userEvent.click(screen.getByText("Sign in as an administrator"));
    expect(screen.queryByTestId("wizard-client-secret")).toBeNull();
    await userEvent.click(screen.getByTestId("wizard-connect"));
    expect(await screen.findByTestId("wizard-authorize-url")).toHaveTextContent("http://127.0.0.1:9/authorize?x=1");
    const start = calls.find((c) => c.cmd === "authorize_start")?.args as { input: Record<string, unknown> };
    expect(start.input).toMatchObject({ app: "m365", tenant: "contoso.onmicrosoft.com", client_id: "cid", instance_id: null });
    // The sign-in page went to the system browser, then the wait for the redirect began.
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "plugin:opener|open_url")).toBe(true);
      expect(calls.find((c) => c.cmd === "authorize_finish")?.args).toEqual({ flowId: "flow-1" });
    });
  });

  it("lists instances with their app, next scan and counts, and edits credentials", async () => {
    const calls = backend([instance()]);
    renderApp("/connectors");
    expect(await screen.findByTestId("instance-next-Contoso")).toHaveTextContent(/in 1[34] min/);
    expect(screen.getByTestId("instances-table")).toHaveTextContent("Microsoft 365 · contoso.onmicrosoft.com");
    expect(screen.getByTestId("instance-files-Contoso")).toHaveTextContent("400");
    await userEvent.click(screen.getByTestId("instance-menu-Contoso"));
    await userEvent.click(await screen.findByTestId("instance-credentials-Contoso"));
    await userEvent.type(await screen.findByTestId("credentials-value"), "new-secret");
    await userEvent.click(screen.getByTestId("credentials-save"));
    expect(await screen.findByTestId("credentials-result")).toHaveTextContent("The new credentials work.");
    expect(calls.find((c) => c.cmd === "update_credentials")?.args).toEqual({
      id: "m365-1",
      input: { token: null, client_secret: "new-secret" },
    });
  });
});
