import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActivityFilter, ActivityRow } from "../../ipc";
import { renderApp } from "../../test/render";

function row(n: number, category: ActivityRow["category"], outcome: ActivityRow["outcome"]): ActivityRow {
  return {
    instance_id: "m365_1",
    instance_name: "Contoso",
    app: "m365",
    event_id: `e${String(n)}`,
    occurred_at_ms: 1_796_000_000_000 - n * 60_000,
    actor: `user${String(n)}@contoso.com`,
    category,
    action: category === "sign_in" ? (outcome === "failure" ? "Sign-in failed" : "Sign-in") : "FileDownloaded",
    outcome,
    object: category === "sign_in" ? "Azure Portal" : "https://contoso.sharepoint.com/Report.docx",
    ip: `203.0.113.${String(n)}`,
    user_agent: null,
  };
}

const log: ActivityRow[] = [row(1, "sign_in", "failure"), row(2, "file", "success"), row(3, "sign_in", "success")];

function backend(calls: { cmd: string; args: unknown }[] = []) {
  const filters: ActivityFilter[] = [];
  const saved: { id: number; name: string; filter: ActivityFilter; updated_at_ms: number }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "list_instances":
        return [];
      case "list_activity_queries":
        return saved;
      case "save_activity_query": {
        const a = args as { name: string; filter: ActivityFilter };
        const q = { id: saved.length + 1, name: a.name, filter: a.filter, updated_at_ms: 0 };
        saved.push(q);
        return q;
      }
      case "export_activities":
        return { path: "/home/analyst/activity-log.csv", rows: 2, bytes: 512 };
      case "list_activities": {
        const f = (args as { filter: ActivityFilter }).filter;
        filters.push(f);
        const items = log.filter((r) => (f.category ? r.category === f.category : true) && (f.outcome ? r.outcome === f.outcome : true));
        return { items, next_cursor: null };
      }
      case "get_activity": {
        const a = args as { instanceId: string; eventId: string };
        const r = log.find((x) => x.event_id === a.eventId);
        return { row: r, raw: JSON.stringify({ id: a.eventId, status: { errorCode: 50126 } }) };
      }
      case "get_settings":
        return { theme: "light" };
      default:
        return null;
    }
  });
  return filters;
}

describe("Activity log page", () => {
  // jsdom lays nothing out: give the virtualized table a window's size so that it renders rows.
  const size = { clientHeight: 800, clientWidth: 1200 };
  const saved = Object.keys(size).map((k) => [k, Object.getOwnPropertyDescriptor(Element.prototype, k)] as const);
  beforeAll(() => {
    for (const [k, v] of Object.entries(size)) Object.defineProperty(Element.prototype, k, { configurable: true, get: () => v });
  });
  afterAll(() => {
    for (const [k, d] of saved) if (d) Object.defineProperty(Element.prototype, k, d);
  });

  it("lists the log, filters it in the engine and opens an event with its raw record", async () => {
    const filters = backend();
    renderApp("/activities");
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(3);
    });
    const input = screen.getByTestId("activity-category");
    await userEvent.click(input);
    const listbox = await waitFor(() => {
      const el = document.getElementById(input.getAttribute("aria-controls") ?? "");
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    await userEvent.click(within(listbox).getByRole("option", { name: "Sign-in", hidden: true }));
    await waitFor(() => {
      expect(screen.getAllByTestId("activity-row")).toHaveLength(2);
    });
    expect(filters.at(-1)?.category).toBe("sign_in");
    await userEvent.click(screen.getAllByTestId("activity-row")[0] as HTMLElement);
    const drawer = await screen.findByTestId("activity-fields");
    expect(within(drawer).getByText("Sign-in failed")).toBeInTheDocument();
    expect(await screen.findByTestId("activity-raw")).toHaveTextContent("50126");
  });

  it("saves the filters under a name, applies them again, and exports what they select", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    const filters = backend(calls);
    renderApp("/activities?outcome=failure&user=user1%40contoso.com");
    await waitFor(() => {
      expect(filters.at(-1)).toMatchObject({ outcome: "failure", user: "user1@contoso.com" });
    });
    await userEvent.click(screen.getByTestId("activity-save"));
    await userEvent.type(await screen.findByTestId("activity-save-name"), "Failed sign-ins");
    await userEvent.click(screen.getByTestId("activity-save-confirm"));
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "save_activity_query")).toBe(true);
    });
    const save = calls.find((c) => c.cmd === "save_activity_query")?.args as { name: string; filter: ActivityFilter };
    expect(save.name).toBe("Failed sign-ins");
    expect(save.filter).toMatchObject({ outcome: "failure", user: "user1@contoso.com", category: null });

    // Clear, then pick the saved query: the same filter runs again.
    await userEvent.click(screen.getByTestId("activity-clear"));
    await waitFor(() => {
      expect(filters.at(-1)).toMatchObject({ outcome: null, user: null });
    });
    const input = screen.getByTestId("activity-saved");
    await userEvent.click(input);
    const listbox = await waitFor(() => {
      const el = document.getElementById(input.getAttribute("aria-controls") ?? "");
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    await userEvent.click(within(listbox).getByRole("option", { name: "Failed sign-ins", hidden: true }));
    await waitFor(() => {
      expect(filters.at(-1)).toMatchObject({ outcome: "failure", user: "user1@contoso.com" });
    });

    await userEvent.click(screen.getByTestId("activity-export"));
    await userEvent.click(await screen.findByTestId("activity-export-csv"));
    await waitFor(() => {
      expect(calls.some((c) => c.cmd === "export_activities")).toBe(true);
    });
    const exp = calls.find((c) => c.cmd === "export_activities")?.args as { filter: ActivityFilter; format: string };
    expect(exp.format).toBe("csv");
    expect(exp.filter).toMatchObject({ outcome: "failure", user: "user1@contoso.com" });
    expect(await screen.findByText(/2 events written to/)).toBeInTheDocument();
  });

  it("says what to do when no instance has activity", async () => {
    mockIPC((cmd) =>
      cmd === "list_activities"
        ? { items: [], next_cursor: null }
        : cmd === "get_settings"
          ? { theme: "light" }
          : cmd === "list_instances" || cmd === "list_activity_queries"
            ? []
            : null,
    );
    renderApp("/activities");
    expect(await screen.findByTestId("activity-empty")).toHaveTextContent("connect an app");
  });
});
